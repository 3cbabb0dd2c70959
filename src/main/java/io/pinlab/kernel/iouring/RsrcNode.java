package io.pinlab.kernel.iouring;

import io.pinlab.kernel.fs.OpenFile;

/**
 * struct io_rsrc_node (io_uring/rsrc.h): one registered file or buffer with its tag and its
 * reference count. The table holds one reference; a request that uses the slot holds another
 * from issue to completion (io_file_get_fixed(), io_find_buf_node(); put by
 * io_req_put_rsrc_nodes()). When the last one goes, io_free_rsrc_node() posts the tag CQE
 * {user_data = tag, res 0} and puts the file or unmaps the buffer. A file slot always has its
 * node; a buffer slot gets one here only while a request holds it (the tag then lives in
 * IoRingCtx.bufTags until the slot is reset).
 */
public final class RsrcNode {
    final OpenFile file;
    final IoMappedUbuf buf;
    long tag;
    int refs = 1;
    /** The table slot, or -1 once the node left the table (updated or unregistered). */
    int slot;

    RsrcNode(OpenFile file, IoMappedUbuf buf, long tag, int slot) {
        this.file = file;
        this.buf = buf;
        this.tag = tag;
        this.slot = slot;
    }

    // ---------------------------------------------------------------- snapshot support (KernelSnapshot)

    /** A node as it was. */
    public static RsrcNode restore(OpenFile file, IoMappedUbuf buf, long tag, int refs, int slot) {
        RsrcNode n = new RsrcNode(file, buf, tag, slot);
        n.refs = refs;
        return n;
    }

    public OpenFile file() { return file; }

    public IoMappedUbuf buf() { return buf; }

    public long tag() { return tag; }

    public int refs() { return refs; }

    public int slot() { return slot; }
}
