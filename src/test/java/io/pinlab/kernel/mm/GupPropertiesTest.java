package io.pinlab.kernel.mm;

import io.pinlab.kernel.Profile;
import io.pinlab.kernel.Task;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.List;

import static io.pinlab.kernel.mm.GupFixture.*;
import static io.pinlab.kernel.mm.PhysMem.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Invariants of try_grab_page / try_grab_folio / gup_put_folio (reference/gup.md 3.7): after any
 * sequence of gets, pins and releases, with munmap and exit interleaved, every refcount and
 * _pincount returns to what the mappings alone hold, and once everything is unmapped every frame
 * is free again. A pin never references a freed frame.
 */
class GupPropertiesTest {

    sealed interface Op permits Touch, Take, Release, Unmap, ExitWorker {}

    record Touch(int region, int first, int n, boolean write) implements Op {}

    /** kind: 0 get_user_pages, 1 pin_user_pages, 2 pin_user_pages_fast, 3 get_user_pages_fast, 4 pin LONGTERM, 5 pin_user_pages_remote. */
    record Take(int region, int first, int n, int kind, boolean write) implements Op {}

    record Release(int which, boolean dirty) implements Op {}

    record Unmap(int region) implements Op {}

    record ExitWorker() implements Op {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> region = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> first = Arbitraries.integers().between(0, 7);
        Arbitrary<Integer> n = Arbitraries.integers().between(0, 6);
        Arbitrary<Op> touch = Combinators.combine(region, first, n, Arbitraries.of(true, false)).as(Touch::new);
        Arbitrary<Op> take = Combinators.combine(region, first, n, Arbitraries.integers().between(0, 5), Arbitraries.of(true, false)).as(Take::new);
        Arbitrary<Op> release = Combinators.combine(Arbitraries.integers().between(0, 40), Arbitraries.of(true, false)).as(Release::new);
        Arbitrary<Op> unmap = region.map(Unmap::new);
        Arbitrary<Op> exit = Arbitraries.just(new ExitWorker());
        return Arbitraries.frequencyOf(Tuple.of(3, touch), Tuple.of(7, take), Tuple.of(4, release), Tuple.of(1, unmap), Tuple.of(1, exit))
                .list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<Profile> profiles() { return Arbitraries.of(Profile.ALL); }

    @Property(tries = 300)
    void countsReturnToStartAndFramesAreFreed(@ForAll("ops") List<Op> ops, @ForAll("profiles") Profile profile, @ForAll boolean movable) {
        GupFixture f = new GupFixture(profile, movable);
        Task worker = f.k.createTask(1, "worker", 1000, false, 8 << 20);
        Task[] owner = {f.t, f.t, f.t, worker};
        long[] base = new long[4], mapStart = new long[4], mapLen = new long[4];
        // regions separated by read-only one-page VMAs so that VMA merging keeps them apart
        base[0] = mapStart[0] = f.mmapAnon(8, RW);
        mapLen[0] = 8 * PAGE_SIZE;
        f.mmapAnon(1, R);
        base[1] = mapStart[1] = f.mmapAnon(8, RW | Prot.PROT_EXEC.value);
        mapLen[1] = 8 * PAGE_SIZE;
        f.mmapAnon(1, R);
        mapStart[2] = f.mmapAnon(2 * 512, RW);
        mapLen[2] = 2 * HPAGE_SIZE;
        f.vma(mapStart[2]).flags |= VmFlag.VM_HUGEPAGE_B;
        base[2] = (mapStart[2] + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
        base[3] = mapStart[3] = Mmap.doMmap(f.k, worker, 0, 8 * PAGE_SIZE, RW, PRIVATE | ANON, -1, 0).ret();
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
                    int flags = (t.write() ? WRITE : 0) | (t.kind() == 4 ? LONGTERM : 0);
                    Task caller = call.remote() ? f.t : owner[t.region()];
                    GupRequest req = new GupRequest(call, base[t.region()] + t.first() * PAGE_SIZE, t.n(), flags, true, false,
                            null, call.remote() ? owner[t.region()].pid : null);
                    GupResult r = Gup.call(f.k, caller, req);
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
                    assertEquals(0, Mmap.doMunmap(f.k, owner[u.region()], mapStart[u.region()], mapLen[u.region()]).ret());
                    mapped[u.region()] = false;
                }
                case ExitWorker e -> {
                    if (!f.k.tasks.containsKey(worker.pid)) break;
                    Exit.doExit(f.k, worker);
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
                assertEquals(f.k.phys.mapcount(Pte.pfn(pmd)), f.ref(Pte.pfn(pmd)));
            });
        }
        // unmap everything: every frame is free again
        for (Vma v : new ArrayList<>(f.t.mm.vmas.values())) Mmap.doMunmap(f.k, f.t, v.start, v.length());
        if (f.k.tasks.containsKey(worker.pid)) Exit.doExit(f.k, worker);
        assertEquals(framesAtStart, f.usedFrames());
    }
}
