package io.pinlab.kernel.fs;

import io.pinlab.kernel.base.UapiFlag;

/** open() flags, x86_64 octal values (include/uapi/asm-generic/fcntl.h). O_RDONLY is 0. */
public enum OFlag implements UapiFlag {
    O_RDONLY(0), O_WRONLY(01), O_RDWR(02), O_CREAT(0100), O_EXCL(0200), O_NOCTTY(0400),
    O_TRUNC(01000), O_APPEND(02000), O_NONBLOCK(04000), O_DSYNC(010000), O_DIRECT(040000),
    O_LARGEFILE(0100000), O_DIRECTORY(0200000), O_NOFOLLOW(0400000), O_NOATIME(01000000),
    O_CLOEXEC(02000000), O_SYNC(04010000), O_PATH(010000000);

    /** O_ACCMODE: the access-mode bits. */
    public static final int O_ACCMODE = 03;

    public final int value;

    OFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
