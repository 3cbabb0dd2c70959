package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.SysResult;

import io.pinlab.kernel.mm.Zone;

import java.util.List;

/**
 * /proc/sys/vm: vm.nr_hugepages (mm/hugetlb.c) and vm.max_map_count (mm/mmap.c); and the sysfs
 * switch /sys/kernel/mm/transparent_hugepage/use_zero_page (mm/huge_memory.c), named here in
 * sysctl(8)'s dotted form because the name is one path segment of the API.
 */
public final class Sysctl {
    public static final String THP_USE_ZERO_PAGE = "transparent_hugepage.use_zero_page";
    public static final List<String> NAMES = List.of("vm.nr_hugepages", "vm.max_map_count", THP_USE_ZERO_PAGE);

    private Sysctl() {}

    /** The current value; an unknown name is NoSuchObjectException (HTTP 404). */
    public static long get(Kernel k, String name) {
        return switch (name) {
            case "vm.nr_hugepages" -> k.nrHugepages;
            case "vm.max_map_count" -> k.maxMapCount;
            case THP_USE_ZERO_PAGE -> k.thpUseZeroPage ? 1 : 0;
            default -> throw new NoSuchObjectException("no sysctl " + name);
        };
    }

    /**
     * Writes a sysctl through the handler kernel/sysctl.c names for it. vm.nr_hugepages:
     * hugetlb_sysctl_handler() parses with proc_doulongvec_minmax() (mm/hugetlb.c), then
     * set_max_huge_pages() allocates huge pages one by one until the target or the first failure,
     * keeps what it got, and never frees pages in use or reserved; vm.max_map_count:
     * proc_dointvec_minmax() with a minimum of 0.
     */
    public static SysResult set(Kernel k, String name, long value) {
        Explain ex = new Explain();
        SysResult r;
        if (!NAMES.contains(name)) throw new NoSuchObjectException("no sysctl " + name);
        if (name.equals("vm.nr_hugepages")) {
            if (value < 0) {
                ex.fail("proc_doulongvec_minmax", "kernel/sysctl.c", Errno.EINVAL,
                        "hugetlb_sysctl_handler: a negative value is not an unsigned long");
                r = ex.error(Errno.EINVAL);
            } else {
                setMaxHugePages(k, value, ex);
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
     * set_max_huge_pages() (mm/hugetlb.c). Growing: as many 2 MiB pages as the buddy allocator
     * still has (alloc_pool_huge_folio() until it fails), so the pool read back is what fits in
     * free memory. Shrinking: down to the target, but never below the pages in use plus the reserved
     * ones (min_count). The pool's free pages are taken from ZONE_NORMAL when a fault needs them.
     */
    private static void setMaxHugePages(Kernel k, long count, Explain ex) {
        long pool = k.nrHugepages;
        if (count > pool) {
            long fits = k.hugePagesInUse + k.phys.hugeFoliosAvailable(Zone.NORMAL);
            pool = Math.max(pool, Math.min(count, fits));
        } else {
            pool = Math.max(count, k.hugePagesInUse + k.hugePagesReserved);
        }
        k.nrHugepages = pool;
        String why = pool == count ? "pool is now " + pool + " huge pages"
                : count > pool ? "asked for " + count + ", the pool has " + pool
                + ": alloc_pool_huge_folio() found no more free 2 MiB blocks; the pool keeps what it got"
                : "pool kept at " + pool + ": " + k.hugePagesInUse + " in use and " + k.hugePagesReserved
                + " reserved cannot be freed";
        ex.ok("set_max_huge_pages", "mm/hugetlb.c", why);
    }
}
