package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.base.SysResult;

import java.util.List;

/**
 * The simulated driver's pins (what a driver keeps after get_user_pages / pin_user_pages) and
 * their release. A pin must be released the way it was taken: FOLL_PIN with
 * unpin_user_pages[_dirty_lock], FOLL_GET with put_page. The kernel does not check this (it
 * would silently corrupt the counts), so the simulator refuses a mismatch or a second release
 * with {@link StateConflictException} (HTTP 409) instead of corrupting its state.
 * Released pins stay listed ({@code released: true}) until {@link PinTable#MAX_RELEASED} newer
 * ones have been released; then they are forgotten (404).
 */
public final class Pins {
    private Pins() {}

    /** Every pin of the session, released ones included, oldest first. */
    public static List<Pin> list(Globals k) { return k.pins.all(); }

    /** The pin with this id, or NoSuchObjectException (404). */
    public static Pin get(Globals k, long id) {
        Pin p = k.pins.find(id);
        if (p == null) throw new NoSuchObjectException("no pin with id " + id);
        return p;
    }

    /** {@link #release(Globals, long, PinRelease, boolean)} with the kernel function's name; unknown names are IllegalArgumentException (400). */
    public static SysResult release(Globals k, long id, String how, boolean makeDirty) {
        PinRelease r = PinRelease.byKernelName(how).orElseThrow(() -> new IllegalArgumentException(
                "how must be one of unpin_user_pages, unpin_user_pages_dirty_lock, put_page"));
        return release(k, id, r, makeDirty);
    }

    /**
     * Releases a pin: unpin_user_pages(), unpin_user_pages_dirty_lock(pages, n, makeDirty) or
     * put_page() on each page. Returns ret 0 (the kernel functions are void); folios whose
     * refcount reaches zero are freed (for example after munmap or exit).
     */
    public static SysResult release(Globals k, long id, PinRelease how, boolean makeDirty) {
        Pin pin = get(k, id);
        if (pin.released())
            throw new StateConflictException("pin " + id + " was already released with " + pin.releasedHow()
                    + "; releasing it again would drop references the driver no longer holds: in the kernel the refcount "
                    + "underflows and the pages are freed while still in use (use-after-free)");
        if (pin.kind() == Pin.Kind.FOLL_PIN && how == PinRelease.put_page)
            throw new StateConflictException("pin " + id + " was taken with FOLL_PIN by " + pin.call()
                    + ": each page holds GUP_PIN_COUNTING_BIAS (1024) references on a small folio, or one reference plus "
                    + "one _pincount on a large folio. put_page() drops a single reference, so the kernel would silently "
                    + "corrupt the counts and the folios would look DMA-pinned forever (leaked). Release it with "
                    + "unpin_user_pages or unpin_user_pages_dirty_lock");
        if (pin.kind() == Pin.Kind.FOLL_GET && how != PinRelease.put_page)
            throw new StateConflictException("pin " + id + " was taken with FOLL_GET by " + pin.call()
                    + ": each page holds one plain reference. " + how + " would subtract GUP_PIN_COUNTING_BIAS (1024) "
                    + "(or a _pincount that was never raised): in the kernel the refcount underflows and the page is "
                    + "freed while still mapped. Release it with put_page");
        long usedBefore = k.phys.usedFrames(Zone.NORMAL) + k.phys.usedFrames(Zone.MOVABLE);
        long[] pfns = pin.pfnsUnsafe();
        Explain ex = new Explain();
        switch (how) {
            case unpin_user_pages -> Gup.unpinUserPages(k, pfns, pfns.length);
            case unpin_user_pages_dirty_lock -> Gup.unpinUserPagesDirtyLock(k, pfns, pfns.length, makeDirty);
            case put_page -> Gup.putPages(k, pfns, pfns.length);
        }
        pin.markReleased(how);
        k.releasePageArray(pin.count());
        k.pins.retire(pin);
        long freed = usedBefore - (k.phys.usedFrames(Zone.NORMAL) + k.phys.usedFrames(Zone.MOVABLE));
        String what = switch (how) {
            case unpin_user_pages -> "dropped " + pfns.length + " FOLL_PIN pins";
            case unpin_user_pages_dirty_lock -> (makeDirty ? "marked the folios dirty (folio_mark_dirty) and " : "")
                    + "dropped " + pfns.length + " FOLL_PIN pins";
            case put_page -> "dropped " + pfns.length + " FOLL_GET references";
        };
        ex.ok(how.name(), how == PinRelease.put_page ? "include/linux/mm.h" : Gup.FILE, what
                + (freed > 0 ? "; " + freed + " page frames were freed (no mapping or cache referenced them any more)" : ""));
        return k.endCall(ex, 0);
    }
}
