package io.pinlab.api.steps;

import io.pinlab.kernel.base.UapiFlag;
import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.fs.FallocFlag;
import io.pinlab.kernel.fs.MfdFlag;
import io.pinlab.kernel.fs.SpliceFlag;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.iouring.RsrcFlag;
import io.pinlab.kernel.iouring.SetupFlag;
import io.pinlab.kernel.iouring.SqeOp;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.api.gup.GupRequestShape;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupRequest;
import io.pinlab.kernel.mm.Madv;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.MremapFlag;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.kernel.Syscall;
import io.pinlab.session.SessionProperties;
import io.pinlab.session.TouchLimitException;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The request bodies of the calls, which are also the {@code args} of steps (API.md "Steps"),
 * each with its one mapping to a {@link Syscall}. Bean Validation covers what a body alone can
 * break; {@code toSyscall} adds the rules that need the session (its profile, its limits) and
 * throws 400 problems naming the field.
 */
public final class Requests {
    private Requests() {
    }

    /** What a mapping may consult: the calling process (0 for ops without one), the session's profile and limits. */
    public record Ctx(int pid, Profile profile, SessionProperties.Limits limits) {
        /**
         * Session policy: one call may touch at most {@code limits.maxTouchBytes}.
         *
         * @throws TouchLimitException (400 naming {@code field})
         */
        void checkTouch(String field, long bytes) {
            long max = limits.maxTouchBytes();
            if (bytes > max || bytes < 0) throw new TouchLimitException(field, max);
        }
    }

    /** u32 fields of the uapi structs. */
    static final long U32_MAX = 0xffff_ffffL;

    // ---------------------------------------------------------------- memory

    @Schema(description = "mmap(2) arguments")
    public record MmapRequest(
            @Schema(description = "hint, or the address for MAP_FIXED", defaultValue = "0x0") Address addr,
            @Schema(description = "bytes; rounded up to pages by the kernel", example = "16384")
            @NotNull @PositiveOrZero Long length,
            @ArraySchema(schema = @Schema(implementation = Prot.class), arraySchema = @Schema(example = "[\"PROT_READ\",\"PROT_WRITE\"]"))
            @NotNull EnumSet<Prot> prot,
            @ArraySchema(schema = @Schema(implementation = MapFlag.class), arraySchema = @Schema(example = "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]"))
            @NotNull EnumSet<MapFlag> flags,
            @Schema(description = "file descriptor; -1 for anonymous", defaultValue = "-1") Integer fd,
            @Schema(description = "file offset in bytes", defaultValue = "0") @PositiveOrZero Long offset) {

        Syscall.Mmap toSyscall(Ctx c) {
            if (flags.contains(MapFlag.MAP_POPULATE)) c.checkTouch("length", length);
            return new Syscall.Mmap(c.pid(), addr == null ? 0 : addr.value(), length, UapiFlag.mask(prot), UapiFlag.mask(flags),
                    fd == null ? -1 : fd, offset == null ? 0 : offset);
        }
    }

    /** How the process touches its memory. */
    public enum AccessKind { read, write }

    @Schema(description = "the process itself touches memory: faults, COW, SIGSEGV")
    public record AccessRequest(@NotNull Address addr,
                                @Schema(example = "4096") @NotNull @PositiveOrZero Long length,
                                @Schema(example = "write") @NotNull AccessKind access,
                                @Schema(description = "write: the value stored in each page touched", example = "42") Long value) {

        Syscall.Access toSyscall(Ctx c) {
            boolean write = access == AccessKind.write;
            if (!write && value != null) throw ApiProblemException.badField("value", "only a write stores a value");
            c.checkTouch("length", length);
            return new Syscall.Access(c.pid(), addr.value(), length, write, value);
        }
    }

    @Schema(description = "munmap(2) arguments")
    public record RangeRequest(@NotNull Address addr, @Schema(example = "4096") @NotNull @PositiveOrZero Long length) {
        Syscall.Munmap toSyscall(Ctx c) {
            return new Syscall.Munmap(c.pid(), addr.value(), length);
        }
    }

