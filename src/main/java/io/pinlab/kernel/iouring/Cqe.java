package io.pinlab.kernel.iouring;

import java.io.Serializable;

/** struct io_uring_cqe: user_data, res (bytes or -errno), flags. */
public record Cqe(long userData, int res, int flags) implements Serializable {
}
