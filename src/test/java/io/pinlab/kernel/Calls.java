package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.Falloc;
import io.pinlab.kernel.fs.FallocFlag;
import io.pinlab.kernel.fs.Memfd;
import io.pinlab.kernel.fs.Secretmem;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Register;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.GupTest;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Madv;
import io.pinlab.kernel.mm.Madvise;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Mprotect;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Swapfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random kernel calls that can be applied to any kernel: a call names its process by position in
 * the task list and its objects (fds, pins, rings) by position too, so the same call does the
 * same thing to a kernel and to its snapshot copy. Addresses fall in a 4 MiB window (2 MiB
 * aligned, MAP_FIXED) so that calls overlap, THP and hugetlb happen, and page tables are sparse.
 */
record Calls(Kind kind, int task, int page, int pages, int arg) {
    static final long BASE = 0x200000000L, PAGE = 4096, WINDOW_PAGES = 1024;
    static final int RW = 3, PRIVATE = 0x02, SHARED = 0x01, FIXED = 0x10, ANON = 0x20, HUGETLB = 0x40000;
    static final int O_RDWR = 02, O_CREAT = 0100;

    enum Kind {
        MMAP_ANON, MMAP_SHARED_ANON, MMAP_MEMFD, MMAP_EXT4, MMAP_TMPFS, MMAP_HUGETLB, MMAP_DEVZERO, MMAP_MMIO, MMAP_SECRET,
        MMAP_PMEM, MUNMAP, MPROTECT, MADVISE, READ, WRITE, PIN, PIN_FAST, GET, RELEASE, FORK, EXIT, CLOSE, FTRUNCATE,
        SYSCTL, RING_SETUP, RING_REGISTER, RING_SPARSE_UPDATE, RING_UNREGISTER, RING_ENTER, SWAP, PAGEOUT, COLLAPSE, PUNCH_HOLE
    }

