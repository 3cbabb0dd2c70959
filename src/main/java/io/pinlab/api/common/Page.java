package io.pinlab.api.common;

import org.springframework.http.ResponseEntity;

import java.util.List;

/**
 * One page of a list endpoint ({@code ?offset=&limit=}): the body stays a JSON array (API.md) and
 * the {@value #TOTAL_HEADER} header gives the length of the whole list.
 */
public final class Page {
    public static final String TOTAL_HEADER = "X-Total-Count";
    public static final String DEFAULT_LIMIT = "100";
    public static final int MAX_LIMIT = 1000;

    private Page() {}

    /** Entries offset .. offset+limit-1 of the list (empty past its end). */
    public static <T> List<T> slice(List<T> all, int offset, int limit) {
        int from = Math.min(offset, all.size());
        return all.subList(from, (int) Math.min(all.size(), (long) from + limit));
    }

    public static <T> ResponseEntity<List<T>> of(long total, List<T> page) {
        return ResponseEntity.ok().header(TOTAL_HEADER, Long.toString(total)).body(page);
    }
}
