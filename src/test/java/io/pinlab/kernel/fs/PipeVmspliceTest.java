package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.NotSimulatedException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.mm.Exit;
import io.pinlab.kernel.mm.Fork;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.fs.Pipe.PIPE_BUF_FLAG_GIFT;
import static org.junit.jupiter.api.Assertions.*;

/**
 * pipe2(2), vmsplice(2) and read(2) of a pipe (fs/pipe.c, fs/splice.c). vmsplice_to_pipe() ->
 * iter_to_pipe() -> iov_iter_get_pages2() -> get_user_pages_fast(addr, n, 0): one FOLL_GET
 * reference per page (never FOLL_PIN), the same in the 6.3.8 and 6.19 trees; pipe_read() copies
 * the data out and put_page()s each emptied buffer.
 */
class PipeVmspliceTest {
    static final List<Profile> ALL = Profile.ALL;

    record Box(Kernel k, Task t, int rfd, int wfd) {
        long anon(long len) { return assertOk(Mmap.doMmap(k, t, VirtAddr.of(0), len, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)); }

        long pfn(Task task, long addr) { return Pte.pfn(Memory.followPte(task.mm, addr)); }

        long pfn(long addr) { return pfn(t, addr); }

        int ref(long pfn) { return k.phys.refcount(pfn); }

        SysResult splice(Task task, long addr, long len, int flags) { return Pipe.vmsplice(k, task, wfd, List.of(new Iovec(addr, len)), flags); }

        SysResult splice(long addr, long len) { return splice(t, addr, len, 0); }

        SysResult read(long buf, long count) { return Pipe.read(k, t, rfd, buf, count); }

        List<Long> values(long addr, long len) { return UserAccess.access(k, t, VirtAddr.of(addr), len, false, null).values(); }
    }

    static Box box(Profile p, int flags) {
        Kernel k = new Kernel(p, false);
        Task t = k.task(1);
        Pipe.PipeFds fds = Pipe.pipe2(k, t, flags);
        assertTrue(fds.result().ok(), fds.result().explain().toString());
        return new Box(k, t, fds.readFd(), fds.writeFd());
    }

    @Test
    void pipe2GivesTheLowestFdsReadEndFirst() { // __do_pipe_flags(): fdr then fdw from get_unused_fd_flags()
        Box b = box(Profile.V6_18, 0);
        assertEquals(0, b.rfd());
        assertEquals(1, b.wfd());
        assertFalse(b.t().fds.get(0).writable());
        assertTrue(b.t().fds.get(1).writable());
        assertEquals(Inode.Kind.FIFO, b.t().fds.get(0).inode().kind());
        assertSame(b.t().fds.get(0).inode(), b.t().fds.get(1).inode(), "both ends share one pipe inode");
        assertErr(Errno.EINVAL, Pipe.pipe2(b.k(), b.t(), O_TRUNC).result()); // not O_CLOEXEC|O_NONBLOCK|O_DIRECT|O_NOTIFICATION_PIPE
        assertErr(Errno.ESPIPE, Falloc.fallocate(b.k(), b.t(), b.wfd(), 0, 0, PAGE)); // vfs_fallocate(): S_ISFIFO
    }

