package io.pinlab.api.teach;

import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Views;
import io.pinlab.api.teach.Exercise.Ask;
import io.pinlab.api.teach.Exercise.Script;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pinlab.api.teach.Exercise.step;

/**
 * The catalog: "predict, then check" around the seed thread (GUP pins, io_uring fixed buffers).
 * Every expected answer is read off the kernel after running the variant's steps; the kernel
 * function each one turns on is named in its solution and shown in the trace.
 */
final class Exercises {
    static final String ALL_PROFILES_CSV = "v6.3,seed,v6.4,v6.5,v6.18";
    private static final List<String> ALL = List.of(ALL_PROFILES_CSV.split(","));
    private static final long A = 0x7f0000000000L;
    private static final long PAGE = 4096;

    private Exercises() {
    }

    static final List<Exercise> CATALOG = List.of(
            new Exercise("pin-bias", "What a pin adds to the refcount", "GUP_PIN_COUNTING_BIAS", ALL, "easy",
                    "A driver pins (or gets) anonymous pages; predict the folio's refcount and pincount.", null,
                    List.of("FOLL_GET and FOLL_PIN both end in try_grab_folio() (mm/gup.c).",
                            "For a small folio a FOLL_PIN adds GUP_PIN_COUNTING_BIAS (include/linux/mm.h) instead of 1."),
                    v -> {
                        String call = v.flip() ? "get_user_pages" : "pin_user_pages";
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())),
                                List.of(gup(call, A, v.pages(), "FOLL_WRITE")), false,
                                call + " takes the " + v.pages() + " pages. What are refcount and pincount of the last page's folio?",
                                List.of(Ask.integer("refcount", "folio refcount after the call"),
                                        Ask.integer("pincount", "FOLL_PIN pins of the folio")),
                                (k, o) -> folioOf(k, 1, A + (v.pages() - 1) * PAGE),
                                "The page is mapped once (refcount 1). FOLL_GET adds 1; FOLL_PIN on a small folio adds "
                                        + "GUP_PIN_COUNTING_BIAS = 1024 so that folio_maybe_dma_pinned() can tell pins from references.");
                    }),
            new Exercise("pin-large-folio", "Pinning a huge page", "GUP_PIN_COUNTING_BIAS", ALL, "medium",
                    "The same pin on a 2 MiB hugetlb folio and on a small one: what does the refcount show?", null,
                    List.of("Large folios keep pins in their own counter (folio->_pincount).",
                            "try_grab_folio() (mm/gup.c) adds the bias only when the folio is small."),
                    v -> {
                        List<Steps.StepJson> setup = new ArrayList<>();
                        setup.add(step("sysctl", null, "{\"name\":\"vm.nr_hugepages\",\"value\":1}"));
                        if (v.flip()) setup.add(mmapAnon(A, 512));
                        else setup.add(step("mmap", 1, "{\"addr\":\"" + hex(A) + "\",\"length\":2097152,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
                                + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_HUGETLB\",\"MAP_FIXED\"]}"));
                        setup.add(touch(A, v.pages()));
                        return new Script(setup, List.of(gup("pin_user_pages", A, v.pages(), "FOLL_WRITE")), false,
                                "pin_user_pages pins the first " + v.pages() + " pages of this mapping. What are the refcount "
                                        + "and the pincount of the folio of the first page?",
                                List.of(Ask.integer("refcount", "folio refcount after the pin"),
                                        Ask.integer("pincount", "FOLL_PIN pins counted for the folio")),
                                (k, o) -> folioOf(k, 1, A),
                                "A small folio counts each pinned page as 1024 references. A large folio is pinned once per "
                                        + "page with refcount + 1 and _pincount + 1 (folio_has_pincount()).");
                    }),
            new Exercise("gup-args-warn", "is_valid_gup_args() and its WARN", "is_valid_gup_args", ALL, "easy",
                    "A driver passes flags the entry point forbids, twice. What does it get back, and how often is dmesg warned?", null,
                    List.of("is_valid_gup_args() (mm/gup.c) runs before any page is touched.",
                            "Its checks are WARN_ON_ONCE: each call site warns once per boot."),
                    v -> {
                        String call = v.flip() ? "get_user_pages" : "pin_user_pages";
                        String flags = v.flip() ? "FOLL_LONGTERM" : "FOLL_GET";
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())),
                                List.of(gup(call, A, v.pages(), flags), gup(call, A, v.pages(), flags)), false,
                                call + " is called twice with " + flags + ". What does the first call return, and how many "
                                        + "WARNING lines do the two calls print?",
                                List.of(Ask.integer("ret", "what the first call returns"),
                                        Ask.integer("warnings", "WARNING lines the two calls print together")),
                                (k, o) -> Map.of("ret", ret(o, o.size() - 2), "warnings", warningLines(o, o.size() - 2)),
                                "The rule broken is reported by is_valid_gup_args(); pin_user_pages returns 0 and the "
                                        + "get_* entry points -EINVAL, and WARN_ON_ONCE prints the splat only the first time.");
                    }),
            new Exercise("gup-args-internal", "FOLL_TOUCH from a caller", "is_valid_gup_args", ALL, "hard",
                    "A driver passes FOLL_TOUCH. Which kernels accept it?", List.of("v6.5", "v6.18"),
                    List.of("Rule 1 of is_valid_gup_args() refuses flags only GUP itself may set.",
                            "6.7 moved FOLL_TOUCH into INTERNAL_GUP_FLAGS (mm/internal.h)."),
                    v -> new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())),
                            List.of(gup("get_user_pages", A, v.pages(), "FOLL_TOUCH")), false,
                            "get_user_pages with FOLL_TOUCH on " + v.pages() + " present pages in " + v.profile() + ": what does it return?",
                            List.of(Ask.integer("ret", "what get_user_pages returns")),
                            (k, o) -> Map.of("ret", ret(o, o.size() - 1)),
                            "Up to 6.6 FOLL_TOUCH is a caller flag and the call takes every page; from 6.7 it is internal "
                                    + "and is_valid_gup_args() fails the call (-EINVAL, with a WARN).")),
            new Exercise("longterm-file", "FOLL_LONGTERM on a shared file mapping", "FOLL_LONGTERM", List.of("v6.4", "v6.5", "v6.18"), "medium",
                    "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) on a MAP_SHARED file of a disk filesystem.", List.of("v6.4", "v6.5"),
                    List.of("Look at check_vma_flags() in mm/gup.c.",
                            "6.5 asks vma_needs_dirty_tracking(): a filesystem with writeback cannot have its pages pinned for long."),
                    v -> {
                        String fs = v.flip() ? "xfs" : "ext4";
                        return askRetErrno(List.of(open("/mnt/" + fs + "/data", v.pages()),
                                mmapShared(A, v.pages())),
                                List.of(gup("pin_user_pages", A, v.pages(), "FOLL_WRITE", "FOLL_LONGTERM")),
                                "A long-term write pin of " + v.pages() + " pages of a shared " + fs + " mapping in " + v.profile() + ": ret and errno?",
                                "what pin_user_pages returns",
                                "v6.4 pins the page cache pages; v6.5 (commit 'mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing "
                                        + "to file-backed mappings') refuses them in check_vma_flags() with -EFAULT.");
                    }),
            new Exercise("uring-multi-source", "One fixed buffer, two sources", "io_uring fixed buffers", ALL, "medium",
                    "A registered buffer spans an anonymous page and the memfd pages mapped right after it.", List.of("v6.3", "v6.4"),
                    List.of("io_sqe_buffer_register() (io_uring/rsrc.c) pins the range with pin_user_pages().",
                            "6.3 checks afterwards that all VMAs are of one kind; 6.4 reverted that check."),
                    v -> {
                        long memfd = A + v.pick() * PAGE;
                        return askRetErrno(List.of(
                                step("memfd_create", 1, "{\"name\":\"buf\",\"size\":" + v.pages() * PAGE + "}"),
                                mmapAnon(A, v.pick()),
                                mmapShared(memfd, v.pages()),
                                step("io_uring_setup", 1, "{\"entries\":8}")),
                                List.of(register(1, A, (v.pick() + v.pages()) * PAGE)),
                                "IORING_REGISTER_BUFFERS of " + v.pick() + " anonymous + " + v.pages() + " memfd pages in "
                                        + v.profile() + ": ret and errno?",
                                "io_uring_register's return",
                                "v6.3 (edd478269640) refuses mixed buffers with -EINVAL; the seed series leaves it to "
                                        + "FOLL_SAME_FILE (a short pin, -EFAULT); 6.4 (3c85cc43c8e7) registers them.");
                    }),
            new Exercise("same-file", "FOLL_SAME_FILE in the seed series", "FOLL_SAME_FILE", List.of("seed"), "medium",
                    "A pin with FOLL_SAME_FILE walks from one VMA into the next.", null,
                    List.of("check_vma_flags() in the seed series compares each VMA's file with the first one's.",
                            "GUP returns the number of pages pinned before the first failure."),
                    v -> {
                        long memfd = A + v.pick() * PAGE;
                        long start = v.flip() ? memfd : A;
                        long n = v.flip() ? v.pages() : v.pick() + v.pages();
                        return new Script(List.of(
                                step("memfd_create", 1, "{\"name\":\"buf\",\"size\":" + v.pages() * PAGE + "}"),
                                mmapAnon(A, v.pick()),
                                mmapShared(memfd, v.pages())),
                                List.of(gup("pin_user_pages", start, n, "FOLL_WRITE", "FOLL_LONGTERM", "FOLL_SAME_FILE")), false,
                                "pin_user_pages(FOLL_SAME_FILE) of " + n + " pages from " + hex(start) + ": what does it return?",
                                List.of(Ask.integer("ret", "pages pinned, or -errno")),
                                (k, o) -> Map.of("ret", ret(o, o.size() - 1)),
                                "The walk stops where the backing file changes: the pages before it are pinned and their count returned.");
                    }),
            new Exercise("vmas-removed", "The vmas parameter", "vmas removal", List.of("v6.3", "seed", "v6.4", "v6.5"), "easy",
                    "Can a driver still ask GUP for the VMAs of the pages?", List.of("v6.4", "v6.5"),
                    List.of("Look at the prototype of get_user_pages() in include/linux/mm.h of that version.",
                            "Lorenzo Stoakes' series removed the vmas array from every GUP entry point in 6.5."),
                    v -> {
                        String call = v.flip() && v.profile().equals("seed") ? "pin_user_pages" : "get_user_pages";
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())),
                                List.of(step("gup", 1, "{\"call\":\"" + call + "\",\"start\":\"" + hex(A) + "\",\"nrPages\":"
                                        + v.pages() + ",\"gupFlags\":[\"FOLL_WRITE\"],\"vmas\":true}")), false,
                                "Does " + call + " in " + v.profile() + " take a vmas array?",
                                List.of(Ask.bool("accepted", "the call can be made with a vmas array")),
                                (k, o) -> Map.of("accepted", o.size() == 3), // the probe is made only if the prototype has vmas
                                "6.3 and 6.4 have struct vm_area_struct **vmas; 6.5 removed it (the seed series already dropped it from pin_user_pages).");
                    }),
            new Exercise("cow-fork-pinned", "fork() of a pinned page", "COW at fork", ALL, "medium",
                    "A page is (or is not) pinned when the process forks: does the child share it?", null,
                    List.of("copy_present_pte() (mm/memory.c) decides per page at fork.",
                            "folio_needs_cow_for_dma(): an exclusive anonymous page that may be DMA-pinned is copied at once."),
                    v -> {
                        List<Steps.StepJson> probe = new ArrayList<>();
                        if (!v.flip()) probe.add(gup("pin_user_pages", A, 1, "FOLL_WRITE", "FOLL_LONGTERM"));
                        probe.add(step("fork", 1, null));
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())), probe, false,
                                (v.flip() ? "No pin is taken; " : "The first page is pinned; ") + "then the process forks. Does the "
                                        + "child map the same physical page at " + hex(A) + " as the parent?",
                                List.of(Ask.bool("shared", "child and parent map the same pfn")),
                                (k, o) -> {
                                    int child = o.get(o.size() - 1).result().path("pid").asInt();
                                    Long p = Views.pagemap(k, k.task(1), A, PAGE).get(0).pfn();
                                    Long c = Views.pagemap(k, k.task(child), A, PAGE).get(0).pfn();
                                    return Map.of("shared", p != null && p.equals(c));
                                },
                                "Unpinned anonymous pages are shared copy-on-write. A maybe-DMA-pinned exclusive page is copied "
                                        + "for the child during fork (copy_present_page), so the pin keeps seeing the parent's page.");
                    }),
            new Exercise("memlock-huge", "A huge page is charged whole", "RLIMIT_MEMLOCK accounting", List.of("v6.5", "v6.18"), "hard",
                    "Register a few KiB of a hugetlb page as a fixed buffer: how many pages does the user's locked_vm grow by?",
                    List.of("v6.5", "v6.18"),
                    List.of("io_buffer_account_pin() (io_uring/rsrc.c) charges a huge page's every base page once.",
                            "From 6.14 io_uring also charges its ring memory to the same counter (io_create_region())."),
                    v -> new Script(List.of(
                            step("sysctl", null, "{\"name\":\"vm.nr_hugepages\",\"value\":2}"),
                            step("mmap", 1, "{\"addr\":\"" + hex(A) + "\",\"length\":2097152,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
                                    + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_HUGETLB\",\"MAP_FIXED\"]}"),
                            touch(A, 1),
                            step("io_uring_setup", 1, "{\"entries\":8}")),
                            List.of(register(0, A + v.pick() * PAGE, v.pages() * PAGE)), false,
                            "A buffer of " + v.pages() + " pages inside one 2 MiB hugetlb page, registered in " + v.profile()
                                    + ": what is the user's locked_vm (in pages) afterwards?",
                            List.of(Ask.integer("lockedPages", "userLockedVmPages of uid 1000")),
                            (k, o) -> Map.of("lockedPages", k.userLockedVm(k.task(1).uid)),
                            "The buffer's huge page is charged whole: 512 pages, whatever part of it the buffer covers; "
                                    + "v6.18 adds the ring's own pages (SQ/CQ rings and SQE array).")),
            new Exercise("memlock-cap", "RLIMIT_MEMLOCK and CAP_IPC_LOCK", "RLIMIT_MEMLOCK accounting", ALL, "easy",
                    "Register more than 8 MiB as a fixed buffer, with and without CAP_IPC_LOCK.", null,
                    List.of("__io_account_mem() (io_uring/rsrc.c) checks the user's locked_vm against RLIMIT_MEMLOCK.",
                            "The ring's creator with CAP_IPC_LOCK is not charged at all (ctx->user is NULL)."),
                    v -> {
                        long mib = 8 + v.pick() * 2L;
                        int pid = v.flip() ? 2 : 1;
                        List<Steps.StepJson> setup = new ArrayList<>();
                        if (v.flip()) setup.add(step("process", null, "{\"comm\":\"privileged\",\"capIpcLock\":true}"));
                        setup.add(step("mmap", pid, "{\"addr\":\"" + hex(A) + "\",\"length\":" + mib * 1048576
                                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_FIXED\"]}"));
                        setup.add(step("io_uring_setup", pid, "{\"entries\":8}"));
                        return askRetErrno(setup, List.of(step("io_uring_register", pid, "{\"fd\":0,\"opcode\":\"IORING_REGISTER_BUFFERS\","
                                + "\"iovecs\":[{\"base\":\"" + hex(A) + "\",\"len\":" + mib * 1048576 + "}]}")),
                                "Process " + pid + (v.flip() ? " (CAP_IPC_LOCK)" : " (no CAP_IPC_LOCK, RLIMIT_MEMLOCK 8 MiB)")
                                        + " registers " + mib + " MiB: ret and errno?",
                                "io_uring_register's return",
                                "Without CAP_IPC_LOCK the pages are charged to user->locked_vm and more than RLIMIT_MEMLOCK is "
                                        + "-ENOMEM; with it nothing is charged to the user (mm->pinned_vm still grows).");
                    }),
            new Exercise("gup-fast-fallback", "gup-fast and its fallback", "gup-fast", ALL, "medium",
                    "Some pages were never touched. What do get_user_pages_fast and get_user_pages_fast_only return?", null,
                    List.of("gup-fast (mm/gup.c) walks page tables without mmap_lock and never faults.",
                            "internal_get_user_pages_fast() falls back to the slow path for the rest, unless FOLL_FAST_ONLY."),
                    v -> {
                        int touched = Math.min(v.pick(), v.pages() - 1);
                        String call = v.flip() ? "get_user_pages_fast" : "get_user_pages_fast_only";
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, touched)),
                                List.of(gup(call, A, v.pages(), "FOLL_WRITE")), false,
                                touched + " of " + v.pages() + " pages are present. " + call + " for all " + v.pages() + ": what does it return?",
                                List.of(Ask.integer("ret", "pages taken, or -errno")),
                                (k, o) -> Map.of("ret", ret(o, o.size() - 1)),
                                "gup-fast takes the present pages; get_user_pages_fast then faults the rest in through the slow "
                                        + "path, get_user_pages_fast_only returns what the fast walk got.");
                    }),
            new Exercise("movable-migration", "Long-term pins leave ZONE_MOVABLE", "migration out of ZONE_MOVABLE", ALL, "medium",
                    "The session's pages are in ZONE_MOVABLE. Where is the pinned page afterwards?", null,
                    List.of("check_and_migrate_movable_pages() (mm/gup.c) runs for FOLL_LONGTERM only.",
                            "A page pinned for long must not block memory hot-unplug or CMA."),
                    v -> {
                        List<String> flags = v.flip() ? List.of("FOLL_WRITE") : List.of("FOLL_WRITE", "FOLL_LONGTERM");
                        return new Script(List.of(mmapAnon(A, v.pages()), touch(A, v.pages())),
                                List.of(gup("pin_user_pages", A, v.pages(), flags.toArray(String[]::new))), true,
                                "pin_user_pages(" + String.join("|", flags) + ") of " + v.pages() + " pages in ZONE_MOVABLE. "
                                        + "Which zone holds the first page afterwards?",
                                List.of(Ask.choice("zone", List.of("MOVABLE", "NORMAL"), "zone of the first page's folio")),
                                (k, o) -> Map.of("zone", Views.pagemap(k, k.task(1), A, PAGE).get(0).folio().zone()),
                                "FOLL_LONGTERM migrates pages out of ZONE_MOVABLE before pinning them; a short pin leaves them.");
                    }),
            new Exercise("fixed-io-after-munmap", "Fixed I/O after munmap", "io_uring fixed buffers", ALL, "medium",
                    "The buffer is registered, then unmapped. What does a READ_FIXED into it complete with?", null,
                    List.of("io_import_fixed() (io_uring/rsrc.c) uses the registered bvecs, not the page tables.",
                            "The registration holds pins; munmap() drops the mapping, not the pins."),
                    v -> {
                        List<Steps.StepJson> setup = new ArrayList<>(List.of(open("/mnt/ext4/data", v.pages()),
                                mmapAnon(A, v.pages()), touch(A, v.pages()), step("io_uring_setup", 1, "{\"entries\":8}"),
                                register(1, A, v.pages() * PAGE),
                                step("munmap", 1, "{\"addr\":\"" + hex(A) + "\",\"length\":" + v.pages() * PAGE + "}")));
                        if (v.flip()) setup.add(step("io_uring_register", 1, "{\"fd\":1,\"opcode\":\"IORING_UNREGISTER_BUFFERS\"}"));
                        return new Script(setup, List.of(step("io_uring_enter", 1, "{\"fd\":1,\"sqes\":[{\"opcode\":\"IORING_OP_READ_FIXED\","
                                + "\"fd\":0,\"addr\":\"" + hex(A) + "\",\"len\":4096,\"off\":0,\"bufIndex\":0,\"userData\":7}]}")), false,
                                "READ_FIXED of 4096 bytes into buffer 0" + (v.flip() ? " after the buffers were unregistered" : "")
                                        + ": what is the CQE's res?",
                                List.of(Ask.integer("res", "cqe->res")),
                                (k, o) -> Map.of("res", cqeRes(o.get(o.size() - 1))),
                                "The pinned pages stay with the registration, so the read lands in them (res = bytes read) even "
                                        + "though nothing maps them; after unregistering, buffer 0 does not exist (-EFAULT).");
                    }),
            new Exercise("secretmem", "Pinning secretmem", "secretmem", ALL, "easy",
                    "memfd_secret() pages are unmapped from the kernel's direct map. Can a driver pin them?", null,
                    List.of("check_vma_flags() (mm/gup.c) asks vma_is_secretmem().",
                            "gup-fast checks folio_is_secretmem() too."),
                    v -> {
                        Steps.StepJson create = v.flip()
                                ? step("memfd_create", 1, "{\"name\":\"buf\",\"size\":" + v.pages() * PAGE + "}")
                                : step("memfd_secret", 1, "{\"size\":" + v.pages() * PAGE + "}");
                        return askRetErrno(List.of(create,
                                mmapShared(A, v.pages()),
                                touch(A, v.pages())),
                                List.of(gup("pin_user_pages", A, v.pages(), "FOLL_WRITE", "FOLL_LONGTERM")),
                                "pin_user_pages of " + v.pages() + " pages of a " + (v.flip() ? "memfd" : "memfd_secret") + " mapping: ret and errno?",
                                "what pin_user_pages returns",
                                "Secret memory must never be reachable by the kernel or a device: GUP refuses it with -EFAULT; "
                                        + "an ordinary memfd is shmem and pins.");
                    }),
            new Exercise("device-memory", "GUP on device memory", "VM_IO | VM_PFNMAP", ALL, "easy",
                    "A device's MMIO is mapped into the process. What does get_user_pages return on it?", null,
                    List.of("check_vma_flags() (mm/gup.c) refuses VM_IO | VM_PFNMAP.",
                            "Those PTEs have no struct page to take a reference on."),
                    v -> {
                        String path = v.flip() ? "/dev/zero" : "/dev/mmio0";
                        return askRetErrno(List.of(step("open", 1, "{\"path\":\"" + path + "\",\"flags\":[\"O_RDWR\"]}"),
                                mmapShared(A, v.pages())),
                                List.of(gup("get_user_pages", A, v.pages(), "FOLL_WRITE")),
                                "get_user_pages of " + v.pages() + " pages of " + path + " mapped MAP_SHARED: ret and errno?",
                                "what get_user_pages returns",
                                "Device memory (VM_IO | VM_PFNMAP) has no pages GUP could return: -EFAULT. /dev/zero MAP_SHARED is "
                                        + "shmem and its pages are faulted in and taken.");
                    }));

    static Exercise byId(String id) {
        for (Exercise e : CATALOG) if (e.id().equals(id)) return e;
        return null;
    }

    /** A script without ZONE_MOVABLE that asks for the last probe step's ret and errno. */
    private static Script askRetErrno(List<Steps.StepJson> setup, List<Steps.StepJson> probe, String question,
                                      String retMeaning, String solution) {
        return new Script(setup, probe, false, question,
                List.of(Ask.integer("ret", retMeaning), Ask.errno("errno", "errno, or none")),
                (k, o) -> retErrno(o, o.size() - 1), solution);
    }

    // ---------------------------------------------------------------- step builders

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static Steps.StepJson mmapAnon(long addr, long pages) {
        return step("mmap", 1, "{\"addr\":\"" + hex(addr) + "\",\"length\":" + pages * PAGE
                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_FIXED\"]}");
    }

    /** MAP_SHARED of fd 0, read-write, at a fixed address. */
    private static Steps.StepJson mmapShared(long addr, long pages) {
        return step("mmap", 1, "{\"addr\":\"" + hex(addr) + "\",\"length\":" + pages * PAGE
                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_SHARED\",\"MAP_FIXED\"],\"fd\":0}");
    }

    private static Steps.StepJson touch(long addr, long pages) {
        return step("access", 1, "{\"addr\":\"" + hex(addr) + "\",\"length\":" + Math.max(0, pages) * PAGE
                + ",\"access\":\"write\",\"value\":7}");
    }

    private static Steps.StepJson open(String path, long pages) {
        return step("open", 1, "{\"path\":\"" + path + "\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":" + pages * PAGE + "}");
    }

    private static Steps.StepJson gup(String call, long start, long n, String... flags) {
        return step("gup", 1, "{\"call\":\"" + call + "\",\"start\":\"" + hex(start) + "\",\"nrPages\":" + n
                + ",\"gupFlags\":[" + String.join(",", java.util.Arrays.stream(flags).map(f -> "\"" + f + "\"").toList()) + "]}");
    }

    private static Steps.StepJson register(int ring, long base, long len) {
        return step("io_uring_register", 1, "{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\""
                + hex(base) + "\",\"len\":" + len + "}]}");
    }

    // ---------------------------------------------------------------- readings

    private static long ret(List<Steps.Outcome> o, int i) {
        return o.get(i).result().path("ret").asLong();
    }

    private static Map<String, Object> retErrno(List<Steps.Outcome> o, int i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ret", ret(o, i));
        m.put("errno", o.get(i).result().path("errno").isNull() ? null : o.get(i).result().path("errno").asString());
        return m;
    }

    private static Map<String, Object> folioOf(Kernel k, int pid, long addr) {
        Views.Folio f = Views.pagemap(k, k.task(pid), addr, PAGE).get(0).folio();
        return Map.of("refcount", f == null ? 0 : f.refcount(), "pincount", f == null ? 0 : f.pincount());
    }

    private static int warningLines(List<Steps.Outcome> o, int from) {
        int n = 0;
        for (int i = from; i < o.size(); i++)
            if (o.get(i).answer() instanceof io.pinlab.api.steps.Answers.GupAnswer g)
                for (String w : g.warnings()) if (w.startsWith("WARNING")) n++;
        return n;
    }

    private static long cqeRes(Steps.Outcome o) {
        if (o.answer() instanceof io.pinlab.api.steps.Answers.EnterAnswer e && !e.cqes().isEmpty()) return e.cqes().get(0).res();
        return Long.MIN_VALUE;
    }
}