    @Schema(description = "mremap(2) arguments")
    public record MremapRequest(@NotNull Address addr,
                                @Schema(description = "bytes of the old mapping; rounded up to pages", example = "12288")
                                @NotNull @PositiveOrZero Long oldLength,
                                @Schema(description = "bytes of the new mapping; rounded up to pages", example = "24576")
                                @NotNull @PositiveOrZero Long newLength,
                                @ArraySchema(schema = @Schema(implementation = MremapFlag.class), arraySchema = @Schema(example = "[\"MREMAP_MAYMOVE\"]"))
                                EnumSet<MremapFlag> flags,
                                @Schema(description = "the new address (MREMAP_FIXED) or hint (MREMAP_DONTUNMAP)", defaultValue = "0x0") Address newAddr) {
        Syscall.Mremap toSyscall(Ctx c) {
            return new Syscall.Mremap(c.pid(), addr.value(), oldLength, newLength, flags == null ? 0 : UapiFlag.mask(flags),
                    newAddr == null ? 0 : newAddr.value());
        }
    }

    @Schema(description = "mprotect(2) arguments")
    public record MprotectRequest(@NotNull Address addr, @Schema(example = "4096") @NotNull @PositiveOrZero Long length,
                                  @ArraySchema(schema = @Schema(implementation = Prot.class), arraySchema = @Schema(example = "[\"PROT_READ\"]"))
                                  @NotNull EnumSet<Prot> prot) {
        Syscall.Mprotect toSyscall(Ctx c) {
            return new Syscall.Mprotect(c.pid(), addr.value(), length, UapiFlag.mask(prot));
        }
    }

    @Schema(description = "madvise(2) arguments")
    public record MadviseRequest(@NotNull Address addr, @Schema(example = "4096") @NotNull @PositiveOrZero Long length,
                                 @Schema(implementation = Madv.class, example = "MADV_DONTNEED") @NotNull Madv advice) {
        Syscall.Madvise toSyscall(Ctx c) {
            c.checkTouch("length", length);
            return new Syscall.Madvise(c.pid(), addr.value(), length, advice.value);
        }
    }

    // ---------------------------------------------------------------- GUP

    private static final Set<String> GUP_FIELDS = Set.of("call", "start", "nrPages", "gupFlags", "pages", "vmas",
            "locked", "targetPid");

    @Schema(description = "one GUP entry point call, as a driver would make it")
    public record GupCallRequest(
            @Schema(description = "the kernel entry point", example = "pin_user_pages_fast") @NotNull GupCall call,
            @Schema(description = "user address") @NotNull Address start,
            @Schema(example = "4") @NotNull @PositiveOrZero Long nrPages,
            @ArraySchema(schema = @Schema(implementation = FollFlag.class),
                    arraySchema = @Schema(example = "[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]"))
            @NotNull EnumSet<FollFlag> gupFlags,
            @Schema(description = "false passes a NULL pages array", defaultValue = "true") Boolean pages,
            @Schema(description = "pass a vmas array (only where the profile's entry point has one)", defaultValue = "false")
            Boolean vmas,
            @Schema(description = "*locked for the *_remote entry points; null is a NULL pointer", nullable = true)
            Integer locked,
            @Schema(description = "the remote mm's process (only *_remote)") @Positive Integer targetPid) {

        /** The kernel's view of the request (flags as a mask). */
        public GupRequest toKernel() {
            return new GupRequest(call, VirtAddr.of(start.value()), nrPages, UapiFlag.mask(gupFlags),
                    !Boolean.FALSE.equals(pages), Boolean.TRUE.equals(vmas), locked, targetPid);
        }

        /**
         * Flags the profile does not define, and requests no kernel entry point could receive
         * ({@link GupRequestShape#error}), are 400s naming the field. Arguments that break
         * is_valid_gup_args() do reach the kernel: that is the call's answer (see {@link Syscall.Gup}).
         */
        Syscall.Gup toSyscall(Ctx c) {
            c.checkTouch("nrPages", nrPages > Long.MAX_VALUE / 4096 ? -1 : nrPages * 4096);
            Profile profile = c.profile();
            // Names first: FOLL_SAME_FILE and FOLL_HONOR_NUMA_FAULT share bit 12, so the mask alone cannot tell.
            boolean allDefined = true; // a loop, not a stream: every gup call asks
            for (FollFlag f : gupFlags) allDefined &= f.existsIn(profile);
            if (!allDefined) {
                List<FollFlag> undefined = gupFlags.stream().filter(f -> !f.existsIn(profile)).toList();
                String accepted = FollFlag.definedIn(profile).stream().map(Enum::name).collect(Collectors.joining(", "));
                throw ApiProblemException.badField("gupFlags", undefined.stream().map(Enum::name)
                        .collect(Collectors.joining(", ")) + " not defined in profile " + profile.name() + "; accepted: " + accepted);
            }
            GupRequest req = toKernel();
            String shape = GupRequestShape.error(profile, req);
            if (shape != null) {
                int colon = shape.indexOf(": ");
                String field = colon > 0 && GUP_FIELDS.contains(shape.substring(0, colon)) ? shape.substring(0, colon) : "$";
                throw ApiProblemException.badField(field, field.equals("$") ? shape : shape.substring(colon + 2));
            }
            return new Syscall.Gup(c.pid(), req);
        }
    }

