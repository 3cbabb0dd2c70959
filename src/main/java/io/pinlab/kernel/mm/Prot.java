package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.UapiFlag;

/** PROT_* (include/uapi/asm-generic/mman-common.h). */
public enum Prot implements UapiFlag {
    PROT_NONE(0x0), PROT_READ(0x1), PROT_WRITE(0x2), PROT_EXEC(0x4), PROT_SEM(0x8),
    PROT_GROWSDOWN(0x01000000), PROT_GROWSUP(0x02000000);

    public final int value;

    Prot(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
