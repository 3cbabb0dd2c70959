package io.pinlab.kernel;

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
     * Writes a sysctl. vm.nr_hugepages follows set_max_huge_pages(): the pool never shrinks below
     * the pages in use plus the reserved ones (those stay; the value read back says so).
     */
    public static SysResult set(Kernel k, String name, long value) {
        Explain ex = new Explain();
        SysResult r;
        if (!NAMES.contains(name)) throw new NoSuchObjectException("no sysctl " + name);
        if (value < 0 || (name.equals("vm.max_map_count") && value > Integer.MAX_VALUE)) {
            ex.fail("proc_doulongvec_minmax", "kernel/sysctl.c", Errno.EINVAL, "value out of range");
            r = ex.error(Errno.EINVAL);
        } else if (name.equals(THP_USE_ZERO_PAGE)) {
            if (value > 1) { // single_hugepage_flag_store(): only 0 or 1
                ex.fail("single_hugepage_flag_store", "mm/huge_memory.c", Errno.EINVAL, "use_zero_page takes 0 or 1");
                r = ex.error(Errno.EINVAL);
            } else {
                k.thpUseZeroPage = value == 1;
                ex.ok("single_hugepage_flag_store", "mm/huge_memory.c", value == 1
                        ? "read faults in THP-eligible ranges map the huge zero folio" : "read faults in THP-eligible ranges allocate a THP");
                r = ex.result(0);
            }
        } else if (name.equals("vm.nr_hugepages")) {
            long min = k.hugePagesInUse + k.hugePagesReserved;
            k.nrHugepages = Math.max(value, min);
            ex.ok("set_max_huge_pages", "mm/hugetlb.c", k.nrHugepages == value ? "pool is now " + value + " huge pages"
                    : "pool kept at " + k.nrHugepages + ": " + k.hugePagesInUse + " in use and " + k.hugePagesReserved + " reserved cannot be freed");
            r = ex.result(0);
        } else {
            k.maxMapCount = value;
            ex.ok("proc_dointvec_minmax", "kernel/sysctl.c", "vm.max_map_count = " + value);
            r = ex.result(0);
        }
        return r;
    }
}
