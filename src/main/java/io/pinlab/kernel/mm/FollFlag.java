package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.UapiFlag;

import java.util.ArrayList;
import java.util.List;

/**
 * FOLL_* flags. Public ones live in include/linux/mm_types.h, internal ones (bit 16 and up) in
 * mm/internal.h. Values have not changed from 6.3 to 6.18.
 * Bit 12 is FOLL_SAME_FILE in the seed proposal and FOLL_HONOR_NUMA_FAULT from 6.5.
 */
public enum FollFlag implements UapiFlag {
    FOLL_WRITE(1 << 0, Kind.CALLER),
    FOLL_GET(1 << 1, Kind.CALLER),
    FOLL_DUMP(1 << 2, Kind.CALLER),
    FOLL_FORCE(1 << 3, Kind.CALLER),
    FOLL_NOWAIT(1 << 4, Kind.CALLER),
    FOLL_NOFAULT(1 << 5, Kind.CALLER),
    FOLL_HWPOISON(1 << 6, Kind.CALLER),
    FOLL_ANON(1 << 7, Kind.CALLER),
    FOLL_LONGTERM(1 << 8, Kind.CALLER),
    FOLL_SPLIT_PMD(1 << 9, Kind.CALLER),
    FOLL_PCI_P2PDMA(1 << 10, Kind.CALLER),
    FOLL_INTERRUPTIBLE(1 << 11, Kind.CALLER),
    FOLL_HONOR_NUMA_FAULT(1 << 12, Kind.CALLER),
    FOLL_SAME_FILE(1 << 12, Kind.PROPOSED),
    FOLL_TOUCH(1 << 16, Kind.INTERNAL),
    FOLL_TRIED(1 << 17, Kind.INTERNAL),
    FOLL_REMOTE(1 << 18, Kind.INTERNAL),
    FOLL_PIN(1 << 19, Kind.INTERNAL),
    FOLL_FAST_ONLY(1 << 20, Kind.INTERNAL),
    FOLL_UNLOCKABLE(1 << 21, Kind.INTERNAL),
    FOLL_MADV_POPULATE(1 << 22, Kind.INTERNAL);

    /** caller: declared in mm_types.h; internal: mm/internal.h; proposed: never merged. */
    public enum Kind { CALLER, INTERNAL, PROPOSED }

    private final int value;
    private final Kind kind;

    FollFlag(int value, Kind kind) {
        this.value = value;
        this.kind = kind;
    }

    @Override
    public int value() { return value; }

    public Kind kind() { return kind; }

    /** Whether the profile's kernel defines this flag at all. */
    public boolean existsIn(Profile p) {
        return switch (this) {
            case FOLL_SAME_FILE -> p.follSameFile();
            case FOLL_HONOR_NUMA_FAULT -> p.follHonorNumaFault();
            case FOLL_MADV_POPULATE -> p.follMadvPopulate();
            default -> true;
        };
    }

    /** The flags the profile's kernel defines, in bit order. */
    public static List<FollFlag> definedIn(Profile p) {
        List<FollFlag> out = new ArrayList<>();
        for (FollFlag f : values()) if (f.existsIn(p)) out.add(f);
        return out;
    }
}
