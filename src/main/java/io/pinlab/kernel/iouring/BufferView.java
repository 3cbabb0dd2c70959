package io.pinlab.kernel.iouring;

import java.util.List;

/**
 * One slot of a ring's registered-buffer table as GET .../io_uring/{fd}/buffers shows it.
 * Empty (sparse) slots are listed too, with {@code empty = true}, base and len 0, no bvecs and no
 * pfns, so the table size is visible.
 *
 * @param pfns  the physical frame of every 4 KiB page the buffer covers (what fixed I/O touches)
 * @param bvecs the bio_vecs the kernel built: one per page, per folio (6.12+), or one for a
 *              single-folio buffer; each holds one pin
 */
public record BufferView(int index, long base, long len, int nrBvecs, long accountedPages, List<Long> pfns,
                         List<Bvec> bvecs, long tag, boolean empty) {

    /** struct bio_vec: the pinned page (folio head when coalesced), offset and length. */
    public record Bvec(long pfn, long offset, long len) {
    }
}