    @Schema(description = "how the driver releases a pin")
    public record ReleaseRequest(@Schema(implementation = PinRelease.class, example = "unpin_user_pages") @NotNull PinRelease how,
                                 @Schema(description = "unpin_user_pages_dirty_lock: mark the pages dirty", defaultValue = "false")
                                 Boolean makeDirty) {
    }

    @Schema(description = "step args of release: the pin (its id in the path of POST pins/{id}/release) and the body")
    public record ReleaseArgs(@Schema(example = "1") @NotNull @Positive Long pinId,
                              @Schema(implementation = PinRelease.class, example = "unpin_user_pages") @NotNull PinRelease how,
                              @Schema(defaultValue = "false") Boolean makeDirty) {
        public static ReleaseArgs of(long pinId, ReleaseRequest body) {
            return new ReleaseArgs(pinId, body.how(), body.makeDirty());
        }

        Syscall.Release toSyscall(Ctx c) {
            return new Syscall.Release(pinId, how, Boolean.TRUE.equals(makeDirty));
        }
    }

    // ---------------------------------------------------------------- processes

    @Schema(description = "a new process (not a fork): empty address space with a [stack] VMA")
    public record CreateProcessRequest(
            @Schema(example = "lab", defaultValue = "lab") @Size(min = 1, max = 15)
            @Pattern(regexp = "^[\\x21-\\x7e]*$", message = "must be printable ASCII without spaces") String comm,
            @Schema(example = "1000", defaultValue = "1000") @PositiveOrZero @Max(65534) Integer uid,
            @Schema(defaultValue = "false") Boolean capIpcLock,
            @Schema(description = "RLIMIT_MEMLOCK in bytes", example = "8388608", defaultValue = "8388608")
            @PositiveOrZero Long rlimitMemlock) {

        Syscall.CreateProcess toSyscall(Ctx c) {
            return new Syscall.CreateProcess(comm == null ? "lab" : comm, uid == null ? Kernel.DEFAULT_UID : uid,
                    Boolean.TRUE.equals(capIpcLock), rlimitMemlock == null ? Kernel.DEFAULT_RLIMIT_MEMLOCK : rlimitMemlock);
        }
    }

    /** fork and exit take no arguments: their args are {@code {}}. */
    @Schema(description = "no arguments")
    public record NoArgs() {
    }

    // ---------------------------------------------------------------- files

    public record OpenRequest(@Schema(example = "/mnt/ext4/data") @NotBlank @Size(max = 4096) String path,
                              @ArraySchema(schema = @Schema(implementation = OFlag.class),
                                      arraySchema = @Schema(example = "[\"O_RDWR\",\"O_CREAT\"]"))
                              @NotNull EnumSet<OFlag> flags,
                              @Schema(description = "with O_CREAT: initial file size in bytes", example = "16384")
                              @PositiveOrZero Long size) {
        Syscall.Open toSyscall(Ctx c) {
            return new Syscall.Open(c.pid(), path, UapiFlag.mask(flags), size);
        }
    }

