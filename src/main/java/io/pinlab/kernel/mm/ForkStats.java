package io.pinlab.kernel.mm;

/** What dup_mmap() (kernel/fork.c) did while copying a parent's address space, for fork()'s trace. */
final class ForkStats {
    /** Anonymous pages now copy-on-write in both processes. */
    long cowPages;
    /** Maybe-DMA-pinned exclusive anonymous pages copied for the child at once (copy_present_page()). */
    long copiedPinned;
    /** VM_DONTCOPY VMAs the child does not get. */
    long skippedVmas;
    /** 0, or the -errno that stopped the copy (-ENOMEM, -EINTR). */
    long err;
}
