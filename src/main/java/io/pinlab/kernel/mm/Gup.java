package io.pinlab.kernel.mm;

/** mm/gup.c. The GUP work fills this in. */
public final class Gup {
    /** GUP_PIN_COUNTING_BIAS (include/linux/mm.h): what one FOLL_PIN adds to a small folio's refcount. */
    public static final int GUP_PIN_COUNTING_BIAS = 1 << 10;

    private Gup() {}
}
