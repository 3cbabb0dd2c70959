package io.pinlab.kernel.mm;

/** vm_flags bits (include/linux/mm.h) and their /proc/PID/smaps "VmFlags" mnemonics. */
public enum VmFlag {
    VM_READ(0x1L, "rd"),
    VM_WRITE(0x2L, "wr"),
    VM_EXEC(0x4L, "ex"),
    VM_SHARED(0x8L, "sh"),
    VM_MAYREAD(0x10L, "mr"),
    VM_MAYWRITE(0x20L, "mw"),
    VM_MAYEXEC(0x40L, "me"),
    VM_MAYSHARE(0x80L, "ms"),
    VM_GROWSDOWN(0x100L, "gd"),
    VM_PFNMAP(0x400L, "pf"),
    VM_LOCKED(0x2000L, "lo"),
    VM_SEQ_READ(0x8000L, "sr"),
    VM_RAND_READ(0x10000L, "rr"),
    VM_IO(0x4000L, "io"),
    VM_DONTCOPY(0x20000L, "dc"),
    VM_DONTEXPAND(0x40000L, "de"),
    VM_ACCOUNT(0x100000L, "ac"),
    VM_NORESERVE(0x200000L, "nr"),
    VM_HUGETLB(0x400000L, "ht"),
    VM_SYNC(0x800000L, "sf"),
    VM_WIPEONFORK(0x2000000L, "wf"),
    VM_DONTDUMP(0x4000000L, "dd"),
    VM_MIXEDMAP(0x10000000L, "mm"),
    VM_HUGEPAGE(0x20000000L, "hg"),
    VM_NOHUGEPAGE(0x40000000L, "nh"),
    VM_MERGEABLE(0x80000000L, "mg"),
    /** 6.11+ MAP_DROPPABLE (bit 40 on 64-bit). */
    VM_DROPPABLE(1L << 40, "dp");

    public final long bit;
    public final String mnemonic;

    VmFlag(long bit, String mnemonic) {
        this.bit = bit;
        this.mnemonic = mnemonic;
    }

    public static final long VM_READ_B = 0x1L, VM_WRITE_B = 0x2L, VM_EXEC_B = 0x4L, VM_SHARED_B = 0x8L,
            VM_MAYREAD_B = 0x10L, VM_MAYWRITE_B = 0x20L, VM_MAYEXEC_B = 0x40L, VM_MAYSHARE_B = 0x80L,
            VM_GROWSDOWN_B = 0x100L, VM_PFNMAP_B = 0x400L, VM_LOCKED_B = 0x2000L, VM_IO_B = 0x4000L,
            VM_DONTCOPY_B = 0x20000L, VM_DONTEXPAND_B = 0x40000L, VM_ACCOUNT_B = 0x100000L,
            VM_NORESERVE_B = 0x200000L, VM_HUGETLB_B = 0x400000L, VM_SYNC_B = 0x800000L,
            VM_WIPEONFORK_B = 0x2000000L, VM_DONTDUMP_B = 0x4000000L, VM_MIXEDMAP_B = 0x10000000L,
            VM_HUGEPAGE_B = 0x20000000L, VM_NOHUGEPAGE_B = 0x40000000L,
            VM_SEQ_READ_B = 0x8000L, VM_RAND_READ_B = 0x10000L, VM_MERGEABLE_B = 0x80000000L, VM_DROPPABLE_B = 1L << 40;

    /** The smaps VmFlags line for a flag word, in bit order. */
    public static String mnemonics(long flags) {
        StringBuilder sb = new StringBuilder();
        for (VmFlag f : values()) {
            if ((flags & f.bit) != 0) {
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(f.mnemonic);
            }
        }
        return sb.toString();
    }

    public static java.util.List<String> names(long flags) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (VmFlag f : values()) if ((flags & f.bit) != 0) out.add(f.name());
        return out;
    }
}
