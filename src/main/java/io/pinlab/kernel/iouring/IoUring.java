package io.pinlab.kernel.iouring;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.fs.OpenFile;

/** io_uring/io_uring.c, io_uring/register.c entry points. The io_uring work fills this in. */
public final class IoUring {
    private IoUring() {}

    /**
     * io_uring_release() -> io_ring_ctx_free(): called by fput() when the last reference to a
     * ring's file goes (close of the last fd, exit). Unregisters buffers and drops accounting.
     */
    public static void ringRelease(Kernel k, OpenFile ringFile) {
        // filled in by the io_uring work
    }
}
