package io.pinlab.kernel.iouring;


/** struct iovec: {@code base} and {@code len} are unsigned 64-bit values (void *, size_t). */
public record Iovec(long base, long len) {
}
