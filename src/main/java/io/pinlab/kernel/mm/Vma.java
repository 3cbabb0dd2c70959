package io.pinlab.kernel.mm;

import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.OpenFile;


import static io.pinlab.kernel.mm.VmFlag.*;

/** struct vm_area_struct: [start, end), vm_flags, vm_pgoff, vm_file, vm_ops. */
public final class Vma {
    public long start;
    public long end;
    public long flags;
    /** vm_pgoff: offset into the file in pages (for anonymous VMAs: start >> PAGE_SHIFT). */
    public long pgoff;
    /** vm_file (struct file identity matters: io_uring 6.3 compares pointers), or null. */
    public OpenFile file;
    public VmOps ops;
    /** Label shown in maps for special VMAs ("[stack]"), else null. */
    public String name;
    /**
     * vma->anon_vma identity (0 = none yet): set by anon_vma_prepare() at the first anonymous
     * page, shared by the halves of a split, fresh in a fork child. vma_merge() only merges
     * VMAs whose anon_vmas are equal or where one side has none (is_mergeable_anon_vma()).
     */
    public long anonVma;
    /** Huge pages this private hugetlb VMA still holds reserved (resv_map, mm/hugetlb.c). */
    public long hugeResv;
    /**
     * The flags a private hugetlb VMA keeps beside its resv_map (mm/hugetlb.c): {@link
     * Hugetlb#HPAGE_RESV_OWNER} for the mapping mmap() reserved, {@link Hugetlb#HPAGE_RESV_UNMAPPED}
     * once the owner's COW took a page away from this (forked) VMA.
     */
    public int hugeResvFlags;

    public Vma(long start, long end, long flags, long pgoff, OpenFile file, VmOps ops) {
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
        this.ops = ops;
    }

    public Vma copy() {
        Vma v = new Vma(start, end, flags, pgoff, file, ops);
        v.name = name;
        v.anonVma = anonVma;
        v.hugeResvFlags = hugeResvFlags; // vm_area_dup(): vm_private_data carries them
        return v;
    }

    public long length() { return end - start; }

    public long pages() { return (end - start) >>> PhysMem.PAGE_SHIFT; }

    public boolean has(long flagBits) { return (flags & flagBits) == flagBits; }

    /** vma_is_anonymous(): no vm_ops. */
    public boolean isAnonymous() { return ops == VmOps.ANON; }

    /** vma_is_shmem(). */
    public boolean isShmem() { return ops == VmOps.SHMEM; }

    /** is_vm_hugetlb_page(). */
    public boolean isHugetlb() { return (flags & VM_HUGETLB_B) != 0; }

    /** vma_is_fsdax(). */
    public boolean isFsdax() { return ops == VmOps.FSDAX; }

    /** vma_is_secretmem(). */
    public boolean isSecretmem() { return ops == VmOps.SECRETMEM; }

    /** is_cow_mapping(): VM_MAYWRITE set and VM_SHARED clear. */
    public boolean isCowMapping() { return (flags & (VM_SHARED_B | VM_MAYWRITE_B)) == VM_MAYWRITE_B; }

    /**
     * vma_needs_dirty_tracking() (mm/mmap.c in 6.5, mm/vma.c later): shared and writable, and
     * either the ops have page_mkwrite/pfn_mkwrite or the file's mapping can write back.
     */
    public boolean needsDirtyTracking() {
        if ((flags & (VM_SHARED_B | VM_WRITE_B)) != (VM_SHARED_B | VM_WRITE_B)) return false;
        if (ops.pageMkwrite || ops.pfnMkwrite) return true;
        return file != null && file.inode().fs().canWriteback() && (flags & VM_PFNMAP_B) == 0;
    }

    /** The permission column of /proc/PID/maps: "rw-p", "r--s"... (show_map_vma()). */
    public String perms() {
        return (has(VM_READ_B) ? "r" : "-") + (has(VM_WRITE_B) ? "w" : "-") + (has(VM_EXEC_B) ? "x" : "-")
                + (has(VM_MAYSHARE_B) ? "s" : "p");
    }

    /** File page index of {@code addr} (linear_page_index()). */
    public long pageIndex(long addr) { return ((addr - start) >>> PhysMem.PAGE_SHIFT) + pgoff; }

    public boolean contains(long addr) { return addr >= start && addr < end; }

    /** The file system this VMA's pages come from, or null for anonymous memory. */
    public FsType fsType() { return file == null ? null : file.inode().fs(); }
}
