package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.mm.Task;

import java.util.List;

/**
 * io_uring_register(): io_uring/register.c (split out of io_uring/io_uring.c in 6.7).
 * The syscall's checks, then __io_uring_register()'s dispatch to the buffer and file opcodes,
 * with the struct checks of io_register_rsrc() and __io_register_rsrc_update() (io_uring/rsrc.c)
 * that only read the register arguments; the tables themselves are in {@link Rsrc} and
 * {@link FileTable}.
 */
public final class Register {
    static final String REGISTER_C = "io_uring/register.c";

    private Register() {}

    /**
     * io_uring_register(fd, opcode, arg, nr_args) for the buffer opcodes: the common prefix
     * (6.18: fd -1 is a "blind" call, -EINVAL for these opcodes; bad fd -EBADF; not a ring
     * -EOPNOTSUPP; SINGLE_ISSUER from another task -EEXIST), then __io_uring_register()'s dispatch.
     */
    public static SysResult ioUringRegister(Globals k, Task t, RegisterArgs a) {
        Explain ex = new Explain();
        return k.endCall(ex, sysIoUringRegister(k, t, a, ex));
    }

    /** SYSCALL_DEFINE4(io_uring_register): the opcode range, a blind call, fget(), io_is_uring_fops(). */
    private static long sysIoUringRegister(Globals k, Task t, RegisterArgs a, Explain ex) {
        String regFile = regFile(k);
        // SYSCALL_DEFINE4(io_uring_register): bit 31 (IORING_REGISTER_USE_REGISTERED_RING) masked off,
        // then any number from IORING_REGISTER_LAST on is -EINVAL before the fd is looked at
        int opcode = a.opcodeValue() & ~RegisterOp.IORING_REGISTER_USE_REGISTERED_RING;
        int last = RegisterOp.registerLast(k.profile);
        if (Integer.toUnsignedLong(opcode) >= last) {
            ex.fail("io_uring_register", regFile, Errno.EINVAL, "opcode " + Integer.toUnsignedLong(opcode)
                    + " >= IORING_REGISTER_LAST (" + last + " in " + k.profile.kernel() + ")");
            return Errno.EINVAL.neg();
        }
        if (a.opcode() == null) throw new IllegalArgumentException("register opcode " + opcode + " is not simulated");
        if (a.fd() == -1 && k.profile.ioUringBlindRegister()) {
            ex.fail("io_uring_register_blind", REGISTER_C, Errno.EINVAL, "fd -1 is a blind call; only SEND_MSG_RING and QUERY are allowed");
            return Errno.EINVAL.neg();
        }
        OpenFile file = t.fds.get(a.fd());
        if (file == null) {
            ex.fail("io_uring_register", regFile, Errno.EBADF, "fd " + a.fd() + " is not open");
            return Errno.EBADF.neg();
        }
        IoRingCtx ctx = IoUring.ringOf(file);
        if (ctx == null) {
            ex.fail("io_uring_register", regFile, Errno.EOPNOTSUPP, "fd " + a.fd() + " is not an io_uring (io_is_uring_fops)");
            return Errno.EOPNOTSUPP.neg();
        }
        return doIoUringRegister(k, t, ctx, a, regFile, ex);
    }

    /** Where this kernel has the register code: register.c in the 6.18 profile, io_uring.c in the 6.3 to 6.5 ones. */
    private static String regFile(Globals k) {
        return k.profile.ioUringNodeTable() ? REGISTER_C : IoUring.IO_URING_C;
    }

