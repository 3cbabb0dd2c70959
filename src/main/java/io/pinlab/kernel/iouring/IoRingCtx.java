package io.pinlab.kernel.iouring;

import java.io.Serializable;

/** struct io_ring_ctx: filled in by the io_uring work (io_uring/io_uring.c, io_uring/rsrc.c). */
public final class IoRingCtx implements Serializable {
}
