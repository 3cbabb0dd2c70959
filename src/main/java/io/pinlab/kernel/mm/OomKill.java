package io.pinlab.kernel.mm;


/**
 * The memory cgroup OOM killer (mm/oom_kill.c, mm/memcontrol.c). A session is one memcg: when a
 * fault's charge does not fit, try_charge_memcg() calls mem_cgroup_out_of_memory(), which kills
 * the task with the highest oom_badness() in the cgroup and lets the charge retry. When the
 * victim is the faulting task, the charge gives up (task_is_dying()) and the fault ends in
 * VM_FAULT_OOM; the task dies of the SIGKILL on its way back to user mode.
 */
public final class OomKill {
    private OomKill() {}

    /**
     * mem_cgroup_out_of_memory() for a fault in {@code mm}: kills victims until the worst case of
     * one fault fits again. Returns true when the fault may go on, false when it must fail with
     * VM_FAULT_OOM (its own task was killed, or there is nothing left to kill).
     */
    static boolean memcgOutOfMemory(Globals k, Mm mm) {
        while (k.memcg.margin() < MemCg.FAULT_BYTES) {
            Task victim = selectBadProcess(k);
            String why = k.memcg.whyFull(MemCg.FAULT_BYTES);
            if (victim == null) {
                k.memcg.oomReport = why + "; no process left to kill";
                return false;
            }
            oomKillProcess(k, victim);
            if (victim.mm == mm) {
                k.memcg.oomReport = why + "; the memcg OOM killer (mem_cgroup_out_of_memory(), mm/memcontrol.c) killed"
                        + " this process, pid " + victim.pid + ", the largest in the session (oom_badness())";
                return false;
            }
        }
        return true;
    }

    /** The memcg's report of the last fault it failed, or null when the fault failed for an empty zone. */
    static String failure(Globals k) {
        String r = k.memcg.oomReport;
        k.memcg.oomReport = null;
        return r;
    }

    /**
     * select_bad_process() over the cgroup's tasks: the highest oom_badness(); on a tie the later
     * task wins, as oom_evaluate_task() replaces the choice when points are not lower.
     */
    static Task selectBadProcess(Globals k) {
        Task chosen = null;
        long chosenPoints = Long.MIN_VALUE;
        for (Task t : k.tasks.values()) {
            long points = oomBadness(t.mm);
            if (points >= chosenPoints) {
                chosen = t;
                chosenPoints = points;
            }
        }
        return chosen;
    }

    /** oom_badness(): resident pages plus page-table pages (no swap here). */
    static long oomBadness(Mm mm) {
        return mm.rssAnon + mm.rssFile + mm.rssShmem + mm.rssSwap + mm.ptes.leaves() + mm.pmds.leaves() + mm.puds.leaves();
    }

    /** oom_kill_process() -> __oom_kill_process(): SIGKILL; the simulator runs the task's exit at once. */
    private static void oomKillProcess(Globals k, Task victim) {
        Mm mm = victim.mm;
        k.log.printk("Memory cgroup out of memory: Killed process " + victim.pid + " (" + victim.comm + ") total-vm:"
                + (mm.totalVm() << 2) + "kB, anon-rss:" + (mm.rssAnon << 2) + "kB, file-rss:" + (mm.rssFile << 2)
                + "kB, shmem-rss:" + (mm.rssShmem << 2) + "kB, UID:" + victim.uid + " pgtables:"
                + ((mm.ptes.leaves() + mm.pmds.leaves() + mm.puds.leaves()) << 2) + "kB oom_score_adj:0");
        Exit.doExit(k, victim);
    }
}
