package io.pinlab.kernel.mm;

import io.pinlab.kernel.fs.Inode;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

import static io.pinlab.kernel.base.Explain.hex;
import static io.pinlab.kernel.mm.PhysMem.*;

/**
 * mm/migrate.c: moving folios to new frames. Its one caller here is
 * check_and_migrate_movable_pages() (mm/gup.c), which moves the folios a FOLL_LONGTERM pin found
 * in ZONE_MOVABLE to ZONE_NORMAL.
 */
final class Migrate {
    private Migrate() {}

    /**
     * What {@link #migratePages} did: for each old head the new one (-1 if it stayed), how many
     * stayed, and why the first of them did (null if all moved).
     */
    record Result(long[] newHeads, int failed, String failure) {}

    private static final int MIGRATE_FLAGS = PG_ANON | PG_DIRTY | PG_HUGETLB | PG_SECRETMEM | PG_LRU | PG_REFERENCED | PG_SWAPBACKED | PG_SWAPCACHE;

    /**
     * migrate_pages() to ZONE_NORMAL for the folios with these heads (sorted ascending): a folio
     * holding references beyond its mappings and the page cache (another pin, a get) cannot move
     * (folio_migrate_mapping() finds the refcount it expects differs); the others are copied,
     * every mapping is repointed (remove_migration_ptes()) and the old folios are freed.
     */
    static Result migratePages(Globals k, long[] heads) {
        PhysMem ph = k.phys;
        int nh = heads.length;
        long[] newHeads = new long[nh];
        int failed = 0;
        String failure = null;
        for (int j = 0; j < nh; j++) {
            long old = heads[j];
            int expected = folioExpectedRefs(ph, old);
            if (ph.refcount(old) != expected) {
                failed++;
                if (failure == null) failure = "pfn " + hex(old) + " has " + (ph.refcount(old) - expected)
                        + " extra references (another GUP get/pin holds it), so migrate_pages() cannot move it";
                newHeads[j] = -1;
                continue;
            }
            long nw = migrateFolio(k, old);
            if (nw < 0) {
                failed++;
                if (failure == null) failure = "no free frame in ZONE_NORMAL for pfn " + hex(old);
            }
            newHeads[j] = nw;
        }
        removeMigrationPtes(k, heads, newHeads);
        for (int j = 0; j < nh; j++) if (newHeads[j] >= 0) freeMigrated(k, heads[j]);
        return new Result(newHeads, failed, failure);
    }

    /** folio_expected_refs(): one reference per mapping, plus the page cache's (one per page) or the swap cache's. */
    private static int folioExpectedRefs(PhysMem ph, long head) {
        boolean cached = ph.mapping(head) instanceof Inode in && !in.isHugetlb() && in.pageCache.get(ph.index(head)) == head;
        return ph.mapcount(head) + (cached ? ph.folioNrPages(head) : ph.testPageFlag(head, PG_SWAPCACHE) ? 1 : 0);
    }

    /** migrate_folio(): a copy in ZONE_NORMAL with the same contents, flags, mapping and counts. */
    private static long migrateFolio(Globals k, long old) {
        PhysMem ph = k.phys;
        int order = ph.order(old);
        long nw = ph.allocFolio(Zone.NORMAL, order);
        if (nw < 0) return -1;
        int n = 1 << order;
        ph.setFolioFlags(nw, ph.flags(old) & MIGRATE_FLAGS);
        for (int i = 0; i < n; i++) {
            ph.copyPage(nw + i, old + i);
            if (ph.testPageFlag(old + i, PG_ANON_EXCLUSIVE)) ph.setPageFlag(nw + i, PG_ANON_EXCLUSIVE, true);
        }
        Object mapping = ph.mapping(old);
        long index = ph.index(old);
        ph.setMapping(nw, mapping, index);
        ph.refAdd(nw, ph.refcount(old) - 1);
        ph.mapcountAdd(nw, ph.mapcount(old));
        if (mapping instanceof Inode in && in.pageCache.get(index) == old) // __folio_migrate_mapping(): every slot of the folio
            for (int i = 0; i < (in.isHugetlb() ? 1 : n); i++) in.pageCache.set(index + i, nw + i);
        if (ph.testPageFlag(old, PG_SWAPCACHE)) k.swap.replaceCacheFolio(index, nw); // __folio_migrate_mapping(): the swap cache slot too
        return nw;
    }

    /** The old folio after a successful move: its mappings and references went to the new one, so it is freed. */
    private static void freeMigrated(Globals k, long old) {
        PhysMem ph = k.phys;
        ph.mapcountAdd(old, -ph.mapcount(old));
        ph.refAdd(old, -ph.refcount(old));
    }

    /** remove_migration_ptes(): every PTE / PMD leaf of every mm that mapped an old folio now maps the new one. */
    private static void removeMigrationPtes(Globals k, long[] olds, long[] news) {
        Map<Mm, Boolean> seen = new IdentityHashMap<>();
        for (Task t : k.tasks.values()) {
            Mm mm = t.mm;
            if (mm == null || seen.put(mm, Boolean.TRUE) != null) continue;
            mm.ptes.forEach(0, (Mm.TASK_SIZE >>> PAGE_SHIFT) + 1, (vpn, pte) -> {
                if (Pte.special(pte) || Pte.isSwap(pte)) return;
                long nw = relocate(k.phys, olds, news, Pte.pfn(pte));
                if (nw >= 0) mm.ptes.set(vpn, Pte.mk(nw, pte & 0xfffL));
            });
            mm.pmds.forEach(0, (Mm.TASK_SIZE >>> 21) + 1, (key, pmd) -> {
                long nw = relocate(k.phys, olds, news, Pte.pfn(pmd));
                if (nw >= 0) mm.pmds.set(key, Pte.mk(nw, pmd & 0xfffL));
            });
        }
    }

    private static long relocate(PhysMem ph, long[] olds, long[] news, long pfn) {
        int idx = Arrays.binarySearch(olds, pfn);
        if (idx < 0) idx = -idx - 2;
        if (idx < 0 || news[idx] < 0) return -1;
        long old = olds[idx];
        long size = (ph.flags(old) & PG_LARGE) != 0 ? HPAGE_NR : 1;
        if (pfn >= old + size) return -1;
        return news[idx] + (pfn - old);
    }
}
