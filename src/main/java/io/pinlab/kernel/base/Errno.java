package io.pinlab.kernel.base;

/** errno values of x86_64 Linux (include/uapi/asm-generic/errno-base.h, errno.h). */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    EMFILE(24, "Too many open files"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EMLINK(31, "Too many links"),
    EPIPE(32, "Broken pipe"),
    ENOSYS(38, "Function not implemented"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EOPNOTSUPP(95, "Operation not supported"),
    EREMOTEIO(121, "Remote I/O error"),
    EHWPOISON(133, "Memory page has hardware error");

    private final int value;
    private final String message;

    Errno(int value, String message) {
        this.value = value;
        this.message = message;
    }

    public int value() { return value; }

    public String message() { return message; }

    /** The negative value a kernel function returns, e.g. -14 for EFAULT. */
    public long neg() { return -value; }

    /** MAX_ERRNO (include/linux/err.h): only -4095..-1 are error values (IS_ERR_VALUE). */
    public static final int MAX_ERRNO = 4095;

    /**
     * Maps a kernel return back to its errno, or null when it is not an error value: like
     * IS_ERR_VALUE(), only -MAX_ERRNO..-1 count, so an address at or above 2^63 is not an error.
     */
    public static Errno fromRet(long ret) {
        if (ret >= 0 || ret < -MAX_ERRNO) return null;
        for (Errno e : values()) if (e.value == -ret) return e;
        throw new IllegalArgumentException("unknown errno " + ret);
    }
}