    public record MemfdCreateRequest(@Schema(example = "buf") @NotNull @Size(max = 249) String name,
                                     @ArraySchema(schema = @Schema(implementation = MfdFlag.class)) EnumSet<MfdFlag> flags,
                                     @Schema(description = "ftruncate to this size right away", example = "2097152")
                                     @PositiveOrZero Long size) {
        EnumSet<MfdFlag> flagSet() {
            return flags == null ? EnumSet.noneOf(MfdFlag.class) : flags;
        }

        Syscall.MemfdCreate toSyscall(Ctx c) {
            return new Syscall.MemfdCreate(c.pid(), name, UapiFlag.mask(flagSet()), size);
        }
    }

    public record MemfdSecretRequest(@Schema(example = "16384") @PositiveOrZero Long size) {
        Syscall.MemfdSecret toSyscall(Ctx c) {
            return new Syscall.MemfdSecret(c.pid(), size);
        }
    }

    public record FtruncateRequest(@NotNull Integer fd, @NotNull @PositiveOrZero Long length) {
        Syscall.Ftruncate toSyscall(Ctx c) {
            return new Syscall.Ftruncate(c.pid(), fd, length);
        }
    }

    public record CloseRequest(@NotNull Integer fd) {
        Syscall.Close toSyscall(Ctx c) {
            return new Syscall.Close(c.pid(), fd);
        }
    }

    // ---------------------------------------------------------------- sysctl

    public record SysctlWrite(@Schema(example = "64") @NotNull Long value) {
    }

    @Schema(description = "step args of sysctl: the name (in the path of PUT sysctl/{name}) and the value")
    public record SysctlArgs(@Schema(example = "vm.nr_hugepages") @NotNull String name, @Schema(example = "64") @NotNull Long value) {
        Syscall.Sysctl toSyscall(Ctx c) {
            if (!io.pinlab.kernel.Sysctl.NAMES.contains(name))
                throw ApiProblemException.badField("name", "no sysctl '" + name + "'; simulated: "
                        + String.join(", ", io.pinlab.kernel.Sysctl.NAMES));
            return new Syscall.Sysctl(name, value);
        }
    }

    // ---------------------------------------------------------------- swap

    @Schema(description = "swapon of the session's swapfile, made with mkswap semantics: the first page is the swap header")
    public record SwaponRequest(@Schema(description = "the swapfile's size in bytes (whole pages count)", example = "16777216")
                                @NotNull @PositiveOrZero Long size) {
        Syscall.Swapon toSyscall(Ctx c) {
            return new Syscall.Swapon(size);
        }
    }

    // ---------------------------------------------------------------- io_uring

    public record SetupRequest(@Schema(example = "8") @NotNull @PositiveOrZero @Max(U32_MAX) Long entries,
                               @ArraySchema(schema = @Schema(implementation = SetupFlag.class)) EnumSet<SetupFlag> flags) {
        Syscall.IoUringSetup toSyscall(Ctx c) {
            int f = 0;
            if (flags != null) for (SetupFlag x : flags) f |= x.value;
            return new Syscall.IoUringSetup(c.pid(), (int) (long) entries, f);
        }
    }

    public record IovecJson(@NotNull Address base, @Schema(example = "4096") @NotNull @PositiveOrZero Long len) {
    }

    /** The schema of one element of io_uring_register's {@code iovecs} (IovecArray reads and writes it). */
    @Schema(description = "one iovec; with count, a run of count iovecs of length len at base, base + stride, base + 2 * stride, ...")
    record RegisterIovecJson(@NotNull Address base, @Schema(example = "4096") @NotNull @PositiveOrZero Long len,
                             @Schema(description = "how many iovecs this element stands for (default 1)", minimum = "1",
                                     maximum = "" + IovecArray.MAX) Long count,
                             @Schema(description = "bytes from one base of the run to the next (default len; may be negative)") Long stride) {
    }

