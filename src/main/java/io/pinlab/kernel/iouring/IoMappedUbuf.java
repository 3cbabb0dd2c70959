package io.pinlab.kernel.iouring;


/**
 * struct io_mapped_ubuf (io_uring/rsrc.h): one registered buffer. Each bvec page holds one
 * FOLL_PIN pin; {@code pagePfns} keeps the frame of every 4 KiB page the buffer covers, which is
 * what fixed I/O reads and writes (in the kernel, the bvecs describe the same frames).
 */
public final class IoMappedUbuf {
    /** imu->ubuf: the user address given at registration. */
    final long ubuf;
    /** imu->len (ubuf_end - ubuf in 6.3-6.6). */
    final long len;
    /** bv_page of each bvec (the folio head when coalesced): one pin each. */
    final long[] bvecPages;
    /** bv_offset of the first bvec; later bvecs start at offset 0. */
    final long firstOffset;
    /** One bvec covers the whole buffer (single-folio coalescing, 6.3+). */
    final boolean single;
    /** imu->folio_shift (12, or 21 for multi-folio coalescing in 6.12+). */
    final int folioShift;
    /** imu->acct_pages: what io_account_mem() charged for this buffer. */
    long acctPages;
    /** The frame of every page of [ubuf, ubuf + len), in order. */
    final long[] pagePfns;
    /** imu->refs: table slots holding this buffer (more than one after IORING_REGISTER_CLONE_BUFFERS). */
    int refs = 1;

    IoMappedUbuf(long ubuf, long len, long[] bvecPages, long firstOffset, boolean single, int folioShift, long[] pagePfns) {
        this.ubuf = ubuf;
        this.len = len;
        this.bvecPages = bvecPages;
        this.firstOffset = firstOffset;
        this.single = single;
        this.folioShift = folioShift;
        this.pagePfns = pagePfns;
    }

    /** bv_offset of bvec i. */
    long bvecOffset(int i) { return i == 0 ? firstOffset : 0; }

    /** bv_len of bvec i: the first runs to the end of its page or folio, the middle ones are full, the last takes the rest. */
    long bvecLen(int i) {
        if (single) return len;
        long seg = 1L << folioShift;
        long first = Math.min(len, seg - firstOffset);
        if (i == 0) return first;
        return Math.min(seg, len - first - (long) (i - 1) * seg);
    }

    int nrBvecs() { return bvecPages.length; }

    // snapshot support (KernelSnapshot): the fields as stored (arrays are the live ones)
    public long ubuf() { return ubuf; }
    public long len() { return len; }
    public long[] bvecPages() { return bvecPages; }
    public long firstOffset() { return firstOffset; }
    public boolean single() { return single; }
    public int folioShift() { return folioShift; }
    public long acctPages() { return acctPages; }
    public long[] pagePfns() { return pagePfns; }

    public int refs() { return refs; }

    public static IoMappedUbuf restore(long ubuf, long len, long[] bvecPages, long firstOffset, boolean single, int folioShift,
                                       long acctPages, long[] pagePfns, int refs) {
        IoMappedUbuf imu = new IoMappedUbuf(ubuf, len, bvecPages, firstOffset, single, folioShift, pagePfns);
        imu.acctPages = acctPages;
        imu.refs = refs;
        return imu;
    }
}
