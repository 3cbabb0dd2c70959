package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.SysResult;

import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Zone;

import java.util.List;

/**
 * /proc/sys/vm: vm.nr_hugepages (mm/hugetlb.c) and vm.max_map_count (mm/mmap.c); and the sysfs
 * files /sys/kernel/mm/transparent_hugepage/use_zero_page (mm/huge_memory.c) and
 * /sys/kernel/mm/hugepages/hugepages-NkB/nr_hugepages (mm/hugetlb.c, one per hstate), named
 * here in sysctl(8)'s dotted form below /sys/kernel/mm because the name is one path segment of the API.
 */
public final class Sysctl {
    public static final String THP_USE_ZERO_PAGE = "transparent_hugepage.use_zero_page";
    /** /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages: the default hstate, as vm.nr_hugepages. */
    public static final String NR_HUGEPAGES_2M = "hugepages.hugepages-2048kB.nr_hugepages";
    /** /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages: the 1 GiB pool. */
    public static final String NR_HUGEPAGES_1G = "hugepages.hugepages-1048576kB.nr_hugepages";
    public static final List<String> NAMES = List.of("vm.nr_hugepages", "vm.max_map_count", THP_USE_ZERO_PAGE, NR_HUGEPAGES_2M, NR_HUGEPAGES_1G);

    private Sysctl() {}

    /** The hstate an nr_hugepages file sizes, or null for the other names. */
    private static Hstate hstateOf(Kernel k, String name) {
        return switch (name) {
            case "vm.nr_hugepages", NR_HUGEPAGES_2M -> k.defaultHstate;
            case NR_HUGEPAGES_1G -> k.gigantic;
            default -> null;
        };
    }

    /** The current value; an unknown name is NoSuchObjectException (HTTP 404). */
    public static long get(Kernel k, String name) {
        Hstate h = hstateOf(k, name);
        if (h != null) return h.nrHugePages;
        return switch (name) {
            case "vm.max_map_count" -> k.maxMapCount;
            case THP_USE_ZERO_PAGE -> k.thpUseZeroPage ? 1 : 0;
            default -> throw new NoSuchObjectException("no sysctl " + name);
        };
    }

    /**
     * Writes a sysctl through the handler kernel/sysctl.c names for it. vm.nr_hugepages:
     * hugetlb_sysctl_handler() parses with proc_doulongvec_minmax() (mm/hugetlb.c); the sysfs
     * nr_hugepages_store() parses with kstrtoul(); both then run set_max_huge_pages() on their
     * hstate, which allocates huge pages one by one until the target or the first failure,
     * keeps what it got, and never frees pages in use or reserved; vm.max_map_count:
     * proc_dointvec_minmax() with a minimum of 0.
     */
    public static SysResult set(Kernel k, String name, long value) {
        Explain ex = new Explain();
        SysResult r;
        if (!NAMES.contains(name)) throw new NoSuchObjectException("no sysctl " + name);
        Hstate h = hstateOf(k, name);
        if (h != null) {
            if (value < 0) {
                if (name.equals("vm.nr_hugepages"))
                    ex.fail("proc_doulongvec_minmax", "kernel/sysctl.c", Errno.EINVAL, "hugetlb_sysctl_handler: a negative value is not an unsigned long");
                else
                    ex.fail("nr_hugepages_store", "mm/hugetlb.c", Errno.EINVAL, "kstrtoul(): a negative value is not an unsigned long");
                r = ex.error(Errno.EINVAL);
            } else {
                setMaxHugePages(k, h, value, ex);
                r = ex.result(0);
            }
        } else if (name.equals(THP_USE_ZERO_PAGE)) {
            if (value < 0 || value > 1) { // single_hugepage_flag_store(): kstrtoul, then only 0 or 1
                ex.fail("single_hugepage_flag_store", "mm/huge_memory.c", Errno.EINVAL, "use_zero_page takes 0 or 1");
                r = ex.error(Errno.EINVAL);
            } else {
                k.thpUseZeroPage = value == 1;
                ex.ok("single_hugepage_flag_store", "mm/huge_memory.c", value == 1
                        ? "read faults in THP-eligible ranges map the huge zero folio" : "read faults in THP-eligible ranges allocate a THP");
                r = ex.result(0);
            }
        } else if (value < 0 || value > Integer.MAX_VALUE) {
            ex.fail("proc_dointvec_minmax", "kernel/sysctl.c", Errno.EINVAL,
                    value < 0 ? "below the minimum 0 (extra1 = SYSCTL_ZERO)" : "does not fit an int");
            r = ex.error(Errno.EINVAL);
        } else {
            k.maxMapCount = value;
            ex.ok("proc_dointvec_minmax", "kernel/sysctl.c", "vm.max_map_count = " + value);
            r = ex.result(0);
        }
        k.endCall();
        return r;
    }

    /**
     * set_max_huge_pages() (mm/hugetlb.c). Growing: as many pages of h's size as the allocator
     * still has (alloc_pool_huge_folio(), alloc_gigantic_folio() for 1 GiB, until it fails), so the
     * pool read back is what fits in free memory. Shrinking: down to the target, but never below
     * the pages in use plus the reserved ones (min_count). The pool's free pages are taken from
     * ZONE_NORMAL when a fault needs them.
     */
    private static void setMaxHugePages(Kernel k, Hstate h, long count, Explain ex) {
        long pool = h.nrHugePages;
        if (count > pool) {
            long avail = h.isGigantic() ? k.phys.giganticFoliosAvailable(Zone.NORMAL) : k.phys.hugeFoliosAvailable(Zone.NORMAL);
            long fits = h.inUse + avail;
            pool = Math.max(pool, Math.min(count, fits));
        } else {
            pool = Math.max(count, h.inUse + h.resvHugePages);
        }
        h.nrHugePages = pool;
        String kb = (h.size() >> 10) + " kB";
        String why = pool == count ? h.name() + " pool is now " + pool + " huge pages"
                : count > pool ? "asked for " + count + ", the " + kb + " pool has " + pool
                + ": " + (h.isGigantic() ? "alloc_gigantic_folio() found no more free 1 GiB ranges" : "alloc_pool_huge_folio() found no more free 2 MiB blocks")
                + "; the pool keeps what it got"
                : "pool kept at " + pool + ": " + h.inUse + " in use and " + h.resvHugePages
                + " reserved cannot be freed";
        ex.ok("set_max_huge_pages", "mm/hugetlb.c", why);
    }
}
