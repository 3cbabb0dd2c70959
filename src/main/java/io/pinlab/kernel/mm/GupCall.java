package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;

/**
 * The exported GUP entry points (mm/gup.c), with what each one forces into gup_flags
 * ({@code to_set} of is_valid_gup_args()) and how it behaves.
 */
public enum GupCall {
    get_user_pages(FollBits.FOLL_TOUCH, false, false, false, Path.LOCKED),
    get_user_pages_fast(FollBits.FOLL_GET, true, false, false, Path.FAST),
    get_user_pages_fast_only(FollBits.FOLL_GET | FollBits.FOLL_FAST_ONLY, true, false, false, Path.FAST),
    get_user_pages_remote(FollBits.FOLL_TOUCH | FollBits.FOLL_REMOTE, false, true, false, Path.LOCKED),
    get_user_pages_unlocked(FollBits.FOLL_TOUCH | FollBits.FOLL_UNLOCKABLE, false, false, false, Path.LOCKED),
    pin_user_pages(FollBits.FOLL_PIN, false, false, true, Path.LONGTERM),
    pin_user_pages_fast(FollBits.FOLL_PIN, true, false, false, Path.FAST),
    pin_user_pages_remote(FollBits.FOLL_PIN | FollBits.FOLL_TOUCH | FollBits.FOLL_REMOTE, false, true, true, Path.LONGTERM),
    pin_user_pages_unlocked(FollBits.FOLL_PIN | FollBits.FOLL_TOUCH | FollBits.FOLL_UNLOCKABLE, false, false, true, Path.LONGTERM);

    /** Which internal driver the entry point calls. */
    public enum Path {
        /** __get_user_pages_locked() */
        LOCKED,
        /** __gup_longterm_locked() */
        LONGTERM,
        /** internal_get_user_pages_fast() / gup_fast_fallback() */
        FAST
    }

    private final int toSet;
    private final boolean fast;
    private final boolean remote;
    private final boolean returnsZeroOnInvalidArgs;
    private final Path path;

    GupCall(int toSet, boolean fast, boolean remote, boolean returnsZeroOnInvalidArgs, Path path) {
        this.toSet = toSet;
        this.fast = fast;
        this.remote = remote;
        this.returnsZeroOnInvalidArgs = returnsZeroOnInvalidArgs;
        this.path = path;
    }

    /** Flags the entry point ORs in through is_valid_gup_args(..., to_set). */
    public int toSet() { return toSet; }

    /** gup-fast entry points (int nr_pages, no mmap_lock held by the caller). */
    public boolean fast() { return fast; }

    /** *_remote: takes an mm and a {@code locked} pointer. */
    public boolean remote() { return remote; }

    /** Only the *_remote entry points take a {@code locked} pointer from their caller. */
    public boolean takesLocked() { return remote; }

    /** Pins (FOLL_PIN in to_set) rather than gets. */
    public boolean pins() { return (toSet & FollBits.FOLL_PIN) != 0; }

    public Path path() { return path; }

    /**
     * What the entry point returns when is_valid_gup_args() fails: 0 for pin_user_pages,
     * pin_user_pages_remote and pin_user_pages_unlocked, -EINVAL for every other one
     * (the same from 6.3 to 6.18).
     */
    public long invalidArgsRet() { return returnsZeroOnInvalidArgs ? 0 : Errno.EINVAL.neg(); }

    /** The {@code locked} value the entry point itself passes to __get_user_pages_locked()
     *  when the caller gives none: 1 (caller holds mmap_lock) or 0 (GUP takes it). */
    int internalLocked() {
        return switch (this) {
            case get_user_pages_unlocked, pin_user_pages_unlocked, get_user_pages_fast,
                 get_user_pages_fast_only, pin_user_pages_fast -> 0;
            default -> 1;
        };
    }
}
