package io.pinlab.kernel.base;

/**
 * A page frame number: physical address >> PAGE_SHIFT, the kernel's {@code unsigned long pfn}
 * (what page_to_pfn() gives for a {@code struct page *}). See the package comment for where the
 * kernel takes it instead of a raw long.
 */
public record Pfn(long value) {
    public static Pfn of(long value) { return new Pfn(value); }

    @Override
    public String toString() { return "pfn " + Explain.hex(value); }
}