    static List<Calls> random(Random r, int n) {
        List<Calls> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int pages = r.nextInt(8) < 6 ? 1 + r.nextInt(16) : 1 + r.nextInt((int) WINDOW_PAGES);
            out.add(new Calls(Kind.values()[r.nextInt(Kind.values().length)], r.nextInt(4), r.nextInt((int) WINDOW_PAGES), pages, r.nextInt(8)));
        }
        return out;
    }

    /** Applies the call and returns what it answered, as a comparable value (an exception's class and message included). */
    Object apply(Kernel k) {
        try {
            return doApply(k);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private Object doApply(Kernel k) {
        List<Task> tasks = new ArrayList<>(k.tasks.values());
        if (tasks.isEmpty()) return "no task";
        Task t = tasks.get(task % tasks.size());
        long addr = BASE + page * PAGE;
        long len = Math.min(pages, WINDOW_PAGES - page) * PAGE;
        int prot = new int[] {0, 1, 3, 3, 3, 1, 2, 3}[arg];
        return switch (kind) {
            case MMAP_ANON -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, PRIVATE | ANON | FIXED, -1, 0);
            case MMAP_SHARED_ANON -> Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, SHARED | ANON | FIXED, -1, 0);
            case MMAP_MEMFD -> {
                // arg 0 and 4: a 4 MiB memfd over one aligned half of the window, which COLLAPSE can turn into a shmem THP
                boolean whole = arg % 4 == 0;
                SysResult fd = Memfd.memfdCreate(k, t, "m" + arg, arg % 2 == 0 ? 0 : 0x4 /* MFD_HUGETLB */,
                        whole ? WINDOW_PAGES * PAGE : arg % 2 == 0 ? 64 * PAGE : 4 * 512 * PAGE);
                if (!fd.ok()) yield fd;
                long at = whole ? BASE + (page % 2) * 512 * PAGE : addr;
                yield List.of(fd, Mmap.doMmap(k, t, VirtAddr.of(at), whole ? 512 * PAGE : len, whole ? RW : prot, (arg < 4 ? SHARED : PRIVATE) | FIXED, (int) fd.ret(), 0));
            }
            case MMAP_EXT4 -> mapFile(k, t, "/mnt/ext4/f" + (arg % 3), addr, len, prot);
            case MMAP_TMPFS -> mapFile(k, t, "/dev/shm/s" + (arg % 3), addr, len, prot);
            case MMAP_PMEM -> mapFile(k, t, "/mnt/pmem/p" + (arg % 2), addr, len, prot);
            case MMAP_HUGETLB -> arg == 3 // MAP_HUGE_1GB: one gigantic page over the whole window (BASE is 1 GiB aligned)
                    ? Mmap.doMmap(k, t, VirtAddr.of(BASE), 1L << 30, RW, PRIVATE | ANON | HUGETLB | (30 << 26) | FIXED, -1, 0)
                    : Mmap.doMmap(k, t, VirtAddr.of(BASE + (page & ~511L) * PAGE), 512 * PAGE * (1 + arg % 2), RW,
                    (arg < 4 ? PRIVATE : SHARED) | ANON | HUGETLB | FIXED, -1, 0);
            case MMAP_DEVZERO -> mapFile(k, t, "/dev/zero", addr, len, prot);
            case MMAP_MMIO -> mapFile(k, t, "/dev/mmio0", addr, len, prot);
            case MMAP_SECRET -> {
                SysResult fd = Secretmem.memfdSecret(k, t, 16 * PAGE);
                if (!fd.ok()) yield fd;
                yield List.of(fd, Mmap.doMmap(k, t, VirtAddr.of(addr), Math.min(len, 16 * PAGE), RW, SHARED | FIXED, (int) fd.ret(), 0));
            }
            case MUNMAP -> Mmap.doMunmap(k, t, VirtAddr.of(addr), len);
            case MPROTECT -> Mprotect.doMprotect(k, t, VirtAddr.of(addr), len, prot);
            case MADVISE -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, new Madv[] {Madv.MADV_DONTNEED, Madv.MADV_HUGEPAGE,
                    Madv.MADV_DONTFORK, Madv.MADV_WIPEONFORK, Madv.MADV_POPULATE_WRITE, Madv.MADV_HUGEPAGE, Madv.MADV_DOFORK,
                    Madv.MADV_POPULATE_READ}[arg].value);
            case READ -> UserAccess.access(k, t, VirtAddr.of(addr), len, false, null);
            case WRITE -> UserAccess.access(k, t, VirtAddr.of(addr), len, true, 1000L + arg);
            case PIN -> gup(k, t, GupCall.pin_user_pages, addr, FollFlag.FOLL_WRITE.value() | FollFlag.FOLL_LONGTERM.value());
            case PIN_FAST -> gup(k, t, GupCall.pin_user_pages_fast, addr, arg % 2 == 0 ? FollFlag.FOLL_WRITE.value() : 0);
            case GET -> gup(k, t, GupCall.get_user_pages_fast, addr, FollFlag.FOLL_WRITE.value());
            case RELEASE -> {
                List<Pin> held = Pins.list(k).stream().filter(p -> !p.released()).toList();
                if (held.isEmpty()) yield "no pin";
                Pin p = held.get(page % held.size());
                yield Pins.release(k, p.id(), p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page
                        : arg % 2 == 0 ? PinRelease.unpin_user_pages : PinRelease.unpin_user_pages_dirty_lock, arg % 3 == 0);
            }
            case FORK -> tasks.size() < 6 ? Fork.copyProcess(k, t) : "enough tasks";
            case EXIT -> tasks.size() > 1 ? Exit.doExit(k, t) : "last task";
            case CLOSE -> {
                Integer fd = nthFd(t, page);
                yield fd == null ? "no fd" : Open.closeFd(k, t, fd);
            }
            case FTRUNCATE -> {
                Integer fd = nthFd(t, page);
                yield fd == null ? "no fd" : Open.doSysFtruncate(k, t, fd, (long) pages * PAGE);
            }
            case SYSCTL -> arg == 4 ? Sysctl.set(k, Sysctl.NR_HUGEPAGES_1G, 1 + page % 2) : arg < 5 ? Sysctl.set(k, "vm.nr_hugepages", arg) : arg < 7 ? Sysctl.set(k, Sysctl.THP_USE_ZERO_PAGE, arg - 5)
                    : Sysctl.set(k, "vm.max_map_count", 65530 - page);
            case SWAP -> arg < 5 ? Swapfile.sysSwapon(k, (2 + 16L * arg) * PAGE) : Swapfile.sysSwapoff(k);
            case PAGEOUT -> Madvise.doMadvise(k, t, VirtAddr.of(addr), len, Madv.MADV_PAGEOUT.value);
            case COLLAPSE -> { // arg < 3: first shared anonymous memory (shmem) over one aligned half of the window, a few pages written
                long half = BASE + (page % 2) * 512 * PAGE;
                Object prep = arg < 3 ? List.of(Mmap.doMmap(k, t, VirtAddr.of(half), 512 * PAGE, RW, SHARED | ANON | FIXED, -1, 0),
                        UserAccess.access(k, t, VirtAddr.of(half), (pages % 64 + 1) * PAGE, true, 500L + arg)) : "";
                yield List.of(prep, Madvise.doMadvise(k, t, VirtAddr.of(half), arg < 6 ? 512 * PAGE : 1024 * PAGE, Madv.MADV_COLLAPSE.value));
            }
            case PUNCH_HOLE -> {
                Integer fd = nthFd(t, page);
                yield fd == null ? "no fd" : Falloc.fallocate(k, t, fd, FallocFlag.FALLOC_FL_PUNCH_HOLE.value | FallocFlag.FALLOC_FL_KEEP_SIZE.value, (long) (page % 512) * PAGE, (long) pages * PAGE);
            }
            case RING_SETUP -> IoUring.setup(k, t, 1 << arg, arg == 7 ? 1 << 12 : 0);
            case RING_REGISTER -> ring(k, t, fd -> Register.ioUringRegister(k, t, RegisterArgs.buffers2(fd,
                    arg < 4 ? List.of(new Iovec(addr, len)) : List.of(new Iovec(addr, PAGE), new Iovec(BASE + ((page * 7L) % WINDOW_PAGES) * PAGE, PAGE)),
                    arg < 4 ? List.of((long) arg) : List.of((long) arg, 7L))));
            case RING_SPARSE_UPDATE -> ring(k, t, fd -> List.of(Register.ioUringRegister(k, t, RegisterArgs.sparse(fd, 4 + arg)),
                    Register.ioUringRegister(k, t, RegisterArgs.update(fd, arg % 4, List.of(new Iovec(addr, len)), List.of(9L)))));
            case RING_UNREGISTER -> ring(k, t, fd -> Register.ioUringRegister(k, t, RegisterArgs.unregister(fd)));
            case RING_ENTER -> ring(k, t, fd -> IoUring.enter(k, t, fd, List.of(
                    arg % 2 == 0 ? Sqe.readFixed(fd, addr, PAGE, 0, arg % 3, page) : Sqe.writeFixed(fd, addr, PAGE, 0, arg % 3, page))));
        };
    }

    private Object mapFile(Kernel k, Task t, String path, long addr, long len, int prot) {
        SysResult fd = Open.doSysOpen(k, t, path, O_RDWR | (path.startsWith("/dev/") && !path.startsWith("/dev/shm") ? 0 : O_CREAT), 64 * PAGE);
        if (!fd.ok()) return fd;
        return List.of(fd, Mmap.doMmap(k, t, VirtAddr.of(addr), len, prot, (arg % 2 == 0 ? SHARED : PRIVATE) | FIXED, (int) fd.ret(), 0));
    }

    private Object gup(Kernel k, Task t, GupCall call, long addr, int flags) {
        GupResult r = GupTest.call(k, t, GupRequest.of(call, VirtAddr.of(addr), Math.min(pages, 64), flags));
        return List.of(r.ret(), String.valueOf(r.errno()), r.explain(), r.warnings(), r.pin() == null ? -1 : r.pin().id());
    }

    private Integer nthFd(Task t, int n) {
        if (t.fds.isEmpty()) return null;
        return new ArrayList<>(t.fds.keySet()).get(n % t.fds.size());
    }

    private Object ring(Kernel k, Task t, java.util.function.IntFunction<Object> call) {
        for (Map.Entry<Integer, OpenFile> e : t.fds.entrySet()) if (IoUring.ringOf(e.getValue()) != null) return call.apply(e.getKey());
        SysResult setup = IoUring.setup(k, t, 8, 0); // no ring in this task yet: set one up first
        return setup.ok() ? List.of(setup, call.apply((int) setup.ret())) : setup;
    }
}
