package io.pinlab.api.common;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.ArrayList;
import java.util.List;

/**
 * Page-frame lists that stay readable by hand: a 1 GiB pin holds 262,144 pfns, so answers carry
 * at most {@link #MAX_LISTED} of them plus the whole list as runs of consecutive pfns.
 */
public final class Pfns {
    /** How many pfns (or bvecs) an answer lists one by one before it truncates. */
    public static final int MAX_LISTED = 512;

    private Pfns() {}

    @Schema(description = "count consecutive page frames starting at first")
    public record Run(long first, long count) {
    }

    /** The first {@link #MAX_LISTED} entries, or all of them when {@code full}. */
    public static List<Long> listed(long[] pfns, boolean full) {
        int n = full ? pfns.length : Math.min(pfns.length, MAX_LISTED);
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(pfns[i]);
        return out;
    }

    /** The whole array as runs of consecutive pfns (a huge page or a fresh range is one run). */
    public static List<Run> runs(long[] pfns) {
        List<Run> out = new ArrayList<>();
        int i = 0;
        while (i < pfns.length) {
            int j = i + 1;
            while (j < pfns.length && pfns[j] == pfns[j - 1] + 1) j++;
            out.add(new Run(pfns[i], j - i));
            i = j;
        }
        return out;
    }

    public static long[] toArray(List<Long> pfns) {
        long[] a = new long[pfns.size()];
        for (int i = 0; i < a.length; i++) a[i] = pfns.get(i);
        return a;
    }
}
