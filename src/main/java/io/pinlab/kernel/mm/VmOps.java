package io.pinlab.kernel.mm;

/**
 * Which vm_operations_struct a VMA carries. vma_is_anonymous() is "no vm_ops" (ANON), which also
 * holds for a MAP_PRIVATE mapping of /dev/zero even though its vm_file is set (drivers/char/mem.c
 * mmap_zero -> vma_set_anonymous).
 */
public enum VmOps {
    /** vm_ops == NULL: anonymous memory. */
    ANON(false, false),
    /** ext4/xfs generic_file_vm_ops-like ops: page_mkwrite present, mapping can write back. */
    FILE(true, false),
    /** ext4 on fsdax: page_mkwrite and pfn_mkwrite (vma_is_fsdax). */
    FSDAX(true, true),
    /** shmem_vm_ops (tmpfs, memfd, MAP_SHARED|MAP_ANONYMOUS, /dev/zero shared): no page_mkwrite. */
    SHMEM(false, false),
    /** hugetlb_vm_ops. */
    HUGETLB(false, false),
    /** secretmem_vm_ops (mm/secretmem.c). */
    SECRETMEM(false, false),
    /** A driver's VM_IO|VM_PFNMAP device mapping (remap_pfn_range). */
    DEVICE(false, false);

    public final boolean pageMkwrite;
    public final boolean pfnMkwrite;

    VmOps(boolean pageMkwrite, boolean pfnMkwrite) {
        this.pageMkwrite = pageMkwrite;
        this.pfnMkwrite = pfnMkwrite;
    }
}
