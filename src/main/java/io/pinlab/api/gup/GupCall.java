package io.pinlab.api.gup;

/** The GUP entry points a lab can call (mm/gup.c), spelled as in the kernel. */
public enum GupCall {
    get_user_pages,
    get_user_pages_fast,
    get_user_pages_fast_only,
    get_user_pages_remote,
    get_user_pages_unlocked,
    pin_user_pages,
    pin_user_pages_fast,
    pin_user_pages_remote,
    pin_user_pages_unlocked;

    /** Entry points that take a {@code locked} pointer (the *_remote ones). */
    public boolean takesLocked() {
        return this == get_user_pages_remote || this == pin_user_pages_remote;
    }

    /** Entry points that act on another process's mm. */
    public boolean remote() {
        return takesLocked();
    }
}
