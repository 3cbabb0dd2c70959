package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.fs.Secretmem;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Mprotect;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.ProcessVm;
import io.pinlab.kernel.mm.Swapfile;
import io.pinlab.kernel.fs.DirectIo;
import io.pinlab.kernel.fs.Falloc;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Pipe;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pinlab's v6.18 profile against a real Linux 6.18 (oracle/recorded/v6.18.txt, made by
 * oracle/record.sh from oracle/probes.c). Each method below replays one probe function of
 * probes.c step by step on a fresh simulated kernel and reports the same observations; every
 * recorded case must be answered, and answered alike, errno by errno.
 */
class OracleTest {
    static final Path RECORDING = Path.of("oracle/recorded/v6.18.txt");
    static final long PAGE = 4096, HUGE = 2L << 20;
    static final int R = 1, W = 2, RW = 3;
    static final int SHARED = 1, PRIVATE = 2, FIXED = 0x10, ANON = 0x20, HUGETLB = 0x40000;
    static final int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0100, O_TRUNC = 01000, O_DIRECT = 040000;
    static final int MADV_DONTNEED = 4, MADV_PAGEOUT = 21, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_COLLAPSE = 25, MFD_HUGETLB = 4;
    static final int KEEP_SIZE = 0x01, PUNCH_HOLE = 0x02, COLLAPSE_RANGE = 0x08, ZERO_RANGE = 0x10, INSERT_RANGE = 0x20, UNSHARE_RANGE = 0x40,
            WRITE_ZEROES = 0x80, O_NONBLOCK = 04000;
    static final int SPLICE_F_NONBLOCK = 0x02, SPLICE_F_GIFT = 0x08;

