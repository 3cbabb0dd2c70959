package io.pinlab.kernel.mm;

import java.util.Optional;

/** The kernel functions a driver can release a page array with (mm/gup.c, include/linux/mm.h). */
public enum PinRelease {
    unpin_user_pages,
    unpin_user_pages_dirty_lock,
    put_page;

    public static Optional<PinRelease> byKernelName(String name) {
        for (PinRelease r : values()) if (r.name().equals(name)) return Optional.of(r);
        return Optional.empty();
    }
}
