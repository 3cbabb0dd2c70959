package io.pinlab.kernel;

import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.iouring.IoRingCtx;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Vma;
import io.pinlab.kernel.mm.Zone;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a lab can observe of a kernel, as comparable values: what the HTTP views show
 * (maps, pagemap of every VMA, status, fds, mounts, pins, io_uring buffer tables and CQs,
 * sysctls, dmesg) plus the counters that decide future answers (next pid, inode and file
 * numbers, free frames per zone, locked_vm per user, page-array entries held).
 */
final class Observed {
    private Observed() {}

    record PinView(long id, String call, int pid, long start, long nrPages, int gupFlags, List<Long> pfns, Pin.Kind kind,
                   boolean released, String releasedHow) {}

    record RingView(int pid, int fd, List<?> buffers, List<?> cqes, int nrUserBufs, long ringPages, boolean freed) {}

    static Map<String, Object> of(Kernel k) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("profile", k.profile.name());
        o.put("counters", k.counters());
        o.put("memcg usage", k.memcg.usage());
        o.put("sysctl", Sysctl.NAMES.stream().map(n -> n + "=" + Sysctl.get(k, n)).toList());
        o.put("hugetlb", List.of(k.defaultHstate.inUse, k.defaultHstate.resvHugePages, k.defaultHstate.freeHugePages()));
        o.put("hugetlb 1G", List.of(k.gigantic.nrHugePages, k.gigantic.inUse, k.gigantic.resvHugePages));
        o.put("huge zero folio", List.of(k.thpUseZeroPage, k.hugeZeroPfn));
        o.put("userLockedVm", new TreeMap<>(k.userLockedVm));
        o.put("follPin", List.of(k.pins.nrFollPinAcquired, k.pins.nrFollPinReleased));
        for (Zone z : Zone.values()) o.put("zone " + z, List.of(k.phys.usedFrames(z), k.phys.freeFrames(z)));
        o.put("mounts", Views.mounts(k));
        for (Task t : k.tasks.values()) {
            String p = "pid " + t.pid + " ";
            o.put(p + "identity", List.of(t.ppid, t.comm, t.uid, t.capIpcLock, t.rlimitMemlock));
            o.put(p + "maps", Views.maps(k, t));
            o.put(p + "maps text", Views.mapsText(k, t));
            o.put(p + "status", Views.status(k, t));
            o.put(p + "fds", Views.fds(k, t));
            o.put(p + "mm", List.of(t.mm.flags, t.mm.writeProtectSeq, t.mm.anonVmaSeq, t.mm.mapCount()));
            for (Vma v : t.mm.vmas.values()) {
                o.put(p + "pagemap " + Long.toHexString(v.start), Views.pagemap(k, t, v.start, v.length()));
                o.put(p + "vma " + Long.toHexString(v.start), List.of(v.flags, v.pgoff, v.anonVma, v.hugeResv, String.valueOf(v.name), v.ops));
            }
            for (Map.Entry<Integer, OpenFile> e : t.fds.entrySet()) {
                IoRingCtx r = IoUring.ringOf(e.getValue());
                if (r == null) continue;
                o.put(p + "ring " + e.getKey(), new RingView(t.pid, e.getKey(), IoUring.buffers(k, t, e.getKey()), r.pendingCqes(),
                        r.nrUserBufs(), r.ringAccountedPages(), r.freed()));
            }
        }
        List<PinView> pins = new ArrayList<>();
        for (Pin p : Pins.list(k))
            pins.add(new PinView(p.id(), p.call().name(), p.pid(), p.start().value(), p.nrPages(), p.gupFlags(),
                    Arrays.stream(p.pfns()).boxed().toList(), p.kind(), p.released(), String.valueOf(p.releasedHow())));
        o.put("pins", pins);
        o.put("dmesg", k.log.text());
        return o;
    }
}
