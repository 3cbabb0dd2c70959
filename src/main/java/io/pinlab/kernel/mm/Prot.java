package io.pinlab.kernel.mm;

import java.util.Set;

/** PROT_* (include/uapi/asm-generic/mman-common.h). */
public enum Prot {
    PROT_NONE(0x0), PROT_READ(0x1), PROT_WRITE(0x2), PROT_EXEC(0x4), PROT_SEM(0x8),
    PROT_GROWSDOWN(0x01000000), PROT_GROWSUP(0x02000000);

    public final int value;

    Prot(int value) { this.value = value; }

    public static int mask(Set<Prot> s) {
        int m = 0;
        for (Prot p : s) m |= p.value;
        return m;
    }
}