    /**
     * __io_uring_register(): a SINGLE_ISSUER ring refuses other tasks, then each opcode's own
     * argument checks before the rsrc.c or filetable.c work.
     */
    private static long doIoUringRegister(Globals k, Task t, IoRingCtx ctx, RegisterArgs a, String regFile, Explain ex) {
        if (ctx.submitterPid >= 0 && ctx.submitterPid != t.pid) {
            ex.fail("__io_uring_register", regFile, Errno.EEXIST, "IORING_SETUP_SINGLE_ISSUER ring of pid " + ctx.submitterPid + ", caller is pid " + t.pid);
            return Errno.EEXIST.neg();
        }
        ex.ok("io_uring_register", regFile, "fd " + a.fd() + " is a ring; " + a.opcode().name());
        long nrArgs = a.nrArgsValue();
        switch (a.opcode()) {
            case IORING_REGISTER_BUFFERS -> {
                if (!a.argPresent()) {
                    ex.fail("__io_uring_register", regFile, Errno.EFAULT, "IORING_REGISTER_BUFFERS with arg == NULL");
                    return Errno.EFAULT.neg();
                }
                return Rsrc.ioSqeBuffersRegister(k, t, ctx, a.iovecs() == null ? List.of() : a.iovecs(), nrArgs, null, ex);
            }
            case IORING_UNREGISTER_BUFFERS -> {
                if (a.argPresent() || nrArgs != 0) {
                    ex.fail("__io_uring_register", regFile, Errno.EINVAL, "IORING_UNREGISTER_BUFFERS needs arg == NULL and nr_args == 0");
                    return Errno.EINVAL.neg();
                }
                return Rsrc.ioSqeBuffersUnregister(k, ctx, ex);
            }
            case IORING_REGISTER_FILES -> {
                if (!a.argPresent()) {
                    ex.fail("__io_uring_register", regFile, Errno.EFAULT, "IORING_REGISTER_FILES with arg == NULL");
                    return Errno.EFAULT.neg();
                }
                return FileTable.ioSqeFilesRegister(k, t, ctx, a.fds(), nrArgs, null, ex);
            }
            case IORING_UNREGISTER_FILES -> {
                if (a.argPresent() || nrArgs != 0) {
                    ex.fail("__io_uring_register", regFile, Errno.EINVAL, "IORING_UNREGISTER_FILES needs arg == NULL and nr_args == 0");
                    return Errno.EINVAL.neg();
                }
                return FileTable.ioSqeFilesUnregister(k, ctx, ex);
            }
            case IORING_REGISTER_FILES_UPDATE -> {
                // io_register_files_update(): nr_args is the count; struct io_uring_rsrc_update has no tags
                if (nrArgs == 0) return fail(ex, "io_register_files_update", Errno.EINVAL, "nr_args is 0");
                if (!a.argPresent()) return fail(ex, "io_register_files_update", Errno.EFAULT, "copy_from_user of the struct faults (arg == NULL)");
                return ioRegisterRsrcUpdate(k, t, ctx, a, true, nrArgs, null, ex);
            }
            case IORING_REGISTER_FILES2, IORING_REGISTER_BUFFERS2 -> {
                return ioRegisterRsrc(k, t, ctx, a, a.opcode() == RegisterOp.IORING_REGISTER_FILES2, nrArgs, ex);
            }
            case IORING_REGISTER_FILES_UPDATE2, IORING_REGISTER_BUFFERS_UPDATE -> {
                final String fn = "io_register_rsrc_update";
                if (nrArgs != RegisterArgs.RSRC_STRUCT_SIZE)
                    return fail(ex, fn, Errno.EINVAL, "nr_args " + nrArgs + " != sizeof(struct io_uring_rsrc_update2) (32)");
                if (!a.argPresent()) return fail(ex, fn, Errno.EFAULT, "copy_from_user of the struct faults (arg == NULL)");
                if (a.nrValue() == 0) return fail(ex, fn, Errno.EINVAL, "up.nr is 0");
                return ioRegisterRsrcUpdate(k, t, ctx, a, a.opcode() == RegisterOp.IORING_REGISTER_FILES_UPDATE2, a.nrValue(), a.tags(), ex);
            }
            case IORING_REGISTER_CLONE_BUFFERS -> {
                if (!a.argPresent() || nrArgs != 1) {
                    ex.fail("__io_uring_register", regFile, Errno.EINVAL, "IORING_REGISTER_CLONE_BUFFERS needs arg != NULL and nr_args == 1");
                    return Errno.EINVAL.neg();
                }
                return Rsrc.ioRegisterCloneBuffers(k, t, ctx, a, ex);
            }
        }
        throw new IllegalStateException();
    }

    /**
     * io_register_rsrc() (io_uring/rsrc.c) for IORING_REGISTER_FILES2 / BUFFERS2: nr_args must be
     * sizeof(struct io_uring_rsrc_register), the struct must be readable, rr.nr non-zero, rr.flags
     * only IORING_RSRC_REGISTER_SPARSE, and SPARSE with rr.data set is -EINVAL.
     */
    private static long ioRegisterRsrc(Globals k, Task t, IoRingCtx ctx, RegisterArgs a, boolean files, long nrArgs, Explain ex) {
        final String fn = "io_register_rsrc";
        if (nrArgs != RegisterArgs.RSRC_STRUCT_SIZE) return fail(ex, fn, Errno.EINVAL, "nr_args " + nrArgs + " != sizeof(struct io_uring_rsrc_register) (32)");
        if (!a.argPresent()) return fail(ex, fn, Errno.EFAULT, "copy_from_user of the struct faults (arg == NULL)");
        long nr = a.nrValue();
        if (nr == 0) return fail(ex, fn, Errno.EINVAL, "rr.nr is 0");
        int sparse = RsrcFlag.IORING_RSRC_REGISTER_SPARSE.value;
        if ((a.flags() & ~sparse) != 0) return fail(ex, fn, Errno.EINVAL, "unknown rr.flags 0x" + Integer.toHexString(a.flags()));
        boolean data = files ? a.fds() != null : a.iovecs() != null;
        if ((a.flags() & sparse) != 0 && data) return fail(ex, fn, Errno.EINVAL, "IORING_RSRC_REGISTER_SPARSE with rr.data != 0");
        ex.ok(fn, Rsrc.FILE, "rr.nr " + nr + (data ? "" : ", rr.data 0: every slot empty"));
        return files ? FileTable.ioSqeFilesRegister(k, t, ctx, a.fds(), nr, a.tags(), ex)
                : Rsrc.ioSqeBuffersRegister(k, t, ctx, a.iovecs(), nr, a.tags(), ex);
    }

    /** __io_register_rsrc_update(): up.offset + nr must not overflow u32 (-EOVERFLOW), then the files or buffers update. */
    private static long ioRegisterRsrcUpdate(Globals k, Task t, IoRingCtx ctx, RegisterArgs a, boolean files, long nr, List<Long> tags,
                                             Explain ex) {
        long offset = Integer.toUnsignedLong(a.offset());
        if (offset + nr > 0xffffffffL)
            return fail(ex, "__io_register_rsrc_update", Errno.EOVERFLOW, "up.offset " + offset + " + nr " + nr + " overflows u32");
        return files ? FileTable.ioSqeFilesUpdate(k, t, ctx, offset, nr, a.fds(), tags, ex)
                : Rsrc.ioSqeBuffersUpdate(k, t, ctx, offset, nr, a.iovecs(), tags, ex);
    }

    private static long fail(Explain ex, String fn, Errno e, String why) {
        ex.fail(fn, Rsrc.FILE, e, why);
        return e.neg();
    }
}
