package io.pinlab.kernel.iouring;


/** struct io_uring_cqe: user_data, res (bytes or -errno), flags. */
public record Cqe(long userData, int res, int flags) {
}