    public record RegisterRequest(
            @NotNull Integer fd,
            @Schema(implementation = RegisterOp.class, example = "IORING_REGISTER_BUFFERS",
                    description = "the opcode by name; or give opcodeNumber instead") RegisterOp opcode,
            // read by IovecArray in one streaming pass; its rules are checked in toKernel()
            @ArraySchema(schema = @Schema(implementation = RegisterIovecJson.class), maxItems = IovecArray.MAX,
                    arraySchema = @Schema(description = "the user iovec array, at most " + IovecArray.MAX
                            + " iovecs with runs counted out; absent is a NULL pointer. History writes runs of "
                            + IovecArray.RUN_MIN + " or more evenly spaced iovecs of one length as one element with count"))
            IovecArray iovecs,
            @Schema(description = "nr_args; default what liburing passes") @PositiveOrZero @Max(U32_MAX) Long nrArgs,
            @Schema(description = "rr.nr / up.nr; default the iovec count") @PositiveOrZero @Max(U32_MAX) Long nr,
            @ArraySchema(schema = @Schema(implementation = RsrcFlag.class)) EnumSet<RsrcFlag> flags,
            @Schema(description = "up.offset") @PositiveOrZero @Max(U32_MAX) Long offset,
            @Schema(description = "u64 tags; absent is tags == 0") @Size(max = 65536) List<@NotNull Long> tags,
            @Schema(description = "the opcode as a number, instead of opcode: a simulated one, or one from "
                    + "IORING_REGISTER_LAST on (the kernel answers -EINVAL)") @PositiveOrZero @Max(Integer.MAX_VALUE) Long opcodeNumber,
            @Schema(description = "IORING_REGISTER_CLONE_BUFFERS: src_fd (offset is dst_off)") Integer srcFd,
            @Schema(description = "IORING_REGISTER_CLONE_BUFFERS: src_off") @PositiveOrZero @Max(U32_MAX) Long srcOff,
            @ArraySchema(arraySchema = @Schema(description = "the file opcodes: the __s32 fd array (-1 an empty slot, -2 "
                    + "IORING_REGISTER_FILES_SKIP in an update); absent is a NULL pointer"), maxItems = 65536)
            @Size(max = 65536) List<@NotNull Integer> fds) {

        RegisterArgs toKernel(Profile profile) {
            if ((opcode == null) == (opcodeNumber == null))
                throw ApiProblemException.badField("opcode", "give exactly one of opcode and opcodeNumber");
            if (opcodeNumber != null) {
                int n = (int) (long) opcodeNumber;
                var known = RegisterOp.byValue(n);
                if (known.isEmpty()) {
                    if (n < RegisterOp.registerLast(profile))
                        throw ApiProblemException.badField("opcodeNumber", "opcode " + n + " is below IORING_REGISTER_LAST but not simulated; simulated: "
                                + java.util.Arrays.toString(RegisterOp.values()));
                    return RegisterArgs.number(fd, n);
                }
                return new RegisterRequest(fd, known.get(), iovecs, nrArgs, nr, flags, offset, tags, null, srcFd, srcOff, fds).toKernel(profile);
            }
            List<Iovec> iov = iovecs == null ? null : iovecs.toKernel();
            int f = 0;
            if (flags != null) for (RsrcFlag x : flags) f |= x.value;
            return new RegisterArgs(fd, opcode, iov, nrArgs == null ? null : (int) (long) nrArgs,
                    nr == null ? null : (int) (long) nr, f, offset == null ? 0 : (int) (long) offset, tags, null,
                    null, srcFd == null ? 0 : srcFd, srcOff == null ? 0 : (int) (long) srcOff, fds);
        }

        Syscall.IoUringRegister toSyscall(Ctx c) {
            return new Syscall.IoUringRegister(c.pid(), toKernel(c.profile()));
        }
    }

