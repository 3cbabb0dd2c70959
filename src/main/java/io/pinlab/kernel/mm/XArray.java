package io.pinlab.kernel.mm;


import java.util.Map;
import java.util.TreeMap;

/**
 * A sparse map from a page index to a non-zero long (lib/xarray.c in spirit): leaves of 512
 * slots, allocated on first store, freed when empty. Used for page tables (vpn -> pte) and page
 * caches (file index -> pfn). A 1 GiB range costs 512 leaves of 4 KiB; an untouched range costs
 * nothing. Zero means "no entry". Each leaf is charged to the owning session's memory cgroup
 * (page tables are __GFP_ACCOUNT in the kernel, and so are xarray nodes of the page cache).
 */
public final class XArray {
    static final int SHIFT = 9;
    static final int SLOTS = 1 << SHIFT;
    static final int MASK = SLOTS - 1;

    private static final class Leaf {
        final long[] slots;
        int used;

        Leaf() { this(new long[SLOTS]); }

        Leaf(long[] slots) { this.slots = slots; }
    }

    private final TreeMap<Long, Leaf> leaves = new TreeMap<>();
    private final MemCg memcg;
    private long count;
    // one-entry cache: page walks hit the same leaf 512 times in a row. It also remembers a
    // missing leaf (cachedLeaf null), so walks over an empty range (gup-fast over unpopulated
    // PMDs) do not search the TreeMap for every page. cacheValid is false until the first lookup.
    private long cachedKey = -1;
    private Leaf cachedLeaf;
    private boolean cacheValid;

    /** @param memcg charged {@link MemCg#LEAF_BYTES} per leaf */
    public XArray(MemCg memcg) {
        this.memcg = memcg;
    }

    private Leaf leaf(long key, boolean create) {
        if (cacheValid && key == cachedKey && (cachedLeaf != null || !create)) return cachedLeaf;
        return leafMiss(key, create);
    }

    // kept apart from leaf() so that the cache hit above stays small enough to be inlined
    private Leaf leafMiss(long key, boolean create) {
        if (!create && count == 0) return null; // an empty array: no lookup, no boxed key
        Leaf l = leaves.get(key);
        if (l == null && create) {
            memcg.charge(MemCg.LEAF_BYTES);
            l = new Leaf();
            leaves.put(key, l);
        }
        cachedKey = key;
        cachedLeaf = l;
        cacheValid = true;
        return l;
    }

    public long get(long index) {
        if (count == 0) return 0; // no boxing of the key on the (common) empty table
        Leaf l = leaf(index >>> SHIFT, false);
        return l == null ? 0 : l.slots[(int) (index & MASK)];
    }

    /** Stores {@code value} (0 erases) and returns the previous value. */
    public long set(long index, long value) {
        long key = index >>> SHIFT;
        Leaf l = leaf(key, value != 0);
        if (l == null) return 0;
        int slot = (int) (index & MASK);
        long old = l.slots[slot];
        l.slots[slot] = value;
        if (old == 0 && value != 0) { l.used++; count++; }
        if (old != 0 && value == 0) {
            l.used--; count--;
            if (l.used == 0) {
                leaves.remove(key);
                memcg.uncharge(MemCg.LEAF_BYTES);
                cachedLeaf = null;
                cachedKey = -1;
            }
        }
        return old;
    }

    public long count() { return count; }

    /** Leaves allocated (page-table pages, for oom_badness and the heap figures). */
    public long leaves() { return leaves.size(); }

    /** Whether storing at {@code index} needs a new leaf (pte_alloc() would allocate a page table). */
    public boolean needsLeaf(long index) { return leaf(index >>> SHIFT, false) == null; }

    public boolean isEmpty() { return count == 0; }

    /** Visitor over present entries. */
    @FunctionalInterface
    public interface EntryVisitor {
        void visit(long index, long value);
    }

    /**
     * Calls {@code v} for each present entry with from <= index < to, in index order. The visitor
     * may modify entries at or before the current index.
     */
    public void forEach(long from, long to, EntryVisitor v) {
        if (from >= to || count == 0) return;
        long lastKey = (to - 1) >>> SHIFT;
        // one lookup per leaf, not an iterator: the visitor may erase leaves (at or before this one)
        for (Map.Entry<Long, Leaf> e = leaves.ceilingEntry(from >>> SHIFT); e != null && e.getKey() <= lastKey;
             e = leaves.higherEntry(e.getKey())) {
            Leaf l = e.getValue();
            long base = e.getKey() << SHIFT;
            int lo = (int) Math.max(0, from - base), hi = (int) Math.min(SLOTS, to - base);
            for (int s = lo; s < hi; s++) {
                long val = l.slots[s];
                if (val != 0) v.visit(base + s, val);
            }
        }
    }

    /** Deep copy (fork copies page tables entry by entry; this is for snapshot/export). */
    public XArray copy() {
        XArray x = new XArray(memcg);
        for (Map.Entry<Long, Leaf> e : leaves.entrySet()) {
            memcg.charge(MemCg.LEAF_BYTES);
            Leaf n = new Leaf();
            System.arraycopy(e.getValue().slots, 0, n.slots, 0, SLOTS);
            n.used = e.getValue().used;
            x.leaves.put(e.getKey(), n);
        }
        x.count = count;
        return x;
    }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    /** Number of slots of one leaf (entries {@code key << 9} to {@code (key << 9) + 511}). */
    public static final int LEAF_SLOTS = SLOTS;

    @FunctionalInterface
    public interface LeafVisitor {
        /** {@code slots} is the live leaf (512 entries, at least one non-zero); do not modify it. */
        void visit(long key, long[] slots);
    }

    /** Visits the leaves in key order. */
    public void forEachLeaf(LeafVisitor v) {
        for (Map.Entry<Long, Leaf> e : leaves.entrySet()) v.visit(e.getKey(), e.getValue().slots);
    }

    /** Installs a leaf (its array is taken over): 512 slots, at least one non-zero, at a key not present yet. */
    public void restoreLeaf(long key, long[] slots) {
        if (slots.length != SLOTS || key < 0 || leaves.containsKey(key))
            throw new IllegalArgumentException("leaf " + key);
        Leaf l = new Leaf(slots);
        for (long s : slots) if (s != 0) l.used++;
        if (l.used == 0) throw new IllegalArgumentException("empty leaf " + key);
        leaves.put(key, l);
        count += l.used;
        cacheValid = false;
        cachedLeaf = null;
    }
}
