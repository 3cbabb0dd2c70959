package io.pinlab.kernel.base;

/**
 * A user virtual address: the kernel's {@code unsigned long} address (or {@code void __user *}),
 * 64 bits compared unsigned. See the package comment for where the kernel takes it instead of a
 * raw long.
 */
public record VirtAddr(long value) {
    public static VirtAddr of(long value) { return new VirtAddr(value); }

    @Override
    public String toString() { return Explain.hex(value); }
}
