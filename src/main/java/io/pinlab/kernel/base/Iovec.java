package io.pinlab.kernel.base;


/**
 * struct iovec (include/uapi/linux/uio.h): {@code base} and {@code len} are unsigned 64-bit values
 * (void *, size_t). A uapi type that io_uring and mm (process_vm_readv/writev) both take.
 */
public record Iovec(long base, long len) {
}
