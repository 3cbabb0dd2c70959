package io.pinlab.kernel.base;

import java.util.Collection;

/**
 * One named bit (or multi-bit value) of a system call's flags word, as the uapi headers define it:
 * the O_*, PROT_*, MAP_*, MREMAP_*, MFD_*, FALLOC_FL_*, SPLICE_F_* and FOLL_* enums.
 */
public interface UapiFlag {
    /** The flag's value in the kernel's flags word. */
    int value();

    /** The flags word of a set of flags: the OR of their values. */
    static int mask(Collection<? extends UapiFlag> flags) {
        int m = 0;
        for (UapiFlag f : flags) m |= f.value();
        return m;
    }
}