    static Map<String, String> recording() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : java.nio.file.Files.readAllLines(RECORDING)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.trim().split("\\s+");
            assertEquals(2, f.length, "recording line: " + line);
            assertNull(m.put(f[0], f[1]), "case recorded twice: " + f[0]);
        }
        return m;
    }

    /** Every observation pinlab makes, in probes.c order. */
    static Map<String, String> pinlab() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String fs : List.of("ext4", "xfs", "btrfs")) {
            new Probe(m, fs).fileMmap();
            new Probe(m, fs).fileRegister();
            new Probe(m, fs).fileDirect();
            new Probe(m, fs).fileDioFallback();
            new Probe(m, fs).fileFalloc();
            new Probe(m, fs).fileFallocShift();
            new Probe(m, fs).filePageout();
        }
        new Probe(m, "ext4").vmsplice();
        new Probe(m, "ext4").fallocPinned();
        new Probe(m, "ext4").remote();
        new Probe(m, "ext4").uringOps();
        new Probe(m, "ext4").uringFiles();
        new Probe(m, "ext4").mmap();
        new Probe(m, "ext4").register();
        memlock(m, "0", 0, 0);
        memlock(m, "64k_a", 64 << 10, 4);
        memlock(m, "64k_b", 64 << 10, 16);
        new Probe(m, "ext4").pagemapFork();
        new Probe(m, "ext4").reuse();
        new Probe(m, "ext4").mremap();
        new Probe(m, "ext4").collapse();
        new Probe(m, "ext4").collapseFile();
        new Probe(m, "ext4").collapsePageout();
        new Probe(m, "ext4").swap();
        new Probe(m, "ext4").hugetlbCow();
        new Probe(m, "ext4").gigantic();
        return m;
    }

    /** The header line oracle/record.sh writes when the host kernel's mm_forbids_zeropage() is true. */
    static final String FORBIDS_ZEROPAGE = "# host: mm_forbids_zeropage";

    /**
     * The cases a host with mm_forbids_zeropage() answers differently, and the answer the kernel rule
     * gives there: mm/memory.c do_anonymous_page() maps the zero page on a read fault only if
     * !mm_forbids_zeropage(), so each read fault allocates its own exclusive anon page (two reads: two
     * pfns, neither KPF_ZERO_PAGE), and a FOLL_FORCE write through /proc/PID/mem then reuses that
     * exclusive page (mm/memory.c do_wp_page(): wp_can_reuse_anon_folio()); mm/huge_memory.c
     * do_huge_pmd_anonymous_page() likewise skips the huge zero folio and allocates a THP. pinlab models
     * an upstream host (the zero page exists), checked against these cases by the earlier recordings
     * and by the zero-page kernel-core tests (FaultReuseTest, section 5).
     */
    static final Map<String, String> ZEROPAGE_FORBIDDEN = Map.of(
            "pagemap.read_fault_zero_page", "no",
            "pagemap.two_read_faults_pfn", "differ",
            "procmem.write_readonly_private_pfn", "same",
            "zero.thp_read_is_zero_page", "no",
            "zero.thp_read_two_ranges_pfn", "differ");

    static boolean hostForbidsZeropage() throws IOException {
        return java.nio.file.Files.readAllLines(RECORDING).stream().anyMatch(l -> l.startsWith(FORBIDS_ZEROPAGE));
    }

    @TestFactory
    Stream<DynamicTest> pinlabAnswersAsTheRecordedKernel() throws IOException {
        Map<String, String> real = recording();
        Map<String, String> sim = pinlab();
        boolean noZeroPage = hostForbidsZeropage();
        return real.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            if (noZeroPage && ZEROPAGE_FORBIDDEN.containsKey(e.getKey())) // a host artefact, see ZEROPAGE_FORBIDDEN
                assertEquals(ZEROPAGE_FORBIDDEN.get(e.getKey()), e.getValue(), e.getKey() + " on a host without the zero page");
            else
                assertEquals(e.getValue(), sim.get(e.getKey()), e.getKey() + " (real kernel: " + e.getValue() + ")");
        }));
    }

    @Test
    void everySimulatedCaseIsRecorded() throws IOException { // a probe added on one side only fails here
        assertEquals(pinlab().keySet().stream().sorted().toList(), recording().keySet().stream().sorted().toList());
    }

    @Test
    void recordingNamesItsKernel() throws IOException {
        assertTrue(java.nio.file.Files.readAllLines(RECORDING).stream().anyMatch(l -> l.startsWith("# uname -r: 6.18")));
    }

    /** A root process (CAP_IPC_LOCK, as the probes run) on a fresh v6.18 kernel. */
    static final class Probe {
        final Map<String, String> out;
        final String fs;
        final Kernel k = new Kernel(Profile.V6_18, false);
        final Task t = k.createTask(0, "probes", 0, true, Kernel.DEFAULT_RLIMIT_MEMLOCK);

        Probe(Map<String, String> out, String fs) {
            this.out = out;
            this.fs = fs;
        }

        static String ename(SysResult r) { return r.errno() == null ? "OK" : r.errno().name(); }

        void put(String c, String v) { assertNull(out.put(c, v), "case twice: " + c); }

        void put(String c, SysResult r) { put(c, ename(r)); }

        SysResult mmap(long addr, long len, int prot, int flags, int fd, long off) {
            return Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, flags, fd, off);
        }

        long map(long len, int prot, int flags, int fd) {
            SysResult r = mmap(0, len, prot, flags, fd, 0);
            assertNull(r.errno(), r.toString());
            return r.ret();
        }

        int file(String name, long size, int oflags) {
            String path = "/mnt/" + fs + "/" + name;
            int fd = (int) Open.doSysOpen(k, t, path, O_RDWR | O_CREAT | O_TRUNC, size).ret();
            if (oflags != O_RDWR) {
                Open.closeFd(k, t, fd);
                fd = (int) Open.doSysOpen(k, t, path, oflags, null).ret();
            }
            return fd;
        }

        long pfn(Task task, long addr) {
            Views.PageEntry e = Views.pagemap(k, task, addr, 1).get(0);
            return e.present() ? e.pfn() : 0;
        }

        long pfn(long addr) { return pfn(t, addr); }

        static String same(long a, long b) { return a == b ? "same" : "differ"; }

        /** /proc/kpageflags KPF_THP: a page of an order-9 anonymous folio or of the huge zero folio. */
        String thp(long addr) { return k.phys.order(pfn(addr)) == PhysMem.HPAGE_ORDER ? "thp" : "small"; }

        /** KPF_ZERO_PAGE: the 4 KiB zero page or a page of the huge zero folio. */
        boolean zeroPage(long addr) {
            long p = pfn(addr);
            return p == PhysMem.ZERO_PFN || (k.hugeZeroPfn >= 0 && k.phys.head(p) == k.hugeZeroPfn);
        }

        void read(long addr) { assertTrue(UserAccess.access(k, t, VirtAddr.of(addr), 1, false, null).ok()); }

        void write(long addr, long len, long v) { assertTrue(UserAccess.access(k, t, VirtAddr.of(addr), len, true, v).ok()); }

        long thpRange() {
            long raw = map(2 * HUGE, RW, PRIVATE | ANON, -1);
            long a = (raw + HUGE - 1) & ~(HUGE - 1);
            Madvise.doMadvise(k, t, VirtAddr.of(a), HUGE, MADV_HUGEPAGE);
            return a;
        }

        Task fork() { return k.task((int) Fork.copyProcess(k, t).ret()); }

        void exit(Task c) { Exit.doExit(k, c); }

        String register(int ring, long base, long len) {
            SysResult r = Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(base, len))));
            if (r.errno() == null) Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));
            return ename(r);
        }

        int ring() { return (int) IoUring.setup(k, t, 8, 0).ret(); }

        void nrHugepages(long n) { assertNull(Sysctl.set(k, "vm.nr_hugepages", n).errno()); }

        SysResult mremap(long addr, long oldLen, long newLen, int flags, long newAddr) {
            return io.pinlab.kernel.mm.Mremap.doMremap(k, t, VirtAddr.of(addr), oldLen, newLen, flags, VirtAddr.of(newAddr));
        }

        boolean present(long addr) { return Views.pagemap(k, t, addr, 1).get(0).present(); }

        long value(long addr) { return UserAccess.access(k, t, VirtAddr.of(addr), 1, false, null).values().get(0); }

        void pinBuffer(int ring, long base, long len) {
            put0(Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(base, len)))));
        }

        static void put0(SysResult r) { assertNull(r.errno(), r.toString()); }

        /** /proc/swaps Used (or Size) of the swapfile. */
        long swapsKb(boolean used) {
            Views.Swaps s = Views.swaps(k);
            return used ? s.usedKb() : s.sizeKb();
        }

        long swappedPages(long a, long n) {
            return Views.pagemap(k, t, a, n * PAGE).stream().filter(e -> e.swapOffset() != null).count();
        }

        boolean swapped(long addr) { return Views.pagemap(k, t, addr, 1).get(0).swapOffset() != null; }

        long page1(int n, long v) {
            long a = map(n * PAGE, RW, PRIVATE | ANON, -1);
            write(a, n * PAGE, v);
            return a;
        }

        SysResult pageout(long a, long len) { return Madvise.doMadvise(k, t, VirtAddr.of(a), len, MADV_PAGEOUT); }

        static String yes(boolean b) { return b ? "yes" : "no"; }

        /** The child's end in probes.c hcow_end(): "SIGBUS" when its access raised it, else "exit". */
        String childAccess(Task child, long addr, boolean write) {
            io.pinlab.kernel.mm.AccessResult r = UserAccess.access(k, child, VirtAddr.of(addr), 1, write, write ? 6L : null);
            exit(child);
            return r.ok() ? "exit" : "SIGBUS".equals(r.signal()) ? "SIGBUS" : "signal";
        }

        // probe_hugetlb_cow(): one 2 MiB page in the pool, shared by fork
        void hugetlbCow() {
            nrHugepages(1);
            SysResult ra = mmap(0, HUGE, RW, PRIVATE | ANON | HUGETLB, -1, 0);
            put("hcow.mmap", ra);
            long a = ra.ret();
            write(a, 1, 4);
            long h = pfn(a);
            Task c = fork();
            write(a + PAGE, 1, 5);
            put("hcow.owner_write_pfn", same(pfn(a), h));
            put("hcow.child_read_after", childAccess(c, a, false));
            Mmap.doMunmap(k, t, VirtAddr.of(a), HUGE);
            a = mmap(0, HUGE, RW, PRIVATE | ANON | HUGETLB, -1, 0).ret();
            write(a, 1, 4);
            c = fork();
            put("hcow.child_write", childAccess(c, a, true));
            put("hcow.parent_value_after", Long.toString(value(a)));
            Mmap.doMunmap(k, t, VirtAddr.of(a), HUGE);
        }

        // probe_swap(): the swapfile is 16 MiB, made by mkswap
        void swap() {
            long z = page1(1, 1);
            pageout(z, PAGE);
            put("swap.no_swap_pageout_present", yes(present(z)));
            long tz = thpRange();
            write(tz, HUGE, 2);
            long tzh = pfn(tz);
            put("swap.thp_no_swap_before", thp(tz));
            pageout(tz, HUGE);
            put("swap.thp_no_swap_present", yes(present(tz + 100 * PAGE)));
            put("swap.thp_no_swap_pfn", same(pfn(tz + 100 * PAGE), tzh + 100));
            put("swap.thp_no_swap_folio", thp(tz + 100 * PAGE));
            Mmap.doMunmap(k, t, VirtAddr.of(tz), HUGE);
            int nf = (int) Memfd.memfdCreate(k, t, "noswap", 0, PAGE).ret();
            long ns = map(PAGE, RW, SHARED, nf);
            write(ns, 1, 3);
            Inode nin = (Inode) k.phys.mapping(pfn(ns));
            pageout(ns, PAGE);
            put("swap.shmem_no_swap_present", yes(present(ns)));
            put("swap.shmem_no_swap_cached", cached(nin, 0));
            put("swap.shmem_no_swap_value", Long.toString(value(ns)));
            Mmap.doMunmap(k, t, VirtAddr.of(ns), PAGE);
            Open.closeFd(k, t, nf);
            put("swap.swapon", Swapfile.sysSwapon(k, 16L << 20));
            put("swap.swapon_again", Swapfile.sysSwapon(k, 16L << 20));
            put("swap.size_kb", Long.toString(swapsKb(false)));

            long b = page1(2, 11);
            put("swap.pageout", pageout(b, 2 * PAGE));
            put("swap.pageout_present", yes(present(b)));
            put("swap.pageout_swapped", yes(swapped(b)));
            put("swap.pageout_used_kb", Long.toString(swapsKb(true)));
            put("swap.read_value", Long.toString(value(b)));
            put("swap.read_present", yes(present(b)));
            put("swap.read_swapped", yes(swapped(b)));
            put("swap.read_used_kb", Long.toString(swapsKb(true)));
            write(b + PAGE, 1, 12);
            put("swap.write_used_kb", Long.toString(swapsKb(true)));

            long t1 = thpRange();
            write(t1, HUGE, 3);
            put("swap.thp_before", thp(t1));
            long u0 = swapsKb(true);
            put("swap.thp_pageout", pageout(t1, HUGE));
            put("swap.thp_pageout_used_kb", Long.toString(swapsKb(true) - u0));
            put("swap.thp_pageout_swapped_pages", Long.toString(swappedPages(t1, HUGE / PAGE)));
            put("swap.thp_read_value", Long.toString(value(t1 + 77 * PAGE)));
            put("swap.thp_read_folio", thp(t1 + 77 * PAGE));
            Mmap.doMunmap(k, t, VirtAddr.of(t1), HUGE);
            long t2 = thpRange();
            write(t2, HUGE, 4);
            u0 = swapsKb(true);
            pageout(t2 + 4 * PAGE, 2 * PAGE);
            put("swap.thp_partial_used_kb", Long.toString(swapsKb(true) - u0));
            put("swap.thp_partial_swapped_pages", Long.toString(swappedPages(t2, HUGE / PAGE)));
            put("swap.thp_partial_rest_folio", thp(t2 + 6 * PAGE));
            Mmap.doMunmap(k, t, VirtAddr.of(t2), HUGE);
            long t3 = thpRange();
            write(t3, HUGE, 5);
            Mprotect.doMprotect(k, t, VirtAddr.of(t3), PAGE, R);
            Mprotect.doMprotect(k, t, VirtAddr.of(t3), PAGE, RW);
            put("swap.thp_ptemapped_folio", thp(t3 + 9 * PAGE));
            u0 = swapsKb(true);
            pageout(t3, HUGE);
            put("swap.thp_ptemapped_used_kb", Long.toString(swapsKb(true) - u0));
            Mmap.doMunmap(k, t, VirtAddr.of(t3), HUGE);
            long t4 = thpRange();
            write(t4, HUGE, 6);
            int tring = ring();
            put("swap.thp_pinned.register", ename(Register.ioUringRegister(k, t, RegisterArgs.buffers(tring, List.of(new Iovec(t4, HUGE))))));
            u0 = swapsKb(true);
            pageout(t4, HUGE);
            pageout(t4 + PAGE, PAGE);
            put("swap.thp_pinned_used_kb", Long.toString(swapsKb(true) - u0));
            put("swap.thp_pinned_folio", thp(t4));
            Register.ioUringRegister(k, t, RegisterArgs.unregister(tring));
            Mmap.doMunmap(k, t, VirtAddr.of(t4), HUGE);

            long p = page1(1, 5);
            int ring = ring();
            put("swap.pinned.register", ename(Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(p, PAGE))))));
            put("swap.pinned.pageout", pageout(p, PAGE));
            put("swap.pinned_present", yes(present(p)));
            Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));

            long c = page1(1, 21);
            pageout(c, PAGE);
            Task child = fork();
            put("swap.fork_child_read", yes(UserAccess.access(k, child, VirtAddr.of(c), 1, false, null).values().get(0) == 21));
            long first = pfn(child, c);
            put("swap.fork_parent_read_value", Long.toString(value(c)));
            put("swap.fork_swapin_pfn", same(pfn(c), first));
            write(c, 1, 23);
            put("swap.fork_parent_write_pfn", same(pfn(c), first));
            assertTrue(UserAccess.access(k, child, VirtAddr.of(c), 1, true, 22L).ok());
            long second = pfn(child, c);
            exit(child);
            put("swap.fork_child_write_pfn", same(second, first));

            long m = page1(1, 41);
            pageout(m, PAGE);
            long before = swapsKb(true);
            Mmap.doMunmap(k, t, VirtAddr.of(m), PAGE);
            put("swap.munmap_freed_kb", Long.toString(before - swapsKb(true)));

            int sf = (int) Memfd.memfdCreate(k, t, "swapped", 0, 2 * PAGE).ret();
            long sh = map(2 * PAGE, RW, SHARED, sf);
            write(sh, 1, 7);
            read(sh + PAGE);
            Inode sin = (Inode) k.phys.mapping(pfn(sh));
            long u = swapsKb(true);
            put("swap.shmem_pageout", pageout(sh, 2 * PAGE));
            put("swap.shmem_dirty_present", yes(present(sh)));
            put("swap.shmem_dirty_swapped", yes(swapped(sh)));
            put("swap.shmem_pageout_used_kb", Long.toString(swapsKb(true) - u));
            put("swap.shmem_clean_cached", cached(sin, 1));
            put("swap.shmem_read_value", Long.toString(value(sh)));
            put("swap.shmem_read_used_kb", Long.toString(swapsKb(true) - u));
            put("swap.shmem_clean_read_value", Long.toString(value(sh + PAGE)));
            int sr = ring();
            write(sh, 1, 8);
            put("swap.shmem_pinned_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(sr, List.of(new Iovec(sh, PAGE)))));
            u = swapsKb(true);
            put("swap.shmem_pinned_pageout", pageout(sh, PAGE));
            put("swap.shmem_pinned_present", yes(present(sh)));
            put("swap.shmem_pinned_cached", cached(sin, 0));
            put("swap.shmem_pinned_used_kb", Long.toString(swapsKb(true) - u));
            Register.ioUringRegister(k, t, RegisterArgs.unregister(sr));
            Open.closeFd(k, t, sr);
            read(sh);
            pageout(sh, PAGE);
            put("swap.shmem_again_used_kb", Long.toString(swapsKb(true) - u));
            Open.doSysFtruncate(k, t, sf, 0);
            put("swap.shmem_truncate_used_kb", Long.toString(swapsKb(true) - u));
            Mmap.doMunmap(k, t, VirtAddr.of(sh), 2 * PAGE);
            Open.doSysFtruncate(k, t, sf, PAGE);
            sh = map(PAGE, RW, SHARED, sf);
            write(sh, 1, 9);
            pageout(sh, PAGE);

            long o = page1(1, 31);
            pageout(o, PAGE);
            put("swap.swapoff", Swapfile.sysSwapoff(k));
            put("swap.swapoff_present", yes(present(o)));
            put("swap.swapoff_value", Long.toString(value(o)));
            put("swap.swapoff_shmem_cached", cached(sin, 0));
            put("swap.swapoff_shmem_value", Long.toString(value(sh)));
            put("swap.swapoff_again", Swapfile.sysSwapoff(k));
        }

        // probe_mremap()
        void mremap() {
            final int MAYMOVE = 1, MFIXED = 2, DONTUNMAP = 4;
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1), b = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            write(a, 4 * PAGE, 1);
            put("mremap.unaligned_addr", mremap(a + 1, PAGE, PAGE, MAYMOVE, 0));
            put("mremap.new_len_0", mremap(a, PAGE, 0, MAYMOVE, 0));
            put("mremap.bad_flags", mremap(a, PAGE, PAGE, 8, 0));
            put("mremap.fixed_without_maymove", mremap(a, PAGE, PAGE, MFIXED, b));
            put("mremap.dontunmap_resize", mremap(a, PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0));
            put("mremap.fixed_overlap", mremap(a, 2 * PAGE, 2 * PAGE, MAYMOVE | MFIXED, a + PAGE));
            put("mremap.fixed_unaligned_new", mremap(a, PAGE, PAGE, MAYMOVE | MFIXED, b + 1));
            put("mremap.old_len_0_private", mremap(a, 0, PAGE, MAYMOVE, 0));
            put0(Mmap.doMunmap(k, t, VirtAddr.of(b), 4 * PAGE));
            put("mremap.unmapped", mremap(b, PAGE, 2 * PAGE, MAYMOVE, 0));
            put("mremap.unmapped_fixed_unaligned_new", mremap(b, PAGE, PAGE, MAYMOVE | MFIXED, a + 1));
            long c = map(8 * PAGE, RW, PRIVATE | ANON, -1);
            put0(Mmap.doMunmap(k, t, VirtAddr.of(c + 2 * PAGE), PAGE));
            write(c, 2 * PAGE, 2);
            put("mremap.grow_blocked_no_maymove", mremap(c, 2 * PAGE, 4 * PAGE, 0, 0));
            put("mremap.grow_across_vma_end", mremap(c, 4 * PAGE, 8 * PAGE, MAYMOVE, 0));
            long p0 = pfn(c);
            long m = mremap(c, 2 * PAGE, 4 * PAGE, MAYMOVE, 0).ret();
            put("mremap.grow_moved_addr", same(m, c));
            put("mremap.grow_moved_pfn", same(pfn(m), p0));
            put("mremap.grow_moved_old_present", present(c) ? "yes" : "no");
            put("mremap.grow_moved_value", value(m + PAGE) == 2 ? "kept" : "lost");
            put("mremap.same_size_addr", same(mremap(c + 3 * PAGE, 5 * PAGE, 5 * PAGE, 0, 0).ret(), c + 3 * PAGE));
            long d = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            put0(Mmap.doMunmap(k, t, VirtAddr.of(d + PAGE), PAGE));
            write(d, 1, 3);
            SysResult e = mremap(d, PAGE, 2 * PAGE, 0, 0);
            put("mremap.grow_in_place", e.ok() ? same(e.ret(), d) : ename(e));
            long s = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            write(s, 4 * PAGE, 4);
            put("mremap.shrink_addr", same(mremap(s, 4 * PAGE, 2 * PAGE, 0, 0).ret(), s));
            put("mremap.shrink_tail_present", present(s + 3 * PAGE) ? "yes" : "no");
            long f = map(4 * PAGE, RW, PRIVATE | ANON, -1), to = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            write(f, 4 * PAGE, 5);
            long f1 = pfn(f + PAGE);
            int ring = ring();
            put("mremap.pin_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(f, 2 * PAGE)))));
            put("mremap.fixed_move", mremap(f, 4 * PAGE, 4 * PAGE, MAYMOVE | MFIXED, to));
            put("mremap.fixed_move_pinned_pfn", same(pfn(to + PAGE), f1));
            put("mremap.fixed_move_old_present", present(f + PAGE) ? "yes" : "no");
            Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));
            long u = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            write(u, 2 * PAGE, 6);
            long u0 = pfn(u);
            SysResult u2 = mremap(u, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0);
            put("mremap.dontunmap_anon", u2);
            put("mremap.dontunmap_new_pfn", same(pfn(u2.ret()), u0));
            put("mremap.dontunmap_old_present", present(u) ? "yes" : "no");
            put("mremap.dontunmap_old_reads", value(u) == 0 ? "zero" : "data");
            long sh = map(2 * PAGE, RW, SHARED | ANON, -1);
            write(sh, 1, 7);
            SysResult sh2 = mremap(sh, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0);
            put("mremap.dontunmap_shared", sh2);
            put("mremap.dontunmap_shared_old_reads", sh2.ok() && value(sh) == 7 ? "data" : "zero");
            long two = map(4 * PAGE, RW, PRIVATE | ANON, -1), dst = map(8 * PAGE, RW, PRIVATE | ANON, -1);
            put0(Mprotect.doMprotect(k, t, VirtAddr.of(two + 2 * PAGE), 2 * PAGE, R));
            put("mremap.fixed_move_two_vmas", mremap(two, 4 * PAGE, 4 * PAGE, MAYMOVE | MFIXED, dst));
            put("mremap.resize_two_vmas", mremap(dst, 4 * PAGE, 8 * PAGE, MAYMOVE, 0));
            long th = thpRange(), tt = thpRange();
            write(th, HUGE, 8);
            long head = pfn(th);
            long tm = mremap(th, HUGE, HUGE, MAYMOVE | MFIXED, tt).ret();
            put("mremap.thp_whole_pfn", same(pfn(tm), head));
            put("mremap.thp_whole_still_thp", thp(tm));
            long h = thpRange(), hh = thpRange();
            write(h, HUGE, 9);
            head = pfn(h);
            long hm = mremap(h + HUGE / 2, HUGE / 2, HUGE / 2, MAYMOVE | MFIXED, hh).ret();
            put("mremap.thp_half_moved_pfn", pfn(hm) == head + 256 ? "head+256" : "other");
            put("mremap.thp_half_moved_folio", thp(hm));
            put("mremap.thp_half_left_pfn", same(pfn(h), head));
            put("mremap.thp_half_left_tail_present", present(h + HUGE / 2) ? "yes" : "no");
            nrHugepages(4);
            long hp = map(2 * HUGE, RW, PRIVATE | ANON | HUGETLB, -1);
            write(hp, 1, 1);
            long hhead = pfn(hp);
            put("mremap.hugetlb_grow", mremap(hp, HUGE, 3 * HUGE, MAYMOVE, 0));
            put("mremap.hugetlb_unaligned_new", mremap(hp, HUGE, HUGE, MAYMOVE | MFIXED, tt + PAGE));
            long hd = (map(4 * HUGE, 0, PRIVATE | ANON, -1) + HUGE - 1) & ~(HUGE - 1);
            SysResult hpm = mremap(hp, HUGE, HUGE, MAYMOVE | MFIXED, hd);
            put("mremap.hugetlb_move", hpm);
            put("mremap.hugetlb_move_pfn", hpm.ok() ? same(pfn(hpm.ret()), hhead) : "failed");
            Mmap.doMunmap(k, t, VirtAddr.of(hd), HUGE);
            Mmap.doMunmap(k, t, VirtAddr.of(hp), 2 * HUGE);
            nrHugepages(0);
        }

        /** small_range(): 512 small pages in a 2 MiB-aligned VMA that ends up VM_HUGEPAGE. */
        long smallRange() {
            long a = thpRange();
            Madvise.doMadvise(k, t, VirtAddr.of(a), HUGE, MADV_NOHUGEPAGE);
            write(a, HUGE, 1);
            Madvise.doMadvise(k, t, VirtAddr.of(a), HUGE, 0);
            Madvise.doMadvise(k, t, VirtAddr.of(a), HUGE, MADV_HUGEPAGE);
            return a;
        }

        SysResult collapse(long addr, long len) { return Madvise.doMadvise(k, t, VirtAddr.of(addr), len, MADV_COLLAPSE); }

        /** memfd_written(): a memfd of size bytes, MAP_SHARED at a 2 MiB-aligned address, its first written bytes written. */
        long memfdWritten(String name, long size, long written) {
            int fd = (int) Memfd.memfdCreate(k, t, name, 0, size).ret();
            long m = sharedAt(fd, 0);
            if (written > 0) write(m, written, 1);
            return m;
        }

        long sharedAt(int fd, long off) {
            SysResult r = mmap(thpRange(), HUGE, RW, SHARED | FIXED, fd, off);
            assertNull(r.errno(), r.toString());
            return r.ret();
        }

        /**
         * /proc/PID/smaps of the VMA holding addr: "ShmemPmdMapped" counts the PMDs that map a
         * swap-backed page-cache folio (smaps_pmd_entry(): folio_test_swapbacked() -> shmem_thp),
         * "Rss" every mapped page (pinlab's maps view), both in kB.
         */
        long smapsKb(long addr, String key) {
            io.pinlab.kernel.mm.Vma v = t.mm.vmaLookup(addr);
            if (key.equals("Rss")) return Views.maps(k, t).stream().filter(e -> e.start() == v.start).findFirst().orElseThrow().rss() >> 10;
            long[] n = {0};
            t.mm.pmds.forEach(v.start >>> 21, ((v.end - 1) >>> 21) + 1, (key2, pmd) -> {
                long head = pmd >>> 12;
                if (k.phys.testPageFlag(head, PhysMem.PG_SWAPBACKED) && !k.phys.testPageFlag(head, PhysMem.PG_ANON)) n[0] += HUGE >> 10;
            });
            return n[0];
        }

        void putKb(String c, long addr, String key) { put(c, Long.toString(smapsKb(addr, key))); }

        // probe_collapse_pageout(): MADV_PAGEOUT of a PMD-mapped shmem THP, without and with a swap area
        void collapsePageout() {
            for (boolean swap : new boolean[] {false, true}) {
                String c = swap ? "collapse.shmem_pageout_" : "collapse.shmem_pageout_no_swap_";
                if (swap) put0(Swapfile.sysSwapon(k, 16L << 20));
                long m = memfdWritten("collapse-pageout", HUGE, HUGE);
                write(m + 7 * PAGE, 1, 7);
                put(c + "collapse", collapse(m, HUGE));
                Madvise.doMadvise(k, t, VirtAddr.of(m), HUGE, MADV_PAGEOUT);
                putKb(c + "pmd_kb", m, "ShmemPmdMapped");
                if (swap) put(c + "used_kb", Long.toString(swapsKb(true)));
                put(c + "present", present(m + (swap ? 300 : 7) * PAGE) ? "yes" : "no");
                put(c + "value", value(m + 7 * PAGE) == 7 ? "kept" : "lost");
                put(c + (swap ? "read_folio" : "folio"), thp(m + 7 * PAGE));
                Mmap.doMunmap(k, t, VirtAddr.of(m), HUGE);
                if (swap) put(c + "swapoff", Swapfile.sysSwapoff(k));
            }
        }

        // probe_collapse_file(): collapse_file() and the paths that meet its order-9 folio afterwards
        void collapseFile() {
            int mf = (int) Memfd.memfdCreate(k, t, "collapse", 0, HUGE).ret();
            long m = sharedAt(mf, 0);
            write(m, HUGE, 1);
            write(m + 5 * PAGE, 1, 42);
            long before = pfn(m);
            put("collapse.shmem_written", collapse(m, HUGE));
            putKb("collapse.shmem_written_pmd_kb", m, "ShmemPmdMapped");
            put("collapse.shmem_written_pfn", same(pfn(m), before));
            put("collapse.shmem_written_contiguous", pfn(m + 511 * PAGE) == pfn(m) + 511 ? "yes" : "no");
            put("collapse.shmem_written_aligned", pfn(m) % 512 == 0 ? "yes" : "no");
            put("collapse.shmem_written_folio", thp(m + 300 * PAGE));
            put("collapse.shmem_written_value", value(m + 5 * PAGE) == 42 ? "kept" : "lost");
            put("collapse.shmem_written_again", collapse(m, HUGE));
            write(m + 9 * PAGE, 1, 7);
            putKb("collapse.shmem_written_after_write_kb", m, "ShmemPmdMapped");
            long head = pfn(m);
            int ring = ring();
            put("collapse.shmem_thp_pin_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(m, HUGE)))));
            put("collapse.shmem_thp_pinned_folio", thp(m + 100 * PAGE));
            Mmap.doMunmap(k, t, VirtAddr.of(m), HUGE);
            m = mmap(thpRange(), HUGE, R, SHARED | FIXED, mf, 0).ret();
            put("collapse.shmem_remap_value", value(m + 5 * PAGE) == 42 ? "kept" : "lost");
            putKb("collapse.shmem_remap_pmd_kb", m, "ShmemPmdMapped");
            put("collapse.shmem_remap_pfn", same(pfn(m), head));
            put("collapse.shmem_punch_pinned", Falloc.fallocate(k, t, mf, PUNCH_HOLE | KEEP_SIZE, 100 * PAGE, 100 * PAGE));
            putKb("collapse.shmem_punch_pinned_pmd_kb", m, "ShmemPmdMapped");
            put("collapse.shmem_punch_pinned_value", value(m + 150 * PAGE) == 0 && value(m + 5 * PAGE) == 42 ? "zeroed" : "other");
            put("collapse.shmem_punch_pinned_folio", thp(m + 150 * PAGE));
            put("collapse.shmem_punch_pinned_pfn", pfn(m + 150 * PAGE) == head + 150 ? "head+150" : "other");
            Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));
            long pv = mmap(thpRange(), HUGE, RW, PRIVATE | FIXED, mf, 0).ret();
            read(pv + 6 * PAGE);
            putKb("collapse.shmem_private_read_pmd_kb", pv, "ShmemPmdMapped");
            write(pv + 5 * PAGE, 1, 99);
            putKb("collapse.shmem_private_write_pmd_kb", pv, "ShmemPmdMapped");
            put("collapse.shmem_private_write_pfn", pfn(pv + 5 * PAGE) == head + 5 ? "file" : "copy");
            put("collapse.shmem_private_write_file_value", value(m + 5 * PAGE) == 42 ? "kept" : "lost");
            putKb("collapse.shmem_private_write_rss_kb", pv, "Rss");
            Mmap.doMunmap(k, t, VirtAddr.of(pv), HUGE);
            long nh = sharedAt(mf, 0);
            Madvise.doMadvise(k, t, VirtAddr.of(nh), HUGE, MADV_NOHUGEPAGE);
            write(nh + 3 * PAGE, 1, 1);
            putKb("collapse.shmem_nohugepage_map_pmd_kb", nh, "ShmemPmdMapped");
            putKb("collapse.shmem_nohugepage_map_rss_kb", nh, "Rss");
            put("collapse.shmem_nohugepage_map_pfn", pfn(nh + 500 * PAGE) == head + 500 ? "head+500" : "other");
            Mmap.doMunmap(k, t, VirtAddr.of(nh), HUGE);
            Mmap.doMunmap(k, t, VirtAddr.of(m), HUGE);
            put("collapse.shmem_truncate_all", Open.doSysFtruncate(k, t, mf, 0));
            Open.closeFd(k, t, mf);
            long p = memfdWritten("collapse-pin", HUGE, HUGE);
            before = pfn(p + 3 * PAGE);
            ring = ring();
            put("collapse.shmem_pin_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(p + 3 * PAGE, PAGE)))));
            put("collapse.shmem_pinned", collapse(p, HUGE));
            put("collapse.shmem_pinned_pfn", same(pfn(p + 3 * PAGE), before));
            put("collapse.shmem_pinned_folio", thp(p + 3 * PAGE));
            Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));
            put("collapse.shmem_after_unpin", collapse(p, HUGE));
            putKb("collapse.shmem_after_unpin_pmd_kb", p, "ShmemPmdMapped");
            long h = memfdWritten("collapse-half", HUGE, HUGE / 2);
            put("collapse.shmem_half_written", collapse(h, HUGE));
            putKb("collapse.shmem_half_written_pmd_kb", h, "ShmemPmdMapped");
            put("collapse.shmem_half_written_hole", value(h + HUGE - PAGE) == 0 ? "zero" : "other");
            put("collapse.shmem_short_file", collapse(memfdWritten("collapse-short", HUGE / 2, HUGE / 2), HUGE));
            long sa = mmap(thpRange(), HUGE, RW, SHARED | ANON | FIXED, -1, 0).ret();
            write(sa, HUGE, 1);
            put("collapse.shmem_anon_shared", collapse(sa, HUGE));
            putKb("collapse.shmem_anon_shared_pmd_kb", sa, "ShmemPmdMapped");
            put("collapse.shmem_untouched", collapse(memfdWritten("collapse-untouched", HUGE, 0), HUGE));
            long no = memfdWritten("collapse-no", HUGE, HUGE);
            Madvise.doMadvise(k, t, VirtAddr.of(no), HUGE, MADV_NOHUGEPAGE);
            put("collapse.shmem_nohugepage", collapse(no, HUGE));
            put("collapse.shmem_nohugepage_folio", thp(no));
            int of = (int) Memfd.memfdCreate(k, t, "collapse-pgoff", 0, 2 * HUGE).ret();
            long o = sharedAt(of, PAGE);
            write(o, HUGE, 1);
            put("collapse.shmem_pgoff_unaligned", collapse(o, HUGE));
            int tf = (int) Memfd.memfdCreate(k, t, "collapse-tiny", 0, HUGE).ret();
            long tiny = map(18 * PAGE, 0, PRIVATE | ANON, -1) + PAGE;
            put0(mmap(tiny, 16 * PAGE, RW, SHARED | FIXED, tf, 0));
            write(tiny, 16 * PAGE, 1);
            put("collapse.shmem_small_vma", collapse(tiny, 16 * PAGE));
            int ff = file("collapse-ro", HUGE, O_RDONLY);
            SysResult fm = mmap(thpRange(), HUGE, R | 4, PRIVATE | FIXED, ff, 0); // PROT_READ | PROT_EXEC
            assertNull(fm.errno(), fm.toString());
            read(fm.ret());
            put("collapse.file_readonly", collapse(fm.ret(), HUGE));
            put("collapse.file_readonly_folio", thp(fm.ret()));
        }

        // probe_collapse()
        void collapse() {
            long a = smallRange();
            long p = pfn(a + PAGE);
            write(a + PAGE, 1, 42);
            put("collapse.small_before", thp(a));
            put("collapse.small", collapse(a, HUGE));
            put("collapse.small_after", thp(a));
            put("collapse.small_pfn", same(pfn(a + PAGE), p));
            put("collapse.small_value", value(a + PAGE) == 42 ? "kept" : "lost");
            put("collapse.already_thp", collapse(a, HUGE));
            long b = smallRange();
            p = pfn(b + 3 * PAGE);
            int ring = ring();
            put("collapse.pin_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(b + 3 * PAGE, PAGE)))));
            put("collapse.pinned", collapse(b, HUGE));
            put("collapse.pinned_pfn", same(pfn(b + 3 * PAGE), p));
            put("collapse.pinned_folio", thp(b));
            Register.ioUringRegister(k, t, RegisterArgs.unregister(ring));
            put("collapse.after_unpin", collapse(b, HUGE));
            long c = smallRange();
            Task child = fork();
            put("collapse.shared_with_child", collapse(c, HUGE));
            put("collapse.shared_with_child_folio", thp(c));
            exit(child);
            long n = thpRange();
            put("collapse.untouched", collapse(n, HUGE));
            long s = smallRange();
            put("collapse.subrange", collapse(s + PAGE, PAGE));
            put("collapse.subrange_folio", thp(s));
            long hf = thpRange();
            Madvise.doMadvise(k, t, VirtAddr.of(hf), HUGE, MADV_NOHUGEPAGE);
            write(hf, HUGE / 2, 1);
            Madvise.doMadvise(k, t, VirtAddr.of(hf), HUGE, MADV_HUGEPAGE);
            put("collapse.half_populated", collapse(hf, HUGE));
            put("collapse.half_populated_folio", thp(hf + HUGE - PAGE));
            long no = smallRange();
            Madvise.doMadvise(k, t, VirtAddr.of(no), HUGE, MADV_NOHUGEPAGE);
            put("collapse.nohugepage", collapse(no, HUGE));
            long tiny = map(18 * PAGE, 0, PRIVATE | ANON, -1) + PAGE;
            put0(mmap(tiny, 16 * PAGE, RW, PRIVATE | ANON | FIXED, -1, 0));
            write(tiny, 16 * PAGE, 1);
            put("collapse.small_vma", collapse(tiny, 16 * PAGE));
            nrHugepages(4);
            long hp = map(HUGE, RW, PRIVATE | ANON | HUGETLB, -1);
            write(hp, 1, 1);
            put("collapse.hugetlb", collapse(hp, HUGE));
            Mmap.doMunmap(k, t, VirtAddr.of(hp), HUGE);
            nrHugepages(0);
        }

        // probe_file_mmap()
        void fileMmap() {
            int ro = file("ro", 4 * PAGE, O_RDONLY);
            put("mmap." + fs + "_shared_write_rdonly_fd", mmap(0, PAGE, RW, SHARED, ro, 0));
            put("mmap." + fs + "_private_write_rdonly_fd", mmap(0, PAGE, RW, PRIVATE, ro, 0));
            put("mmap." + fs + "_unaligned_offset", mmap(0, PAGE, R, PRIVATE, ro, 100));
        }

        // probe_file_register()
        void fileRegister() {
            int ring = ring();
            int fd = file("rw", 4 * PAGE, O_RDWR);
            put("uring.reg." + fs + "_shared", register(ring, map(2 * PAGE, RW, SHARED, fd), 2 * PAGE));
            put("uring.reg." + fs + "_private", register(ring, map(2 * PAGE, RW, PRIVATE, fd), 2 * PAGE));
            put("uring.reg." + fs + "_shared_readonly", register(ring, map(2 * PAGE, R, SHARED, fd), 2 * PAGE));
        }

        /** A byte count or the errno name, as probes.c nb() prints it. */
        static String nb(SysResult r) { return r.errno() == null ? Long.toString(r.ret()) : r.errno().name(); }

        // probe_file_direct()
        void fileDirect() {
            file("dio", 16 * PAGE, O_RDWR);
            int dfd = (int) Open.doSysOpen(k, t, "/mnt/" + fs + "/dio", O_RDWR | O_DIRECT, null).ret();
            int mfd = file("shared", 4 * PAGE, O_RDWR);
            long m = map(2 * PAGE, RW, SHARED, mfd);
            write(m, 2 * PAGE, 5);
            put("odirect." + fs + "_pwrite_from_shared", nb(DirectIo.rw(k, t, dfd, m, 2 * PAGE, 0, true)));
            put("odirect." + fs + "_pread_into_shared", nb(DirectIo.rw(k, t, dfd, m, 2 * PAGE, 4 * PAGE, false)));
            put("odirect." + fs + "_pread_misaligned_buffer", nb(DirectIo.rw(k, t, dfd, m + 1, PAGE, 0, false)));
            long ro = map(PAGE, R, PRIVATE | ANON, -1);
            put("odirect." + fs + "_pread_into_readonly", nb(DirectIo.rw(k, t, dfd, ro, PAGE, 0, false)));
        }

        // probe_file_dio_fallback()
        void fileDioFallback() {
            file("sdio", 4 * PAGE, O_RDWR);
            int dfd = (int) Open.doSysOpen(k, t, "/mnt/" + fs + "/sdio", O_RDWR | O_DIRECT, null).ret();
            long b = map(PAGE, RW, SHARED, (int) Secretmem.memfdSecret(k, t, PAGE).ret());
            write(b, PAGE, 6);
            put("odirect." + fs + "_pwrite_from_secretmem", nb(DirectIo.rw(k, t, dfd, b, PAGE, 0, true)));
            long a = map(PAGE, RW, PRIVATE | ANON, -1);
            write(a, PAGE, 4);
            put("odirect." + fs + "_pwrite_aligned", nb(DirectIo.rw(k, t, dfd, a, PAGE, 0, true)));
            put("odirect." + fs + "_pread_misaligned_offset", nb(DirectIo.rw(k, t, dfd, a, PAGE, 100, false)));
        }

        SysResult falloc(int fd, int mode, long off, long len) { return Falloc.fallocate(k, t, fd, mode, off, len); }

        // probe_file_falloc()
        void fileFalloc() {
            int fd = file("falloc", PAGE, O_RDWR);
            Inode in = k.inodes.get("/mnt/" + fs + "/falloc");
            put("falloc." + fs + "_punch_no_keep", falloc(fd, PUNCH_HOLE, 0, PAGE));
            put("falloc." + fs + "_collapse_keep", falloc(fd, COLLAPSE_RANGE | KEEP_SIZE, 0, PAGE));
            put("falloc." + fs + "_len0", falloc(fd, 0, 0, 0));
            put("falloc." + fs + "_wrap", falloc(fd, KEEP_SIZE, Long.MAX_VALUE, 1));
            put("falloc." + fs + "_keep_size", falloc(fd, KEEP_SIZE, 0, 8 * PAGE));
            put("falloc." + fs + "_keep_size_size", in.size == PAGE ? "kept" : "changed");
            put("falloc." + fs + "_prealloc", falloc(fd, 0, 4 * PAGE, 4 * PAGE));
            put("falloc." + fs + "_prealloc_size", in.size == 8 * PAGE ? "extended" : "other");
            put("falloc." + fs + "_zero_range_keep", falloc(fd, ZERO_RANGE | KEEP_SIZE, 0, PAGE));
            int ro = (int) Open.doSysOpen(k, t, "/mnt/" + fs + "/falloc", O_RDONLY, null).ret();
            put("falloc." + fs + "_rdonly_fd", falloc(ro, 0, 0, PAGE));
            long m = map(2 * PAGE, RW, SHARED, fd);
            write(m, 2 * PAGE, 5);
            put("falloc." + fs + "_punch_mapped", falloc(fd, PUNCH_HOLE | KEEP_SIZE, 0, PAGE));
            put("falloc." + fs + "_punch_mapped_pte", pfn(m) != 0 ? "present" : "absent");
            put("falloc." + fs + "_punch_mapped_reads", value(m) == 0 ? "zero" : "old");
            put("falloc." + fs + "_punch_mapped_next", value(m + PAGE) == 5 ? "kept" : "lost");
        }

        // probe_file_falloc_shift()
        void fileFallocShift() {
            int fd = file("shift", 8 * PAGE, O_RDWR);
            Inode in = k.inodes.get("/mnt/" + fs + "/shift");
            long m = map(8 * PAGE, RW, SHARED, fd);
            for (int i = 0; i < 8; i++) write(m + i * PAGE, PAGE, i + 1); // probes.c: pwrite() (not simulated), then a read of each page
            long p = map(8 * PAGE, RW, PRIVATE, fd);
            write(p + 3 * PAGE, 1, 99);
            String f = "falloc." + fs;
            put(f + "_collapse_unaligned", falloc(fd, COLLAPSE_RANGE, 100, PAGE));
            put(f + "_collapse_to_eof", falloc(fd, COLLAPSE_RANGE, 4 * PAGE, 4 * PAGE));
            put(f + "_collapse_einval_pte", present(m + 5 * PAGE) ? "present" : "absent");
            put(f + "_insert_unaligned", falloc(fd, INSERT_RANGE, PAGE, 100));
            put(f + "_insert_at_eof", falloc(fd, INSERT_RANGE, 8 * PAGE, PAGE));
            Pipe.PipeFds pp = Pipe.pipe2(k, t, 0);
            Pipe.vmsplice(k, t, pp.writeFd(), List.of(new Iovec(m + 2 * PAGE, PAGE)), 0);
            put(f + "_collapse", falloc(fd, COLLAPSE_RANGE, PAGE, PAGE));
            put(f + "_collapse_size", in.size == 7 * PAGE ? "shrunk" : "other");
            put(f + "_collapse_first_pte", present(m) ? "present" : "absent");
            put(f + "_collapse_offset_pte", present(m + PAGE) ? "present" : "absent");
            long v = value(m + PAGE);
            put(f + "_collapse_reads", v == 3 ? "moved" : v == 2 ? "old" : "other");
            put(f + "_collapse_last_reads", value(m + 6 * PAGE) == 8 ? "moved" : "other");
            v = value(p + 3 * PAGE);
            put(f + "_collapse_private_cow", v == 99 ? "kept" : v == 5 ? "zapped" : "other");
            long b = map(PAGE, RW, PRIVATE | ANON, -1);
            put(f + "_collapse_pipe_read", nb(Pipe.read(k, t, pp.readFd(), b, PAGE)));
            put(f + "_collapse_pipe_data", value(b) == 3 ? "old" : "other");
            put(f + "_insert", falloc(fd, INSERT_RANGE, 2 * PAGE, PAGE));
            put(f + "_insert_size", in.size == 8 * PAGE ? "grown" : "other");
            put(f + "_insert_hole_reads", value(m + 2 * PAGE) == 0 ? "zero" : "other");
            put(f + "_insert_next_reads", value(m + 3 * PAGE) == 4 ? "moved" : "other");
            put(f + "_unshare", falloc(fd, UNSHARE_RANGE, 6 * PAGE, 4 * PAGE));
            put(f + "_unshare_size", in.size == 10 * PAGE ? "extended" : in.size == 8 * PAGE ? "kept" : "other");
            put(f + "_write_zeroes", falloc(fd, WRITE_ZEROES, 0, PAGE));
            put(f + "_write_zeroes_keep", falloc(fd, WRITE_ZEROES | KEEP_SIZE, 0, PAGE));
        }

        /** mincore() of a page of a file mapping: mincore_page() (mm/mincore.c) finds it in the page cache. */
        String cached(Inode in, long index) { return yes(in.pageCache.get(index) > 0); } // a shmem swap entry is not in core

        // probe_file_pageout()
        void filePageout() {
            int fd = file("pageout", 4 * PAGE, O_RDWR);
            Inode in = k.inodes.get("/mnt/" + fs + "/pageout");
            long h = mmap(0, PAGE, RW, SHARED, fd, 0).ret();
            read(h);
            put("pageout." + fs + "_hole", pageout(h, PAGE));
            put("pageout." + fs + "_hole_present", yes(present(h)));
            put("pageout." + fs + "_hole_cached", cached(in, 0));
            put("pageout." + fs + "_hole_reads", value(h) == 0 ? "zero" : "other");
            put("pageout." + fs + "_hole_cached_after_read", cached(in, 0));
            int dfd = (int) Open.doSysOpen(k, t, "/mnt/" + fs + "/pageout", O_RDWR | O_DIRECT, null).ret();
            long buf = map(PAGE, RW, PRIVATE | ANON, -1);
            write(buf, PAGE, 4);
            put("pageout." + fs + "_direct_write", nb(DirectIo.rw(k, t, dfd, buf, PAGE, PAGE, true)));
            long d = mmap(0, PAGE, RW, SHARED, fd, PAGE).ret();
            read(d);
            put("pageout." + fs + "_clean", pageout(d, PAGE));
            put("pageout." + fs + "_clean_present", yes(present(d)));
            put("pageout." + fs + "_clean_cached", cached(in, 1));
            put("pageout." + fs + "_clean_reads", value(d) == 4 ? "kept" : "lost");
            long w = mmap(0, PAGE, RW, SHARED, fd, 2 * PAGE).ret();
            write(w, 1, 9);
            long wp = pfn(w);
            put("pageout." + fs + "_dirty", pageout(w, PAGE));
            put("pageout." + fs + "_dirty_present", yes(present(w)));
            put("pageout." + fs + "_dirty_cached", cached(in, 2));
            put("pageout." + fs + "_dirty_reads", value(w) == 9 ? "kept" : "lost");
            put("pageout." + fs + "_dirty_pfn", same(pfn(w), wp));
            long s = mmap(0, PAGE, RW, SHARED, fd, 3 * PAGE).ret();
            read(s);
            Pipe.PipeFds p = Pipe.pipe2(k, t, 0);
            put("pageout." + fs + "_vmsplice", nb(Pipe.vmsplice(k, t, p.writeFd(), List.of(new Iovec(s, PAGE)), 0)));
            put("pageout." + fs + "_spliced", pageout(s, PAGE));
            put("pageout." + fs + "_spliced_present", yes(present(s)));
            put("pageout." + fs + "_spliced_cached", cached(in, 3));
            long h2 = mmap(0, PAGE, RW, SHARED, fd, 0).ret();
            read(h2);
            put("pageout." + fs + "_twice", pageout(h, PAGE));
            put("pageout." + fs + "_twice_present", yes(present(h)));
            put("pageout." + fs + "_twice_cached", cached(in, 0));
        }

        // probe_falloc_pinned()
        void fallocPinned() {
            int ring = ring();
            int mfd = (int) Memfd.memfdCreate(k, t, "pin", 0, 2 * PAGE).ret();
            long m = map(2 * PAGE, RW, SHARED, mfd);
            write(m, 2 * PAGE, 7);
            long before = pfn(m);
            put("falloc.shmem_pinned_register", Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(m, PAGE)))));
            put("falloc.shmem_pinned_punch", falloc(mfd, PUNCH_HOLE | KEEP_SIZE, 0, PAGE));
            put("falloc.shmem_pinned_pte", pfn(m) != 0 ? "present" : "absent");
            put("falloc.shmem_pinned_reads", value(m) == 0 ? "zero" : "old");
            put("falloc.shmem_pinned_pfn", same(pfn(m), before));
            int f = file("pinned_out", PAGE, O_RDWR);
            put("falloc.shmem_pinned_write_fixed", res(cqe(ring, Sqe.writeFixed(f, m, PAGE, 0, 0, 1))));
            long v = k.phys.value(k.inodes.get("/mnt/" + fs + "/pinned_out").pageCache.get(0));
            put("falloc.shmem_pinned_buffer_data", v == 7 ? "old" : v == 0 ? "zero" : "other");
        }

        // probe_vmsplice()
        void vmsplice() {
            Pipe.PipeFds p = Pipe.pipe2(k, t, O_NONBLOCK);
            int rfd = p.readFd(), wfd = p.writeFd();
            long a = map(20 * PAGE, RW, PRIVATE | ANON, -1), o = map(16 * PAGE, RW, PRIVATE | ANON, -1);
            write(a, 20 * PAGE, 5);
            List<Iovec> one = List.of(new Iovec(a, PAGE)), twenty = List.of(new Iovec(a, 20 * PAGE));
            put("vmsplice.page", nb(Pipe.vmsplice(k, t, wfd, one, 0)));
            write(a, PAGE, 9);
            put("vmsplice.read", nb(Pipe.read(k, t, rfd, o, PAGE)));
            put("vmsplice.read_after_write", value(o) == 9 ? "new" : value(o) == 5 ? "old" : "other");
            write(a, PAGE, 5);
            Task c = fork();
            Pipe.vmsplice(k, c, wfd, one, 0);
            exit(c);
            long before = pfn(a);
            write(a, PAGE, 9);
            put("vmsplice.cow_parent_pfn", same(pfn(a), before));
            put("vmsplice.cow_read", nb(Pipe.read(k, t, rfd, o, PAGE)));
            put("vmsplice.cow_data", value(o) == 5 ? "old" : value(o) == 9 ? "new" : "other");
            put("vmsplice.fill", nb(Pipe.vmsplice(k, t, wfd, twenty, SPLICE_F_NONBLOCK)));
            put("vmsplice.full", nb(Pipe.vmsplice(k, t, wfd, twenty, SPLICE_F_NONBLOCK)));
            put("vmsplice.bad_flags", nb(Pipe.vmsplice(k, t, wfd, twenty, 0x10)));
            int f = file("vms", PAGE, O_RDWR);
            put("vmsplice.regular_file", nb(Pipe.vmsplice(k, t, f, twenty, 0)));
            put("falloc.pipe", falloc(wfd, 0, 0, PAGE));
            put("pipe.drain", nb(Pipe.read(k, t, rfd, o, 16 * PAGE)));
            put("pipe.read_write_end", nb(Pipe.read(k, t, wfd, o, PAGE)));
            put("pipe.read_empty_nonblock", nb(Pipe.read(k, t, rfd, o, PAGE)));
            Open.closeFd(k, t, rfd);
            put("vmsplice.no_reader", nb(Pipe.vmsplice(k, t, wfd, one, 0)));
            Open.closeFd(k, t, wfd);
            Pipe.PipeFds q = Pipe.pipe2(k, t, 0);
            write(a, PAGE, 3);
            put("vmsplice.gift", nb(Pipe.vmsplice(k, t, q.writeFd(), one, SPLICE_F_GIFT)));
            Open.closeFd(k, t, q.writeFd());
            put("vmsplice.gift_read", nb(Pipe.read(k, t, q.readFd(), o, PAGE)));
            put("vmsplice.gift_data", value(o) == 3 ? "same" : "other");
            put("pipe.read_eof", nb(Pipe.read(k, t, q.readFd(), o, PAGE)));
        }

        // probe_remote()
        void remote() {
            int mfd = file("remote", 4 * PAGE, O_RDWR);
            long shared = map(2 * PAGE, RW, SHARED, mfd);
            write(shared, 2 * PAGE, 6);
            long rop = map(PAGE, R, PRIVATE | ANON, -1);
            read(rop);
            long hole = map(PAGE, RW, PRIVATE | ANON, -1);
            Mmap.doMunmap(k, t, VirtAddr.of(hole), PAGE);
            Task c = fork();
            long buf = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            List<Iovec> l = List.of(new Iovec(buf, 2 * PAGE));
            put("process_vm_readv." + fs + "_shared", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(shared, 2 * PAGE)), 0, false)));
            put("process_vm_writev." + fs + "_shared", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(shared, 2 * PAGE)), 0, true)));
            put("process_vm_readv.unmapped_remote", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(hole, PAGE)), 0, false)));
            put("process_vm_writev.readonly_remote", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(rop, PAGE)), 0, true)));
            put("process_vm_readv.flags", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(shared, 2 * PAGE)), 1, false)));
            exit(c);
            put("process_vm_readv.exited", nb(ProcessVm.processVmRw(k, t, c.pid, l, List.of(new Iovec(shared, 2 * PAGE)), 0, false)));
            long before = pfn(rop);
            put("procmem.write_readonly_private", nb(ProcessVm.memRw(k, t, t.pid, VirtAddr.of(rop), 1, true, 9L).result()));
            put("procmem.write_readonly_private_pfn", same(pfn(rop), before));
            long ros = map(PAGE, R, SHARED, mfd);
            put("procmem.write_readonly_shared", nb(ProcessVm.memRw(k, t, t.pid, VirtAddr.of(ros), 1, true, 9L).result()));
            put("procmem.read_unmapped", nb(ProcessVm.memRw(k, t, t.pid, VirtAddr.of(0x1000), 1, false, null).result()));
        }

        /** A CQE res as probes.c res_out() prints it. */
        static String res(int r) { return r < 0 ? Errno.fromRet(r).name() : Integer.toString(r); }

        int cqe(int ring, Sqe sqe) {
            List<Cqe> c = IoUring.enter(k, t, ring, List.of(sqe)).cqes();
            assertEquals(1, c.size());
            return c.get(0).res();
        }

        // probe_uring_ops()
        void uringOps() {
            int src = ring(), dst = ring();
            put("uring.register_opcode_36", Register.ioUringRegister(k, t, RegisterArgs.number(src, 36)));
            put("uring.register_opcode_999", Register.ioUringRegister(k, t, RegisterArgs.number(src, 999)));
            put("uring.register_opcode_999_bad_fd", Register.ioUringRegister(k, t, RegisterArgs.number(12345, 999)));
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            Register.ioUringRegister(k, t, RegisterArgs.buffers(src, List.of(new Iovec(a, 4 * PAGE))));
            put("uring.clone_buffers", Register.ioUringRegister(k, t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
            put("uring.clone_buffers_again", Register.ioUringRegister(k, t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
            put("uring.clone_buffers_replace", Register.ioUringRegister(k, t,
                    RegisterArgs.cloneBuffers(dst, src, io.pinlab.kernel.iouring.RsrcFlag.IORING_REGISTER_DST_REPLACE.value, 0, 0, 0)));
            RegisterArgs c = RegisterArgs.cloneBuffers(dst, src, io.pinlab.kernel.iouring.RsrcFlag.IORING_REGISTER_DST_REPLACE.value, 0, 0, 0);
            put("uring.clone_buffers_nr_args_2", Register.ioUringRegister(k, t, new RegisterArgs(c.fd(), c.opcode(), null, 2, c.nr(),
                    c.flags(), c.offset(), null, null, null, c.srcFd(), c.srcOff(), null)));
            put("uring.nop", res(cqe(src, Sqe.nop(0, 0, 0, 0, 1))));
            put("uring.nop_fixed_buffer_registered", res(cqe(src, Sqe.nop(Sqe.IORING_NOP_FIXED_BUFFER, 0, 0, 0, 2))));
            put("uring.nop_fixed_buffer_empty_slot", res(cqe(src, Sqe.nop(Sqe.IORING_NOP_FIXED_BUFFER, 0, 0, 5, 3))));
            put("uring.nop_inject_result", res(cqe(src, Sqe.nop(Sqe.IORING_NOP_INJECT_RESULT, 0, 42, 0, 4))));
            put("uring.nop_unknown_flag", res(cqe(src, Sqe.nop(1 << 9, 0, 0, 0, 5))));
            int fd = file("vec", 4 * PAGE, O_RDWR);
            List<Iovec> segs = List.of(new Iovec(a + 3 * PAGE, PAGE), new Iovec(a, PAGE));
            put("uring.readv_fixed", res(cqe(src, Sqe.rwvFixed(true, fd, segs, 0, 0, 6))));
            put("uring.readv_fixed_past_buffer", res(cqe(src, Sqe.rwvFixed(true, fd, List.of(new Iovec(a + 3 * PAGE, 2 * PAGE)), 0, 0, 7))));
            put("uring.writev_fixed", res(cqe(dst, Sqe.rwvFixed(false, fd, segs, 0, 0, 8))));
        }

        SysResult fileReg(int ring, RegisterOp op, List<Integer> fds, Integer nrArgs, Integer nr, int flags, int offset, List<Long> tags,
                          Boolean hasArg) {
            return Register.ioUringRegister(k, t, new RegisterArgs(ring, op, null, nrArgs, nr, flags, offset, tags, hasArg, null, 0, 0, fds));
        }

        /** The CQEs an io_uring_enter reaps, as probes.c cqes_out() prints them. */
        static String cqes(List<Cqe> l) {
            if (l.isEmpty()) return "none";
            StringBuilder b = new StringBuilder();
            for (Cqe c : l) b.append(b.isEmpty() ? "" : ",").append(c.userData()).append(':').append(res(c.res()));
            return b.toString();
        }

        String reaped(int ring, Sqe... sqes) { return cqes(IoUring.enter(k, t, ring, List.of(sqes)).cqes()); }

        /** io_uring_wait_cqe_nr(): the in-flight requests complete while the call waits. */
        String waited(int ring, int n) { return cqes(IoUring.enter(k, t, ring, List.of(), n).cqes()); }

        static String count(SysResult r) { return r.errno() == null ? Long.toString(r.ret()) : r.errno().name(); }

        // probe_uring_files(): the pipe reads of probes.c (in flight until the pipe is written) are
        // file reads marked in flight here, completed by the io_uring_enter that waits for them
        void uringFiles() {
            RegisterOp files = RegisterOp.IORING_REGISTER_FILES, unreg = RegisterOp.IORING_UNREGISTER_FILES,
                    files2 = RegisterOp.IORING_REGISTER_FILES2, up2 = RegisterOp.IORING_REGISTER_FILES_UPDATE2,
                    up1 = RegisterOp.IORING_REGISTER_FILES_UPDATE;
            int sparse = io.pinlab.kernel.iouring.RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value;
            int r = ring();
            int a = file("fa", PAGE, O_RDWR), b = file("fb", PAGE, O_RDWR);
            long buf = map(PAGE, RW, PRIVATE | ANON, -1);
            write(buf, PAGE, 5);
            Register.ioUringRegister(k, t, RegisterArgs.buffers(r, List.of(new Iovec(buf, PAGE))));
            put("uring.files.register_null_arg", fileReg(r, files, null, 1, null, 0, 0, null, false));
            put("uring.files.register_nr_args_0", fileReg(r, files, List.of(a), 0, null, 0, 0, null, true));
            put("uring.files.register_above_max", fileReg(r, files, List.of(a), (1 << 20) + 1, null, 0, 0, null, true));
            put("uring.files.register_above_nofile", fileReg(r, files, List.of(a), 1025, null, 0, 0, null, true));
            put("uring.files.register_bad_fd", fileReg(r, files, List.of(a, 9999), null, null, 0, 0, null, null));
            put("uring.files.register_ring_fd", fileReg(r, files, List.of(r), null, null, 0, 0, null, null));
            put("uring.files.register_sparse", fileReg(r, files, List.of(-1, a), null, null, 0, 0, null, null));
            put("uring.files.register_again", fileReg(r, files, List.of(-1, a), null, null, 0, 0, null, null));
            Open.closeFd(k, t, a);
            put("uring.files.write_fixed_file_closed_fd", reaped(r, Sqe.writeFixed(1, buf, PAGE, 0, 0, 1).with(Sqe.IOSQE_FIXED_FILE, false)));
            put("uring.files.write_fixed_empty_slot", reaped(r, Sqe.writeFixed(0, buf, PAGE, 0, 0, 2).with(Sqe.IOSQE_FIXED_FILE, false)));
            put("uring.files.write_fixed_past_table", reaped(r, Sqe.writeFixed(7, buf, PAGE, 0, 0, 3).with(Sqe.IOSQE_FIXED_FILE, false)));
            put("uring.files.unregister_nr_args_1", fileReg(r, unreg, null, 1, null, 0, 0, null, false));
            put("uring.files.unregister", fileReg(r, unreg, null, null, null, 0, 0, null, null));
            put("uring.files.unregister_again", fileReg(r, unreg, null, null, null, 0, 0, null, null));

            a = file("fa", PAGE, O_RDWR);
            put("uring.files2.tag_on_sparse", fileReg(r, files2, List.of(-1), null, 1, 0, 0, List.of(3L), null));
            put("uring.files2.sparse_flag_with_data", fileReg(r, files2, List.of(a), null, 1, sparse, 0, null, null));
            put("uring.files2.nr_args_24", fileReg(r, files2, List.of(a), 24, 1, 0, 0, null, null));
            put("uring.files2.nr_0", fileReg(r, files2, List.of(a), null, 0, 0, 0, null, null));
            put("uring.files2.short_tags_bad_fd", fileReg(r, files2, List.of(9999, 9998), null, 2, 0, 0, List.of(1L), null));
            put("uring.files2.update_without_table", fileReg(r, up2, List.of(9999), null, 1, 0, 0, null, null));
            put("uring.files2.failed_register", fileReg(r, files2, List.of(a, 9999), null, 2, 0, 0, List.of(5L, 6L), null));
            put("uring.files2.failed_register_cqes", reaped(r));
            put("uring.files2.sparse_table", fileReg(r, files2, null, null, 4, sparse, 0, null, null));
            put("uring.files2.unregister_sparse", fileReg(r, unreg, null, null, null, 0, 0, null, null));
            put("uring.files2.register_tagged", fileReg(r, files2, List.of(a, -1, -1), null, 3, 0, 0, List.of(7L, 0L, 0L), null));
            put("uring.files2.update_past_table", fileReg(r, up2, List.of(a, -1), null, 2, 0, 2, null, null));
            put("uring.files2.update_offset_overflow", fileReg(r, up2, List.of(a, -1), null, 2, 0, -1, null, null));
            put("uring.files2.update_skip_with_tag", fileReg(r, up2, List.of(-2), null, 1, 0, 0, List.of(1L), null));
            put("uring.files2.update_minus1_with_tag", fileReg(r, up2, List.of(-1), null, 1, 0, 1, List.of(1L), null));
            put("uring.files2.no_change_cqes", reaped(r));
            put("uring.files2.update_two", count(fileReg(r, up2, List.of(b, -2), null, 2, 0, 0, List.of(9L, 0L), null)));
            put("uring.files2.update_tag_cqes", reaped(r));
            put("uring.files.update_second_bad", count(fileReg(r, up1, List.of(a, 9999), 2, null, 0, 1, null, null)));
            put("uring.files.update_first_bad", fileReg(r, up1, List.of(9999), 1, null, 0, 1, null, null));
            put("uring.files.update_nr_args_0", fileReg(r, up1, List.of(9999), 0, null, 0, 1, null, null));
            put("uring.files2.unregister_tagged", fileReg(r, unreg, null, null, null, 0, 0, null, null));
            put("uring.files2.unregister_tag_cqes", reaped(r));
            Open.closeFd(k, t, r);

            int pipe = file("pipe", PAGE, O_RDWR); // stands in for the pipe's read end
            long other = map(PAGE, RW, PRIVATE | ANON, -1);
            write(other, PAGE, 1);
            r = ring();
            Register.ioUringRegister(k, t, RegisterArgs.buffers2(r, List.of(new Iovec(buf, PAGE)), List.of(11L)));
            IoUring.enter(k, t, r, List.of(Sqe.readFixed(pipe, buf, PAGE, 0, 0, 1).with(0, true)));
            put("uring.inflight.buffer_update", count(Register.ioUringRegister(k, t, RegisterArgs.update(r, 0, List.of(new Iovec(other, PAGE)), List.of(0L)))));
            put("uring.inflight.buffer_cqes_before", reaped(r));
            put("uring.inflight.buffer_cqes_after", waited(r, 2));
            Open.closeFd(k, t, r);

            r = ring();
            Register.ioUringRegister(k, t, RegisterArgs.buffers(r, List.of(new Iovec(buf, PAGE))));
            fileReg(r, files2, List.of(pipe), null, 1, 0, 0, List.of(21L), null);
            IoUring.enter(k, t, r, List.of(Sqe.readFixed(0, buf, PAGE, 0, 0, 4).with(Sqe.IOSQE_FIXED_FILE, true)));
            put("uring.inflight.files_unregister", fileReg(r, unreg, null, null, null, 0, 0, null, null));
            put("uring.inflight.file_cqes_before", reaped(r));
            put("uring.inflight.file_cqes_after", waited(r, 2));
        }

        // probe_mmap()
        void mmap() {
            put("mmap.len0", mmap(0, 0, RW, PRIVATE | ANON, -1, 0));
            put("mmap.fixed_unaligned", mmap(0x10000001L, PAGE, R, PRIVATE | ANON | FIXED, -1, 0));
            put("mmap.no_type", mmap(0, PAGE, R, ANON, -1, 0));
            put("mmap.badfd", mmap(0, PAGE, R, PRIVATE, 999, 0));
            nrHugepages(0);
            put("mmap.hugetlb_empty_pool", mmap(0, HUGE, RW, PRIVATE | ANON | HUGETLB, -1, 0));
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            put("munmap.unaligned", Mmap.doMunmap(k, t, VirtAddr.of(a + 1), PAGE));
            Mmap.doMunmap(k, t, VirtAddr.of(a), 4 * PAGE);
            put("mprotect.unmapped", Mprotect.doMprotect(k, t, VirtAddr.of(a), PAGE, R));
            a = map(PAGE, RW, PRIVATE | ANON, -1);
            put("madvise.bad_advice", Madvise.doMadvise(k, t, VirtAddr.of(a), PAGE, 9999));
        }

        // probe_register()
        void register() {
            int ring = ring();
            put("uring.reg.anon_private", register(ring, map(2 * PAGE, RW, PRIVATE | ANON, -1), 2 * PAGE));
            put("uring.reg.anon_readonly", register(ring, map(2 * PAGE, R, PRIVATE | ANON, -1), 2 * PAGE));
            put("uring.reg.anon_shared", register(ring, map(2 * PAGE, RW, SHARED | ANON, -1), 2 * PAGE));
            long a = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            Mmap.doMunmap(k, t, VirtAddr.of(a), 2 * PAGE);
            put("uring.reg.unmapped", register(ring, a, 2 * PAGE));
            int mfd = (int) Memfd.memfdCreate(k, t, "oracle", 0, 4 * PAGE).ret();
            put("uring.reg.memfd_shared", register(ring, map(2 * PAGE, RW, SHARED, mfd), 2 * PAGE));
            put("uring.reg.memfd_private", register(ring, map(2 * PAGE, RW, PRIVATE, mfd), 2 * PAGE));
            int sfd = (int) Secretmem.memfdSecret(k, t, 2 * PAGE).ret();
            put("uring.reg.memfd_secret", register(ring, map(2 * PAGE, RW, SHARED, sfd), 2 * PAGE));
            nrHugepages(4);
            put("uring.reg.hugetlb_anon", register(ring, map(HUGE, RW, PRIVATE | ANON | HUGETLB, -1), HUGE));
            int hfd = (int) Memfd.memfdCreate(k, t, "oracle-huge", MFD_HUGETLB, HUGE).ret();
            put("uring.reg.hugetlb_memfd_shared", register(ring, map(HUGE, RW, SHARED, hfd), HUGE));
        }

        // probe_pagemap_fork()
        void pagemapFork() {
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            put("pagemap.untouched_present", pfn(a) == 0 ? "no" : "yes");
            read(a);
            read(a + PAGE);
            put("pagemap.two_read_faults_pfn", same(pfn(a), pfn(a + PAGE)));
            put("pagemap.read_fault_zero_page", zeroPage(a) ? "yes" : "no");
            write(a + 2 * PAGE, 1, 1);
            put("pagemap.write_fault_vs_zero_page", same(pfn(a + 2 * PAGE), pfn(a)));
            long before = pfn(a + 2 * PAGE);
            Task c = fork();
            long child = pfn(c, a + 2 * PAGE);
            exit(c);
            put("fork.unpinned_child_pfn", same(child, before));
            write(a + 2 * PAGE, 1, 2);
            put("fork.unpinned_parent_write_after_child_exit_pfn", same(pfn(a + 2 * PAGE), before));

            long b = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            write(b, 1, 1);
            before = pfn(b);
            int ring = ring();
            put("fork.pinned.register", ename(Register.ioUringRegister(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(b, 2 * PAGE))))));
            c = fork();
            child = pfn(c, b);
            exit(c);
            put("fork.pinned_child_pfn", same(child, before));
            write(b, 1, 2);
            put("fork.pinned_parent_write_pfn", same(pfn(b), before));
        }

        // probe_reuse()
        void reuse() {
            long t1 = thpRange();
            write(t1, HUGE, 1);
            long head = pfn(t1);
            exit(fork());
            write(t1 + 5 * PAGE, 1, 2);
            put("reuse.thp_once_shared_write_pfn", same(pfn(t1), head));
            put("reuse.thp_once_shared_write_still_thp", thp(t1));

            long t2 = thpRange();
            write(t2, HUGE, 1);
            head = pfn(t2);
            exit(fork());
            Madvise.doMadvise(k, t, VirtAddr.of(t2 + PAGE), HUGE - PAGE, MADV_DONTNEED);
            write(t2, 1, 3);
            put("reuse.thp_last_pte_write_pfn", same(pfn(t2), head));

            long t3 = thpRange();
            write(t3, HUGE, 1);
            Task c = fork();
            Madvise.doMadvise(k, t, VirtAddr.of(t3 + HUGE - PAGE), PAGE, MADV_DONTNEED);
            long p7 = pfn(t3 + 7 * PAGE);
            exit(c);
            write(t3 + 7 * PAGE, 1, 4);
            put("reuse.thp_pte_mapped_after_child_exit_write_pfn", same(pfn(t3 + 7 * PAGE), p7));

            long t4 = thpRange();
            write(t4, HUGE, 1);
            c = fork();
            Madvise.doMadvise(k, t, VirtAddr.of(t4 + HUGE - PAGE), PAGE, MADV_DONTNEED);
            p7 = pfn(t4 + 7 * PAGE);
            write(t4 + 7 * PAGE, 1, 4);
            put("reuse.thp_pte_mapped_child_alive_write_pfn", same(pfn(t4 + 7 * PAGE), p7));
            exit(c);

            nrHugepages(4);
            long h = map(HUGE, RW, PRIVATE | ANON | HUGETLB, -1);
            write(h, 1, 1);
            head = pfn(h);
            exit(fork());
            write(h, 1, 2);
            put("reuse.hugetlb_once_shared_write_pfn", same(pfn(h), head));
            c = fork();
            write(h, 1, 3);
            put("reuse.hugetlb_shared_write_pfn", same(pfn(h), head));
            exit(c);
            Mmap.doMunmap(k, t, VirtAddr.of(h), HUGE);
            nrHugepages(0);

            assertNull(Sysctl.set(k, Sysctl.THP_USE_ZERO_PAGE, 1).errno());
            long z1 = thpRange(), z2 = thpRange();
            read(z1 + 3 * PAGE);
            read(z2);
            put("zero.thp_read_two_ranges_pfn", same(pfn(z1), pfn(z2)));
            put("zero.thp_read_consecutive", pfn(z1 + PAGE) == pfn(z1) + 1 ? "yes" : "no");
            put("zero.thp_read_is_zero_page", zeroPage(z1) ? "yes" : "no");
            write(z1 + 9 * PAGE, 1, 1);
            put("zero.thp_write_after_read", thp(z1));
            put("zero.thp_write_after_read_vs_zero_pfn", same(pfn(z1), pfn(z2)));
            assertNull(Sysctl.set(k, Sysctl.THP_USE_ZERO_PAGE, 0).errno());
            long z3 = thpRange();
            read(z3);
            put("zero.use_zero_page_0_read", thp(z3));
            put("zero.use_zero_page_0_read_vs_zero_pfn", same(pfn(z3), pfn(z2)));
        }

        // probe_gigantic(): the 1 GiB hstate
        void gigantic() {
            final long GIG = 1L << 30;
            final int HUGE_1GB = 30 << 26, HUGE_LOG25 = 25 << 26, MAYMOVE = 1, MFIXED = 2;
            final int gflags = PRIVATE | ANON | HUGETLB | HUGE_1GB;
            gigPool(0);
            put("gig.mmap_empty_pool", mmap(0, GIG, RW, gflags, -1, 0));
            put("gig.mmap_unknown_sizelog", mmap(0, GIG, RW, PRIVATE | ANON | HUGETLB | HUGE_LOG25, -1, 0));
            gigPool(2);
            put("gig.pool_after_setting_2", Long.toString(Sysctl.get(k, Sysctl.NR_HUGEPAGES_1G)));
            put("gig.mmap_3g_pool_of_2", mmap(0, 3 * GIG, RW, gflags, -1, 0));
            SysResult ra = mmap(0, PAGE, RW, gflags, -1, 0);
            put("gig.mmap_one_page_len", ra);
            long a = ra.ret();
            put("gig.mmap_addr_aligned", (a & (GIG - 1)) == 0 ? "yes" : "no");
            put("gig.resv_after_mmap", Long.toString(k.gigantic.resvHugePages));
            put("gig.munmap_first_page", Mmap.doMunmap(k, t, VirtAddr.of(a), PAGE));
            put("gig.munmap_upper_half", Mmap.doMunmap(k, t, VirtAddr.of(a + GIG / 2), GIG / 2));
            put("gig.mprotect_lower_half", Mprotect.doMprotect(k, t, VirtAddr.of(a), GIG / 2, R));
            put("gig.mmap_fixed_unaligned", mmap(a + HUGE, GIG, RW, gflags | FIXED, -1, 0));
            write(a + 5 * PAGE, 1, 1);
            long h = pfn(a);
            put("gig.fault_pfn_aligned", (h & (PhysMem.PUD_NR - 1)) == 0 ? "yes" : "no");
            put("gig.pfn_last_page", pfn(a + GIG - PAGE) == h + PhysMem.PUD_NR - 1 ? "head+262143" : "other");
            put("gig.kpageflags_huge", k.phys.testPageFlag(h, PhysMem.PG_HUGETLB) ? "yes" : "no"); // KPF_HUGE: a hugetlb page
            put("gig.free_after_fault", Long.toString(k.gigantic.freeHugePages()));
            put("gig.resv_after_fault", Long.toString(k.gigantic.resvHugePages));
            int ring = ring();
            put("gig.uring.reg_whole", register(ring, a, GIG));
            put("gig.uring.reg_over_1g", register(ring, a, GIG + PAGE));
            Task c = fork();
            put("gig.fork", "OK");
            write(a + PAGE, 1, 2);
            put("gig.fork_parent_write_pfn", same(pfn(a), h));
            put("gig.free_after_cow", Long.toString(k.gigantic.freeHugePages()));
            exit(c);
            put("gig.free_after_child_exit", Long.toString(k.gigantic.freeHugePages()));
            long h2 = pfn(a);
            long area = map(3 * GIG, 0, PRIVATE | ANON | 0x4000 /* MAP_NORESERVE */, -1);
            long dst = (area + GIG - 1) & ~(GIG - 1);
            SysResult m = mremap(a, GIG, GIG, MAYMOVE | MFIXED, dst);
            put("gig.mremap_move", m);
            put("gig.mremap_move_pfn", m.ok() ? same(pfn(m.ret()), h2) : "failed");
            Mmap.doMunmap(k, t, VirtAddr.of(area), 3 * GIG);
            put("gig.free_after_munmap", Long.toString(k.gigantic.freeHugePages()));
            SysResult fd = Memfd.memfdCreate(k, t, "oracle-gig", MFD_HUGETLB | HUGE_1GB, null);
            put("gig.memfd_create", fd);
            put("gig.memfd_ftruncate_2m", Open.doSysFtruncate(k, t, (int) fd.ret(), HUGE));
            put("gig.memfd_ftruncate_1g", Open.doSysFtruncate(k, t, (int) fd.ret(), GIG));
            SysResult s = mmap(0, GIG, RW, SHARED, (int) fd.ret(), 0);
            put("gig.memfd_mmap_shared", s);
            write(s.ret(), 1, 1);
            put("gig.memfd_pfn_aligned", (pfn(s.ret()) & (PhysMem.PUD_NR - 1)) == 0 ? "yes" : "no");
            Mmap.doMunmap(k, t, VirtAddr.of(s.ret()), GIG);
            Open.closeFd(k, t, (int) fd.ret());
            put("gig.memfd_unknown_sizelog", Memfd.memfdCreate(k, t, "oracle-gig", MFD_HUGETLB | HUGE_LOG25, null));
            gigPool(0);
        }

        void gigPool(long n) { assertNull(Sysctl.set(k, Sysctl.NR_HUGEPAGES_1G, n).errno()); }
    }

    // probe_memlock(): an unprivileged uid (no CAP_IPC_LOCK) with RLIMIT_MEMLOCK = limit
    static void memlock(Map<String, String> m, String name, long limit, int bufPages) {
        Kernel k = new Kernel(Profile.V6_18, false);
        Task t = k.createTask(1, "probes", 65534, false, limit);
        SysResult s = IoUring.setup(k, t, 8, 0);
        m.put("uring.memlock." + name + ".setup", Probe.ename(s));
        if (bufPages > 0) {
            long a = Mmap.doMmap(k, t, VirtAddr.of(0), bufPages * PAGE, RW, PRIVATE | ANON, -1, 0).ret();
            SysResult r = Register.ioUringRegister(k, t, RegisterArgs.buffers((int) s.ret(), List.of(new Iovec(a, bufPages * PAGE))));
            m.put("uring.memlock." + name + ".register_" + bufPages + "_pages", Probe.ename(r));
        }
    }
}
