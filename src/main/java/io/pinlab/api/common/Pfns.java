package io.pinlab.api.common;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.ArrayList;
import java.util.List;

/**
 * Page-frame lists that stay readable by hand and bounded whatever the pfn order: a 1 GiB pin
 * holds 262,144 pfns, so answers carry at most {@link #MAX_LISTED} of them plus the whole list as
 * at most {@link #MAX_RUNS} arithmetic runs. Runs follow any fixed step: +1 for a fresh range or a
 * huge page, -1 for a range re-faulted after munmap (the allocator hands freed frames back last in,
 * first out), 0 for the shared zero page a read-only pin of untouched memory sees.
 */
public final class Pfns {
    /** How many pfns (or bvecs) an answer lists one by one before it truncates. */
    public static final int MAX_LISTED = 512;
    /** How many runs an answer carries before it truncates (about 10 KB of JSON). */
    public static final int MAX_RUNS = 256;

    private Pfns() {}

    @Schema(description = "count page frames first, first + step, first + 2*step, ...")
    public record Run(long first, long count,
                      @Schema(description = "difference between consecutive pfns: 1 ascending, -1 descending, 0 the same frame",
                              example = "1") long step) {
    }

    /** Runs of a page array, and whether they stop before its end. */
    public record Runs(List<Run> runs, boolean truncated) {
    }

    /** The first {@link #MAX_LISTED} entries, or all of them when {@code full}. */
    public static List<Long> listed(long[] pfns, boolean full) {
        int n = full ? pfns.length : Math.min(pfns.length, MAX_LISTED);
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(pfns[i]);
        return out;
    }

    /**
     * The array as runs: each run takes the step between its first two pfns and extends while the
     * step holds, so n pfns make at most ceil(n/2) runs and a monotone range one. Stops after
     * {@link #MAX_RUNS} runs with {@code truncated} set.
     */
    public static Runs runs(long[] pfns) {
        List<Run> out = new ArrayList<>();
        int i = 0;
        while (i < pfns.length) {
            if (out.size() == MAX_RUNS) return new Runs(out, true);
            long step = i + 1 < pfns.length ? pfns[i + 1] - pfns[i] : 1;
            int j = i + 1;
            while (j < pfns.length && pfns[j] - pfns[j - 1] == step) j++;
            out.add(new Run(pfns[i], j - i, j - i == 1 ? 1 : step));
            i = j;
        }
        return new Runs(out, false);
    }
}