    /** The page's refcount rises by one while it sits in the pipe (FOLL_GET, no pin) and falls when the buffer is read. */
    @ParameterizedTest @FieldSource("ALL")
    void vmspliceHoldsAPageReferenceUntilTheBufferIsRead(Profile p) {
        Box b = box(p, 0);
        long a = b.anon(2 * PAGE), out = b.anon(2 * PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), 2 * PAGE, true, 5L).ok());
        long pfn = b.pfn(a);
        assertEquals(1, b.ref(pfn));
        assertEquals(2 * PAGE, b.splice(a, 2 * PAGE).ret());
        assertEquals(2, b.ref(pfn), "mapping + the pipe buffer's FOLL_GET reference");
        assertEquals(0, b.k().phys.pincount(pfn));
        assertFalse(b.k().phys.maybeDmaPinned(pfn), "a FOLL_GET reference is not a pin");
        assertEquals(2, Pipe.pipeOf(b.t().fds.get(b.rfd())).bufs.size(), "one pipe_buffer per page");

        assertEquals(PAGE + 100, b.read(out, PAGE + 100).ret()); // the first buffer whole, 100 bytes of the second
        assertEquals(1, b.ref(pfn), "the emptied buffer was released (put_page())");
        assertEquals(2, b.ref(b.pfn(a + PAGE)), "the second buffer still holds its page");
        assertEquals(List.of(5L, 5L), b.values(out, 2 * PAGE));
        assertEquals(PAGE - 100, b.read(out, 2 * PAGE).ret(), "the rest of the second buffer");
        assertEquals(1, b.ref(b.pfn(a + PAGE)));
    }

    /** A write to the still-writable, exclusive page needs no fault: the pipe's page is that page, so the reader gets the new data. */
    @ParameterizedTest @FieldSource("ALL")
    void aWriteAfterVmspliceShowsThroughAWritablePage(Profile p) {
        Box b = box(p, 0);
        long a = b.anon(PAGE), out = b.anon(PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 5L).ok());
        long pfn = b.pfn(a);
        assertEquals(PAGE, b.splice(a, PAGE).ret());
        var w = UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 9L);
        assertEquals(0, w.faults(), "the PTE is writable");
        assertEquals(pfn, b.pfn(a));
        assertEquals(PAGE, b.read(out, PAGE).ret());
        assertEquals(List.of(9L), b.values(out, PAGE));
    }

    /**
     * The vmsplice/COW case (CVE-2020-29374): a child vmsplices a page it shares with its parent
     * and exits. The parent's write fault finds the page not PageAnonExclusive (fork cleared it)
     * and its refcount 2 (the parent's PTE and the pipe): do_wp_page() copies instead of reusing
     * (folio_ref_count() > 1 in 6.3.8; wp_can_reuse_anon_folio() in 6.19). The pipe keeps the old
     * page with the old data; the parent's new data never reaches the pipe.
     */
    @ParameterizedTest @FieldSource("ALL")
    void aChildsVmspliceDoesNotSeeTheParentsLaterWrite(Profile p) {
        Box b = box(p, 0);
        long a = b.anon(PAGE), out = b.anon(PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 5L).ok());
        long old = b.pfn(a);
        Task child = b.k().task((int) assertOk(Fork.copyProcess(b.k(), b.t())));
        assertEquals(PAGE, b.splice(child, a, PAGE, 0).ret());
        assertEquals(3, b.ref(old), "two PTEs and the pipe");
        assertOk(Exit.doExit(b.k(), child));
        assertEquals(2, b.ref(old));
        assertEquals(1, b.k().phys.mapcount(old));

        var w = UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 9L);
        assertEquals(1, w.faults(), "the PTE was write-protected at fork");
        assertNotEquals(old, b.pfn(a), "copied, not reused: the pipe holds a reference");
        assertEquals(1, b.ref(old), "only the pipe references the old page now");
        assertEquals(PAGE, b.read(out, PAGE).ret());
        assertEquals(List.of(5L), b.values(out, PAGE), "the pipe delivers the data as it was at vmsplice time");
        assertFalse(b.k().phys.isAllocated(old), "freed with the pipe's reference");
    }

    @Test
    void spliceFGiftMarksTheBuffersAndChangesNothingForARead() { // user_page_pipe_buf_try_steal() is the only reader of the flag
        Box b = box(Profile.V6_18, 0);
        long a = b.anon(PAGE), out = b.anon(PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 5L).ok());
        assertEquals(PAGE, b.splice(b.t(), a, PAGE, SpliceFlag.SPLICE_F_GIFT.value).ret());
        assertEquals(PIPE_BUF_FLAG_GIFT, Pipe.pipeOf(b.t().fds.get(b.rfd())).bufs.peekFirst().flags());
        assertEquals(PAGE, b.read(out, PAGE).ret());
        assertEquals(List.of(5L), b.values(out, PAGE));
        assertEquals(1, b.ref(b.pfn(a)));
    }

    @Test
    void aFullPipeTakesWhatFitsAndDropsTheRest() { // add_to_pipe(): pipe_full() -> -EAGAIN, the page released
        Box b = box(Profile.V6_18, 0);
        long a = b.anon(20 * PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), 20 * PAGE, true, 1L).ok());
        assertEquals(16 * PAGE, b.splice(a, 20 * PAGE).ret(), "PIPE_DEF_BUFFERS pages");
        assertEquals(2, b.ref(b.pfn(a + 15 * PAGE)));
        assertEquals(1, b.ref(b.pfn(a + 16 * PAGE)), "GUP's reference on a page that did not fit was put back");
        assertErr(Errno.EAGAIN, b.splice(b.t(), a, PAGE, SpliceFlag.SPLICE_F_NONBLOCK.value)); // wait_for_space()
        assertThrows(NotSimulatedException.class, () -> b.splice(a, PAGE), "a blocking vmsplice would sleep");
    }

    @Test
    void errnoRules() {
        Box b = box(Profile.V6_18, 04000); // O_NONBLOCK
        long a = b.anon(PAGE);
        Kernel k = b.k();
        Task t = b.t();
        assertErr(Errno.EINVAL, Pipe.vmsplice(k, t, b.wfd(), List.of(new Iovec(a, PAGE)), 0x10)); // flags & ~SPLICE_F_ALL
        assertErr(Errno.EBADF, Pipe.vmsplice(k, t, 42, List.of(new Iovec(a, PAGE)), 0));
        int file = (int) assertOk(Open.doSysOpen(k, t, "/mnt/ext4/f", O_RDWR | O_CREAT, PAGE));
        assertErr(Errno.EBADF, Pipe.vmsplice(k, t, file, List.of(new Iovec(a, PAGE)), 0)); // get_pipe_info(): not a pipe
        assertErr(Errno.EFAULT, Pipe.vmsplice(k, t, b.wfd(), List.of(new Iovec(0x7ffffffff000L, PAGE)), 0)); // access_ok()
        assertEquals(0, Pipe.vmsplice(k, t, b.wfd(), List.of(), 0).ret(), "nothing to splice");
        assertErr(Errno.EAGAIN, b.read(a, PAGE)); // pipe_read(): empty, writers, O_NONBLOCK
        assertErr(Errno.EBADF, Pipe.read(k, t, b.wfd(), a, PAGE)); // vfs_read(): no FMODE_READ
        assertErr(Errno.EFAULT, b.splice(b.anon(PAGE) + 64 * PAGE, PAGE)); // get_user_pages_fast() finds no VMA
        assertOk(Open.closeFd(k, t, b.rfd()));
        assertErr(Errno.EPIPE, b.splice(a, PAGE)); // wait_for_space(): no reader
    }

    @Test
    void closingBothEndsReleasesTheBuffers() { // pipe_release() -> free_pipe_info()
        Box b = box(Profile.V6_18, 0);
        long a = b.anon(PAGE);
        assertTrue(UserAccess.access(b.k(), b.t(), VirtAddr.of(a), PAGE, true, 5L).ok());
        assertEquals(PAGE, b.splice(a, PAGE).ret());
        assertOk(Open.closeFd(b.k(), b.t(), b.wfd()));
        assertEquals(2, b.ref(b.pfn(a)), "the reader may still read");
        assertOk(Open.closeFd(b.k(), b.t(), b.rfd()));
        assertEquals(1, b.ref(b.pfn(a)));
    }

    @Test
    void readingAnEmptyPipeWithoutWritersIsEndOfFile() {
        Box b = box(Profile.V6_18, 0);
        long a = b.anon(PAGE);
        assertOk(Open.closeFd(b.k(), b.t(), b.wfd()));
        assertEquals(0, b.read(a, PAGE).ret());
    }

    /** A page-cache page in a pipe outlives PUNCH_HOLE: the page leaves the file but the pipe still reads its data. */
    @Test
    void aSplicedFilePageOutlivesPunchHole() {
        Box b = box(Profile.V6_18, 0);
        Kernel k = b.k();
        Task t = b.t();
        int fd = (int) assertOk(Open.doSysOpen(k, t, "/dev/shm/f", O_RDWR | O_CREAT, PAGE));
        long a = assertOk(Mmap.doMmap(k, t, VirtAddr.of(0), PAGE, RW, MAP_SHARED, fd, 0)), out = b.anon(PAGE);
        assertTrue(UserAccess.access(k, t, VirtAddr.of(a), PAGE, true, 8L).ok());
        long pfn = b.pfn(a);
        assertEquals(PAGE, b.splice(a, PAGE).ret());
        assertEquals(3, b.ref(pfn), "page cache, PTE, pipe");
        assertEquals(0, Falloc.fallocate(k, t, fd, 0x03, 0, PAGE).ret());
        assertEquals(1, b.ref(pfn), "only the pipe's reference is left");
        assertNull(k.phys.mapping(pfn));
        assertEquals(PAGE, b.read(out, PAGE).ret());
        assertEquals(List.of(8L), b.values(out, PAGE));
        assertFalse(k.phys.isAllocated(pfn));
    }
}
