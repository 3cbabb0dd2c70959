package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Mprotect;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.ProcessVm;
import io.pinlab.kernel.fs.DirectIo;
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
    static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14, MFD_HUGETLB = 4;

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
        for (String fs : List.of("ext4", "xfs")) {
            new Probe(m, fs).fileMmap();
            new Probe(m, fs).fileRegister();
            new Probe(m, fs).fileDirect();
        }
        new Probe(m, "ext4").remote();
        new Probe(m, "ext4").uringOps();
        new Probe(m, "ext4").mmap();
        new Probe(m, "ext4").register();
        memlock(m, "0", 0, 0);
        memlock(m, "64k_a", 64 << 10, 4);
        memlock(m, "64k_b", 64 << 10, 16);
        new Probe(m, "ext4").pagemapFork();
        new Probe(m, "ext4").reuse();
        return m;
    }

    @TestFactory
    Stream<DynamicTest> pinlabAnswersAsTheRecordedKernel() throws IOException {
        Map<String, String> real = recording();
        Map<String, String> sim = pinlab();
        return real.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(),
                () -> assertEquals(e.getValue(), sim.get(e.getKey()), e.getKey() + " (real kernel: " + e.getValue() + ")")));
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
            return Mmap.doMmap(k, t, addr, len, prot, flags, fd, off);
        }

        long map(long len, int prot, int flags, int fd) {
            SysResult r = mmap(0, len, prot, flags, fd, 0);
            assertNull(r.errno(), r.toString());
            return r.ret();
        }

        int file(String name, long size, int oflags) {
            String path = "/mnt/" + fs + "/" + name;
            int fd = (int) Files.open(k, t, path, O_RDWR | O_CREAT | O_TRUNC, size).ret();
            if (oflags != O_RDWR) {
                Files.close(k, t, fd);
                fd = (int) Files.open(k, t, path, oflags, null).ret();
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

        void read(long addr) { assertTrue(UserAccess.access(k, t, addr, 1, false, null).ok()); }

        void write(long addr, long len, long v) { assertTrue(UserAccess.access(k, t, addr, len, true, v).ok()); }

        long thpRange() {
            long raw = map(2 * HUGE, RW, PRIVATE | ANON, -1);
            long a = (raw + HUGE - 1) & ~(HUGE - 1);
            Madvise.doMadvise(k, t, a, HUGE, MADV_HUGEPAGE);
            return a;
        }

        Task fork() { return k.task((int) Fork.copyProcess(k, t).ret()); }

        void exit(Task c) { Exit.doExit(k, c); }

        String register(int ring, long base, long len) {
            SysResult r = IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(base, len))));
            if (r.errno() == null) IoUring.register(k, t, RegisterArgs.unregister(ring));
            return ename(r);
        }

        int ring() { return (int) IoUring.setup(k, t, 8, 0).ret(); }

        void nrHugepages(long n) { assertNull(Sysctl.set(k, "vm.nr_hugepages", n).errno()); }

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
            int dfd = (int) Files.open(k, t, "/mnt/" + fs + "/dio", O_RDWR | O_DIRECT, null).ret();
            int mfd = file("shared", 4 * PAGE, O_RDWR);
            long m = map(2 * PAGE, RW, SHARED, mfd);
            write(m, 2 * PAGE, 5);
            put("odirect." + fs + "_pwrite_from_shared", nb(DirectIo.rw(k, t, dfd, m, 2 * PAGE, 0, true)));
            put("odirect." + fs + "_pread_into_shared", nb(DirectIo.rw(k, t, dfd, m, 2 * PAGE, 4 * PAGE, false)));
            put("odirect." + fs + "_pread_misaligned_buffer", nb(DirectIo.rw(k, t, dfd, m + 1, PAGE, 0, false)));
            long ro = map(PAGE, R, PRIVATE | ANON, -1);
            put("odirect." + fs + "_pread_into_readonly", nb(DirectIo.rw(k, t, dfd, ro, PAGE, 0, false)));
        }

        // probe_remote()
        void remote() {
            int mfd = file("remote", 4 * PAGE, O_RDWR);
            long shared = map(2 * PAGE, RW, SHARED, mfd);
            write(shared, 2 * PAGE, 6);
            long rop = map(PAGE, R, PRIVATE | ANON, -1);
            read(rop);
            long hole = map(PAGE, RW, PRIVATE | ANON, -1);
            Mmap.doMunmap(k, t, hole, PAGE);
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
            put("procmem.write_readonly_private", nb(ProcessVm.memRw(k, t, t.pid, rop, 1, true, 9L).result()));
            put("procmem.write_readonly_private_pfn", same(pfn(rop), before));
            long ros = map(PAGE, R, SHARED, mfd);
            put("procmem.write_readonly_shared", nb(ProcessVm.memRw(k, t, t.pid, ros, 1, true, 9L).result()));
            put("procmem.read_unmapped", nb(ProcessVm.memRw(k, t, t.pid, 0x1000, 1, false, null).result()));
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
            put("uring.register_opcode_36", IoUring.register(k, t, RegisterArgs.number(src, 36)));
            put("uring.register_opcode_999", IoUring.register(k, t, RegisterArgs.number(src, 999)));
            put("uring.register_opcode_999_bad_fd", IoUring.register(k, t, RegisterArgs.number(12345, 999)));
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            IoUring.register(k, t, RegisterArgs.buffers(src, List.of(new Iovec(a, 4 * PAGE))));
            put("uring.clone_buffers", IoUring.register(k, t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
            put("uring.clone_buffers_again", IoUring.register(k, t, RegisterArgs.cloneBuffers(dst, src, 0, 0, 0, 0)));
            put("uring.clone_buffers_replace", IoUring.register(k, t,
                    RegisterArgs.cloneBuffers(dst, src, io.pinlab.kernel.iouring.RsrcFlag.IORING_REGISTER_DST_REPLACE.value, 0, 0, 0)));
            RegisterArgs c = RegisterArgs.cloneBuffers(dst, src, io.pinlab.kernel.iouring.RsrcFlag.IORING_REGISTER_DST_REPLACE.value, 0, 0, 0);
            put("uring.clone_buffers_nr_args_2", IoUring.register(k, t, new RegisterArgs(c.fd(), c.opcode(), null, 2, c.nr(),
                    c.flags(), c.offset(), null, null, null, c.srcFd(), c.srcOff())));
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

        // probe_mmap()
        void mmap() {
            put("mmap.len0", mmap(0, 0, RW, PRIVATE | ANON, -1, 0));
            put("mmap.fixed_unaligned", mmap(0x10000001L, PAGE, R, PRIVATE | ANON | FIXED, -1, 0));
            put("mmap.no_type", mmap(0, PAGE, R, ANON, -1, 0));
            put("mmap.badfd", mmap(0, PAGE, R, PRIVATE, 999, 0));
            nrHugepages(0);
            put("mmap.hugetlb_empty_pool", mmap(0, HUGE, RW, PRIVATE | ANON | HUGETLB, -1, 0));
            long a = map(4 * PAGE, RW, PRIVATE | ANON, -1);
            put("munmap.unaligned", Mmap.doMunmap(k, t, a + 1, PAGE));
            Mmap.doMunmap(k, t, a, 4 * PAGE);
            put("mprotect.unmapped", Mprotect.doMprotect(k, t, a, PAGE, R));
            a = map(PAGE, RW, PRIVATE | ANON, -1);
            put("madvise.bad_advice", Madvise.doMadvise(k, t, a, PAGE, 9999));
        }

        // probe_register()
        void register() {
            int ring = ring();
            put("uring.reg.anon_private", register(ring, map(2 * PAGE, RW, PRIVATE | ANON, -1), 2 * PAGE));
            put("uring.reg.anon_readonly", register(ring, map(2 * PAGE, R, PRIVATE | ANON, -1), 2 * PAGE));
            put("uring.reg.anon_shared", register(ring, map(2 * PAGE, RW, SHARED | ANON, -1), 2 * PAGE));
            long a = map(2 * PAGE, RW, PRIVATE | ANON, -1);
            Mmap.doMunmap(k, t, a, 2 * PAGE);
            put("uring.reg.unmapped", register(ring, a, 2 * PAGE));
            int mfd = (int) Files.memfdCreate(k, t, "oracle", 0, 4 * PAGE).ret();
            put("uring.reg.memfd_shared", register(ring, map(2 * PAGE, RW, SHARED, mfd), 2 * PAGE));
            put("uring.reg.memfd_private", register(ring, map(2 * PAGE, RW, PRIVATE, mfd), 2 * PAGE));
            int sfd = (int) Files.memfdSecret(k, t, 2 * PAGE).ret();
            put("uring.reg.memfd_secret", register(ring, map(2 * PAGE, RW, SHARED, sfd), 2 * PAGE));
            nrHugepages(4);
            put("uring.reg.hugetlb_anon", register(ring, map(HUGE, RW, PRIVATE | ANON | HUGETLB, -1), HUGE));
            int hfd = (int) Files.memfdCreate(k, t, "oracle-huge", MFD_HUGETLB, HUGE).ret();
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
            put("fork.pinned.register", ename(IoUring.register(k, t, RegisterArgs.buffers(ring, List.of(new Iovec(b, 2 * PAGE))))));
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
            Madvise.doMadvise(k, t, t2 + PAGE, HUGE - PAGE, MADV_DONTNEED);
            write(t2, 1, 3);
            put("reuse.thp_last_pte_write_pfn", same(pfn(t2), head));

            long t3 = thpRange();
            write(t3, HUGE, 1);
            Task c = fork();
            Madvise.doMadvise(k, t, t3 + HUGE - PAGE, PAGE, MADV_DONTNEED);
            long p7 = pfn(t3 + 7 * PAGE);
            exit(c);
            write(t3 + 7 * PAGE, 1, 4);
            put("reuse.thp_pte_mapped_after_child_exit_write_pfn", same(pfn(t3 + 7 * PAGE), p7));

            long t4 = thpRange();
            write(t4, HUGE, 1);
            c = fork();
            Madvise.doMadvise(k, t, t4 + HUGE - PAGE, PAGE, MADV_DONTNEED);
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
            Mmap.doMunmap(k, t, h, HUGE);
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
    }

    // probe_memlock(): an unprivileged uid (no CAP_IPC_LOCK) with RLIMIT_MEMLOCK = limit
    static void memlock(Map<String, String> m, String name, long limit, int bufPages) {
        Kernel k = new Kernel(Profile.V6_18, false);
        Task t = k.createTask(1, "probes", 65534, false, limit);
        SysResult s = IoUring.setup(k, t, 8, 0);
        m.put("uring.memlock." + name + ".setup", Probe.ename(s));
        if (bufPages > 0) {
            long a = Mmap.doMmap(k, t, 0, bufPages * PAGE, RW, PRIVATE | ANON, -1, 0).ret();
            SysResult r = IoUring.register(k, t, RegisterArgs.buffers((int) s.ret(), List.of(new Iovec(a, bufPages * PAGE))));
            m.put("uring.memlock." + name + ".register_" + bufPages + "_pages", Probe.ename(r));
        }
    }
}
