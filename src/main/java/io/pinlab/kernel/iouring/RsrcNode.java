package io.pinlab.kernel.iouring;

import io.pinlab.kernel.fs.OpenFile;

/**
 * struct io_rsrc_node (io_uring/rsrc.h) of a registered file: the file reference the table holds
 * (fget() at registration, fput() in io_free_rsrc_node()) and its tag, posted as a CQE
 * {user_data = tag, res 0} when the node is freed.
 */
final class RsrcNode {
    final OpenFile file;
    long tag;

    RsrcNode(OpenFile file, long tag) {
        this.file = file;
        this.tag = tag;
    }
}