    public record SqeJson(@Schema(implementation = SqeOp.class) @NotNull SqeOp opcode, @NotNull Integer fd,
                          @NotNull Address addr, @NotNull @PositiveOrZero @Max(U32_MAX) Long len,
                          @Schema(description = "file offset; -1 means the current position") @Min(-1) Long off,
                          @NotNull @PositiveOrZero @Max(65535) Integer bufIndex, Long userData,
                          @Schema(description = "IORING_OP_NOP: sqe->nop_flags (IORING_NOP_*)") @PositiveOrZero @Max(U32_MAX) Long nopFlags,
                          @Schema(description = "READV_FIXED/WRITEV_FIXED: the iovec array (len is taken as its length)")
                          @Size(max = 1025) List<IovecJson> iovecs,
                          @Schema(description = "sqe->flags IOSQE_FIXED_FILE: fd is an index into the registered files") Boolean fixedFile,
                          @Schema(description = "simulator: the request stays in flight (holding its file and buffer nodes) "
                                  + "until an io_uring_enter waits for it with minComplete; v6.18 only") Boolean inFlight) {

        /** Bytes the simulator walks for this SQE: the iovecs of a vectored one, else len. */
        long touches() { return iovecs == null ? len : iovecs.stream().mapToLong(v -> v == null || v.len() == null ? 0 : Math.max(0, v.len())).sum(); }

        Sqe toKernel(int i) {
            int sqeFlags = Boolean.TRUE.equals(fixedFile) ? Sqe.IOSQE_FIXED_FILE : 0;
            boolean held = Boolean.TRUE.equals(inFlight);
            if (iovecs == null) return new Sqe(opcode.value, fd, addr.value(), len, off == null ? 0 : off, bufIndex,
                    userData == null ? 0 : userData, nopFlags == null ? 0 : (int) (long) nopFlags, null, sqeFlags, held);
            List<Iovec> iov = new ArrayList<>(iovecs.size());
            for (int j = 0; j < iovecs.size(); j++) {
                IovecJson v = iovecs.get(j);
                String f = "sqes[" + i + "].iovecs[" + j + "]";
                if (v == null || v.base() == null || v.len() == null || v.len() < 0)
                    throw ApiProblemException.badField(f, "must be { base, len } with len >= 0");
                iov.add(new Iovec(v.base().value(), v.len()));
            }
            return new Sqe(opcode.value, fd, addr.value(), iov.size(), off == null ? 0 : off, bufIndex,
                    userData == null ? 0 : userData, nopFlags == null ? 0 : (int) (long) nopFlags, iov, sqeFlags, held);
        }
    }

    public record EnterRequest(@NotNull Integer fd, @NotNull @Size(max = 4096) List<@Valid @NotNull SqeJson> sqes,
                               @Schema(description = "min_complete (IORING_ENTER_GETEVENTS): wait until this many CQEs are there; "
                                       + "in-flight requests complete, oldest first") @PositiveOrZero @Max(4096) Integer minComplete) {
        Syscall.IoUringEnter toSyscall(Ctx c) {
            // each fixed read or write moves its range page by page: the whole submission counts
            // against the per-call touch limit, like access and MAP_POPULATE
            c.checkTouch("sqes", sqes.stream().mapToLong(SqeJson::touches).sum());
            List<Sqe> kernel = new ArrayList<>(sqes.size());
            for (int i = 0; i < sqes.size(); i++) kernel.add(sqes.get(i).toKernel(i));
            return new Syscall.IoUringEnter(c.pid(), fd, kernel, minComplete == null ? 0 : minComplete);
        }
    }

    // ---------------------------------------------------------------- other GUP users

    public record UserIovec(@NotNull Address base, @Schema(example = "4096") @NotNull @PositiveOrZero Long len) {
    }

    private static List<Iovec> iovecs(List<UserIovec> l) {
        List<Iovec> out = new ArrayList<>(l.size());
        for (UserIovec v : l) out.add(new Iovec(v.base().value(), v.len()));
        return out;
    }

    @Schema(description = "pread64/pwrite64 on an O_DIRECT ext4 or xfs file")
    public record DirectRequest(@NotNull Integer fd, @NotNull Address buf, @Schema(example = "4096") @NotNull @PositiveOrZero Long count,
                                @Schema(example = "0") @NotNull Long offset) {
        Syscall.DirectRw toSyscall(Ctx c, boolean write) {
            c.checkTouch("count", count);
            return new Syscall.DirectRw(c.pid(), fd, buf.value(), count, offset, write);
        }
    }

