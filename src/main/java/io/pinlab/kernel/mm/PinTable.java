package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.VirtAddr;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Per-session GUP state kept in {@code Kernel.pins}: the simulated driver's pins (by id), and the
 * /proc/vmstat counters nr_foll_pin_acquired / nr_foll_pin_released.
 */
public final class PinTable {
    /** Released pins stay listed until this many newer ones have been released (bounds a session's memory). */
    public static final int MAX_RELEASED = 64;
    /** ... and while their page arrays together stay within this many entries (8 MiB of heap). */
    public static final long MAX_RELEASED_ENTRIES = 1L << 20;
    long releasedEntries;

    /**
     * By id, in id order: ids only grow ({@link #nextId}), so insertion order is id order (a hash
     * lookup per call instead of a tree walk; restore() inserts sorted).
     */
    LinkedHashMap<Long, Pin> pins = new LinkedHashMap<>();
    /** The most records {@link #pins} held since it was made: a hash table keeps its slots when entries go. */
    private int peak;
    /** Charged {@link MemCg#PIN_BYTES} per record kept, and the page arrays of released pins still listed. */
    private final MemCg memcg;
    final ArrayDeque<Long> released = new ArrayDeque<>();
    long nextId = 1;
    /** /proc/vmstat nr_foll_pin_acquired (per page). */
    public long nrFollPinAcquired;
    /** /proc/vmstat nr_foll_pin_released (per page). */
    public long nrFollPinReleased;
    /** gup_vma_lookup() prints its "GUP no longer grows the stack" line at most once an hour: once here. */
    boolean stackWarningPrinted;

    public PinTable(MemCg memcg) {
        this.memcg = memcg;
    }

    /** A new record; the caller reserved its page array and the margin for the record (Globals.reservePageArray()). */
    Pin add(GupCall call, int pid, VirtAddr start, long nrPages, int gupFlags, long[] pfns, Pin.Kind kind) {
        memcg.charge(MemCg.PIN_BYTES);
        Pin p = new Pin(nextId++, call, pid, start, nrPages, gupFlags, pfns, kind);
        pins.put(p.id(), p);
        peak = Math.max(peak, pins.size());
        return p;
    }

    /** Records a release; forgets the oldest released pins beyond {@link #MAX_RELEASED} or {@link #MAX_RELEASED_ENTRIES}. */
    void retire(Pin p) {
        released.addLast(p.id());
        releasedEntries += p.count();
        memcg.charge(p.count() * MemCg.PAGE_ENTRY_BYTES); // the listed record keeps the array the driver just freed
        while (released.size() > MAX_RELEASED || releasedEntries > MAX_RELEASED_ENTRIES && released.size() > 1) {
            long n = pins.remove(released.removeFirst()).count();
            releasedEntries -= n;
            memcg.uncharge(n * MemCg.PAGE_ENTRY_BYTES + MemCg.PIN_BYTES);
        }
        if (peak > 1024 && pins.size() < peak / 8) { // give back the slots of a table that held many more (order kept)
            pins = new LinkedHashMap<>(pins);
            peak = pins.size();
        }
    }

    /** Heap charged for the records listed and the page arrays of released ones still listed. */
    public long chargedBytes() { return pins.size() * MemCg.PIN_BYTES + releasedEntries * MemCg.PAGE_ENTRY_BYTES; }

    public List<Pin> all() { return new ArrayList<>(pins.values()); }

    public Pin find(long id) { return pins.get(id); }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    public long nextId() { return nextId; }

    public boolean stackWarningPrinted() { return stackWarningPrinted; }

    /** Ids of the released pins still listed, oldest release first (the order they are forgotten in). */
    public List<Long> releasedOrder() { return List.copyOf(released); }

    /** Replaces the table's content; {@code releasedOrder} names exactly the released pins of {@code all}. */
    public void restore(long nextId, boolean stackWarningPrinted, List<Pin> all, List<Long> releasedOrder) {
        pins = new LinkedHashMap<>();
        released.clear();
        releasedEntries = 0;
        for (Pin p : all.stream().sorted(Comparator.comparingLong(Pin::id)).toList()) {
            if (p.id() <= 0 || p.id() >= nextId || pins.put(p.id(), p) != null)
                throw new IllegalArgumentException("pin id " + p.id());
        }
        for (long id : releasedOrder) {
            Pin p = pins.get(id);
            if (p == null || !p.released() || released.contains(id)) throw new IllegalArgumentException("released pin id " + id);
            released.addLast(id);
            releasedEntries += p.count();
        }
        if (released.size() != pins.values().stream().filter(Pin::released).count())
            throw new IllegalArgumentException("a released pin is missing from the release order");
        this.nextId = nextId;
        this.stackWarningPrinted = stackWarningPrinted;
        peak = pins.size();
    }
}
