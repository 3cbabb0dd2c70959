package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.Lab;
import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static io.pinlab.kernel.Lab.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Invariants of try_grab_page / try_grab_folio / gup_put_folio (mm/gup.c): after any
 * sequence of gets, pins and releases, with munmap and exit interleaved, every refcount and
 * _pincount returns to what the mappings alone hold, and once everything is unmapped every frame
 * is free again. A pin never references a freed frame.
 */
class GupPropertiesTest {

    sealed interface Op permits Touch, Take, Release, Unmap, ExitWorker {}

    record Touch(int region, int first, int n, boolean write) implements Op {}

    /** kind: 0 get_user_pages, 1 pin_user_pages, 2 pin_user_pages_fast, 3 get_user_pages_fast, 4 pin FOLL_LONGTERM, 5 pin_user_pages_remote. */
    record Take(int region, int first, int n, int kind, boolean write) implements Op {}

    record Release(int which, boolean dirty) implements Op {}

    record Unmap(int region) implements Op {}

    record ExitWorker() implements Op {}

    /** 300 reproducible cases: a failing seed is in the test name; rerun it alone to debug. */
    static LongStream seeds() { return LongStream.range(0, 300); }

    /** 1 to 30 operations, weighted touch 3 : take 7 : release 4 : unmap 1 : exit 1. */
    static List<Op> ops(Random r) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(30); i < n; i++) {
            int w = r.nextInt(16);
            ops.add(w < 3 ? new Touch(r.nextInt(4), r.nextInt(8), r.nextInt(7), r.nextBoolean())
                    : w < 10 ? new Take(r.nextInt(4), r.nextInt(8), r.nextInt(7), r.nextInt(6), r.nextBoolean())
                    : w < 14 ? new Release(r.nextInt(41), r.nextBoolean())
                    : w < 15 ? new Unmap(r.nextInt(4))
                    : new ExitWorker());
        }
        return ops;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void countsReturnToStartAndFramesAreFreed(long seed) {
        Random rnd = new Random(seed);
        Profile profile = Profile.ALL.get(rnd.nextInt(Profile.ALL.size()));
        boolean movable = rnd.nextBoolean();
        List<Op> ops = ops(rnd);
        Lab f = new Lab(profile, movable);
        Task worker = f.k.createTask(1, "worker", 1000, false, 8 << 20);
        Task[] owner = {f.t, f.t, f.t, worker};
        long[] base = new long[4], mapStart = new long[4], mapLen = new long[4];
        // regions separated by read-only one-page VMAs so that VMA merging keeps them apart
        base[0] = mapStart[0] = f.anon(8 * PAGE_SIZE, RW);
        mapLen[0] = 8 * PAGE_SIZE;
        f.anon(PAGE_SIZE, PROT_READ);
        base[1] = mapStart[1] = f.anon(8 * PAGE_SIZE, RW | PROT_EXEC);
        mapLen[1] = 8 * PAGE_SIZE;
        f.anon(PAGE_SIZE, PROT_READ);
        mapStart[2] = f.anon(2 * HUGE, RW);
        mapLen[2] = 2 * HPAGE_SIZE;
        assertOk(f.madvise(mapStart[2], mapLen[2], MADV_HUGEPAGE));
        base[2] = (mapStart[2] + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        base[3] = mapStart[3] = f.map(worker, 8 * PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        mapLen[3] = 8 * PAGE_SIZE;
        boolean[] mapped = {true, true, true, true};
        long framesAtStart = f.usedFrames();
        int zeroAtStart = f.ref(ZERO_PFN);
        List<Pin> held = new ArrayList<>();

        for (Op op : ops) {
            switch (op) {
                case Touch t -> {
                    if (!mapped[t.region()]) break;
                    int n = Math.min(t.n(), 8 - t.first());
                    f.touch(owner[t.region()], base[t.region()] + t.first() * PAGE_SIZE, n, t.write());
                }
                case Take t -> {
                    if (!f.k.tasks.containsKey(owner[t.region()].pid)) break;
                    GupCall call = switch (t.kind()) {
                        case 0 -> GupCall.get_user_pages;
                        case 1, 4 -> GupCall.pin_user_pages;
                        case 2 -> GupCall.pin_user_pages_fast;
                        case 3 -> GupCall.get_user_pages_fast;
                        default -> GupCall.pin_user_pages_remote;
                    };
                    int flags = (t.write() ? FOLL_WRITE : 0) | (t.kind() == 4 ? FOLL_LONGTERM : 0);
                    Task caller = call.remote() ? f.t : owner[t.region()];
                    GupRequest req = new GupRequest(call, VirtAddr.of(base[t.region()] + t.first() * PAGE_SIZE), t.n(), flags, true, false,
                            null, call.remote() ? owner[t.region()].pid : null);
                    GupResult r = f.gup(caller, req);
                    assertTrue(r.ret() <= t.n());
                    if (r.pin() != null) held.add(r.pin());
                }
                case Release r -> {
                    if (held.isEmpty()) break;
                    Pin p = held.remove(r.which() % held.size());
                    PinRelease how = p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page
                            : r.dirty() ? PinRelease.unpin_user_pages_dirty_lock : PinRelease.unpin_user_pages;
                    Pins.release(f.k, p.id(), how, r.dirty());
                }
                case Unmap u -> {
                    if (!mapped[u.region()] || !f.k.tasks.containsKey(owner[u.region()].pid)) break;
                    assertEquals(0, f.munmap(owner[u.region()], mapStart[u.region()], mapLen[u.region()]).ret());
                    mapped[u.region()] = false;
                }
                case ExitWorker e -> {
                    if (!f.k.tasks.containsKey(worker.pid)) break;
                    f.exit(worker);
                    mapped[3] = false;
                }
            }
            // a pin never references a freed frame, and its pages still look pinned
            for (Pin p : held) {
                for (long pfn : p.pfns()) {
                    assertTrue(f.k.phys.isAllocated(pfn), "pin " + p.id() + " references freed pfn 0x" + Long.toHexString(pfn));
                    if (p.kind() == Pin.Kind.FOLL_PIN && !(pfn == ZERO_PFN && profile.zeroPagePinNoop()))
                        assertTrue(f.k.phys.maybeDmaPinned(pfn));
                }
            }
        }
        // release what the driver still holds: the counts go back to what the mappings hold
        for (Pin p : held)
            Pins.release(f.k, p.id(), p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page : PinRelease.unpin_user_pages, false);
        assertEquals(f.k.pins.nrFollPinAcquired, f.k.pins.nrFollPinReleased);
        assertEquals(zeroAtStart, f.ref(ZERO_PFN));
        for (Task t : f.k.tasks.values()) {
            t.mm.ptes.forEach(0, (Mm.TASK_SIZE >>> PAGE_SHIFT) + 1, (vpn, pte) -> {
                if (Pte.special(pte)) return;
                long pfn = Pte.pfn(pte);
                assertEquals(0, f.pincount(pfn));
                if (!f.k.phys.isLarge(pfn)) assertEquals(f.k.phys.mapcount(pfn), f.ref(pfn), "refcount == mappings");
            });
            t.mm.pmds.forEach(0, (Mm.TASK_SIZE >>> 21) + 1, (key, pmd) -> {
                assertEquals(0, f.pincount(Pte.pfn(pmd)));
                if (HugeMemory.isHugeZeroPmd(f.k, pmd)) { // set_huge_zero_folio(): mappings take no reference, the kernel holds one
                    assertEquals(1, f.ref(Pte.pfn(pmd)));
                    return;
                }
                assertEquals(f.k.phys.mapcount(Pte.pfn(pmd)), f.ref(Pte.pfn(pmd)));
            });
        }
        // unmap everything: every frame is free again
        for (Vma v : new ArrayList<>(f.t.mm.vmas.values())) f.munmap(f.t, v.start, v.length());
        if (f.k.tasks.containsKey(worker.pid)) f.exit(worker);
        // the huge zero folio, once a read fault allocated it, stays (mm_get_huge_zero_folio(); no shrinker here)
        assertEquals(framesAtStart + (f.k.hugeZeroPfn >= 0 ? HPAGE_NR : 0), f.usedFrames());
        assertEquals(0, f.k.heldPageEntries(), "released pins gave their page arrays back");
    }
}