    @Schema(description = "process_vm_readv/writev: local iovecs in the caller, remote ones in pid")
    public record ProcessVmRequest(@NotNull Integer remotePid, @NotNull @Size(max = 1025) List<@Valid @NotNull UserIovec> local,
                                   @NotNull @Size(max = 1025) List<@Valid @NotNull UserIovec> remote,
                                   @PositiveOrZero @Max(0xffffffffL) Long flags) {
        Syscall.ProcessVmRw toSyscall(Ctx c, boolean write) {
            c.checkTouch("remote", remote.stream().mapToLong(UserIovec::len).sum());
            c.checkTouch("local", local.stream().mapToLong(UserIovec::len).sum());
            return new Syscall.ProcessVmRw(c.pid(), remotePid, iovecs(local), iovecs(remote), flags == null ? 0 : flags, write);
        }
    }

    @Schema(description = "fallocate(2): mode bits (none: preallocate), byte range [offset, offset + len)")
    public record FallocateRequest(@NotNull Integer fd,
                                   @ArraySchema(schema = @Schema(implementation = FallocFlag.class),
                                           arraySchema = @Schema(example = "[\"FALLOC_FL_PUNCH_HOLE\",\"FALLOC_FL_KEEP_SIZE\"]"))
                                   EnumSet<FallocFlag> mode,
                                   @Schema(example = "0") @NotNull Long offset, @Schema(example = "4096") @NotNull Long len) {
        Syscall.Fallocate toSyscall(Ctx c) {
            int m = mode == null ? 0 : UapiFlag.mask(mode);
            // preallocation on tmpfs/hugetlbfs allocates a page per 4 KiB of len
            if ((m & FallocFlag.FALLOC_FL_PUNCH_HOLE.value) == 0 && len > 0) c.checkTouch("len", len);
            return new Syscall.Fallocate(c.pid(), fd, m, offset, len);
        }
    }

    @Schema(description = "pipe2(2): O_CLOEXEC, O_NONBLOCK, O_DIRECT")
    public record Pipe2Request(@ArraySchema(schema = @Schema(implementation = OFlag.class)) EnumSet<OFlag> flags) {
        Syscall.Pipe2 toSyscall(Ctx c) {
            return new Syscall.Pipe2(c.pid(), flags == null ? 0 : UapiFlag.mask(flags));
        }
    }

    @Schema(description = "vmsplice(2): on a pipe's write end, user memory into the pipe; on its read end, the pipe into user memory")
    public record VmspliceRequest(@NotNull Integer fd, @NotNull @Size(max = 1025) List<@Valid @NotNull UserIovec> iovecs,
                                  @ArraySchema(schema = @Schema(implementation = SpliceFlag.class)) EnumSet<SpliceFlag> flags) {
        Syscall.Vmsplice toSyscall(Ctx c) {
            c.checkTouch("iovecs", iovecs.stream().mapToLong(UserIovec::len).sum());
            return new Syscall.Vmsplice(c.pid(), fd, Requests.iovecs(iovecs), flags == null ? 0 : UapiFlag.mask(flags));
        }
    }

    @Schema(description = "read(2) of a pipe into user memory at buf")
    public record ReadRequest(@NotNull Integer fd, @NotNull Address buf, @Schema(example = "4096") @NotNull @PositiveOrZero Long count) {
        Syscall.Read toSyscall(Ctx c) {
            c.checkTouch("count", count);
            return new Syscall.Read(c.pid(), fd, buf.value(), count);
        }
    }

    public enum MemAccess { read, write }

    @Schema(description = "a read or write of /proc/<targetPid>/mem at addr")
    public record ProcMemRequest(@NotNull Integer targetPid, @NotNull Address addr, @Schema(example = "8") @NotNull @PositiveOrZero Long length,
                                 @NotNull MemAccess access, @Schema(description = "write: the value stored in each page touched") Long value) {
        Syscall.ProcPidMem toSyscall(Ctx c) {
            boolean write = access == MemAccess.write;
            if (!write && value != null) throw ApiProblemException.badField("value", "only a write stores a value");
            c.checkTouch("length", length);
            return new Syscall.ProcPidMem(c.pid(), targetPid, addr.value(), length, write, value);
        }
    }
}
