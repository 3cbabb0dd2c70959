package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;

import java.util.Arrays;

/**
 * The simulated GUP driver, after mm/gup_test.c (the gup_test debugfs ioctl driver, and its
 * PIN_LONGTERM_TEST_START command that keeps the pages until a later command releases them): it
 * allocates a page array, calls the exported entry point a request names and keeps what came
 * back as a {@link Pin} until {@link Pins#release} puts it back.
 */
public final class GupTest {
    /** Largest nr_pages one request may ask for (16 GiB: twice the simulated RAM). */
    public static final long MAX_NR_PAGES = 1L << 22;

    private GupTest() {}

    /**
     * One driver call for {@code caller} (the *_remote variants walk the target's mm). The
     * request's counts must be within this driver's limits (0 <= nrPages <= {@link #MAX_NR_PAGES},
     * a pages array of at most {@link Gup#MAX_PAGES_ARRAY}), else IllegalArgumentException: a bug
     * in the caller. Invalid arguments are a kernel answer here: the WARN is printed once and the
     * entry point's own return value (0 or -EINVAL) comes back, with the rule broken.
     */
    public static GupResult call(Globals k, Task caller, GupRequest req) {
        if (req.nrPages() < 0 || req.nrPages() > MAX_NR_PAGES || req.pages() && req.nrPages() > Gup.MAX_PAGES_ARRAY)
            throw new IllegalArgumentException("nrPages " + req.nrPages() + " is outside this driver's limits");
        GupCall call = req.call();
        Task target = call.remote() && req.targetPid() != null ? k.task(req.targetPid()) : caller;
        Explain ex = new Explain();
        if (call.remote())
            ex.ok(call.name(), Gup.FILE, "remote mm of pid " + target.pid + " (FOLL_REMOTE; the caller holds its mmap_lock"
                    + (req.locked() == null ? ", locked == NULL: never dropped)" : ")"));
        // the driver allocates its page array before it calls GUP
        long ret;
        Pin pin = null;
        if (req.pages() && !k.reservePageArray(req.nrPages(), ex)) {
            ret = Errno.ENOMEM.neg();
        } else {
            long[] pages = req.pages() ? new long[(int) req.nrPages()] : null;
            Gup.Ctx c = new Gup.Ctx(k, target, ex);
            ret = entry(c, call, req.start().value(), req.nrPages(), req.gupFlags(), pages, req.vmas(), req.locked());
            if (ret > 0 && pages != null) {
                long[] pfns = ret == pages.length ? pages : Arrays.copyOf(pages, (int) ret);
                pin = k.pins.add(call, target.pid, req.start(), req.nrPages(), req.gupFlags(), pfns,
                        call.pins() ? Pin.Kind.FOLL_PIN : Pin.Kind.FOLL_GET);
            }
            // the driver keeps a page array only for the pages GUP returned
            if (req.pages()) k.releasePageArray(req.nrPages() - (pin == null ? 0 : pin.count()));
        }
        Errno errno = Errno.fromRet(ret);
        k.endCall();
        GupArgsViolation invalid = Gup.isValidGupArgs(k.profile, call, req.pages(), req.vmas(), req.locked(), req.gupFlags());
        return new GupResult(ret, errno, pin, ex.steps(), ex.warnings(), invalid);
    }

    /** The switch of __gup_test_ioctl(): the exported entry point the request names. */
    private static long entry(Gup.Ctx c, GupCall call, long start, long nrPages, int gupFlags, long[] pages,
                              boolean vmas, Integer locked) {
        return switch (call) {
            case get_user_pages -> Gup.getUserPages(c, start, nrPages, gupFlags, pages, vmas);
            case get_user_pages_fast -> Gup.getUserPagesFast(c, start, nrPages, gupFlags, pages);
            case get_user_pages_fast_only -> Gup.getUserPagesFastOnly(c, start, nrPages, gupFlags, pages);
            case get_user_pages_remote -> Gup.getUserPagesRemote(c, start, nrPages, gupFlags, pages, vmas, locked);
            case get_user_pages_unlocked -> Gup.getUserPagesUnlocked(c, start, nrPages, gupFlags, pages);
            case pin_user_pages -> Gup.pinUserPages(c, start, nrPages, gupFlags, pages, vmas);
            case pin_user_pages_fast -> Gup.pinUserPagesFast(c, start, nrPages, gupFlags, pages);
            case pin_user_pages_remote -> Gup.pinUserPagesRemote(c, start, nrPages, gupFlags, pages, vmas, locked);
            case pin_user_pages_unlocked -> Gup.pinUserPagesUnlocked(c, start, nrPages, gupFlags, pages);
        };
    }
}
