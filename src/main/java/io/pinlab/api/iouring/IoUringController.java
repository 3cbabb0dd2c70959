package io.pinlab.api.iouring;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Page;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.common.Pids;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.iouring.BufferView;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.Iovec;
import io.pinlab.kernel.iouring.RegisterArgs;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.iouring.Sqe;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.EnumSet;
import java.util.List;

@Tag(name = "io_uring", description = "io_uring rings and registered (fixed) buffers")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE)
class IoUringController {
    /** u32 fields of the uapi structs. */
    private static final long U32_MAX = 0xffff_ffffL;

    private final SessionService sessions;

    IoUringController(SessionService sessions) {
        this.sessions = sessions;
    }

    /** IORING_SETUP_* flags the simulator knows (include/uapi/linux/io_uring.h). */
    enum SetupFlag {
        IORING_SETUP_IOPOLL(1), IORING_SETUP_SQPOLL(1 << 1), IORING_SETUP_SQ_AFF(1 << 2), IORING_SETUP_CQSIZE(1 << 3),
        IORING_SETUP_CLAMP(1 << 4), IORING_SETUP_ATTACH_WQ(1 << 5), IORING_SETUP_R_DISABLED(1 << 6),
        IORING_SETUP_SUBMIT_ALL(1 << 7), IORING_SETUP_COOP_TASKRUN(1 << 8), IORING_SETUP_TASKRUN_FLAG(1 << 9),
        IORING_SETUP_SQE128(1 << 10), IORING_SETUP_CQE32(1 << 11), IORING_SETUP_SINGLE_ISSUER(1 << 12),
        IORING_SETUP_DEFER_TASKRUN(1 << 13);

        final int value;

        SetupFlag(int value) {
            this.value = value;
        }
    }

    /** IORING_RSRC_* flags of struct io_uring_rsrc_register. */
    enum RsrcFlag {
        IORING_RSRC_REGISTER_SPARSE(RegisterArgs.IORING_RSRC_REGISTER_SPARSE),
        /** struct io_uring_clone_buffers flags (IORING_REGISTER_CLONE_BUFFERS). */
        IORING_REGISTER_SRC_REGISTERED(RegisterArgs.IORING_REGISTER_SRC_REGISTERED),
        IORING_REGISTER_DST_REPLACE(RegisterArgs.IORING_REGISTER_DST_REPLACE);

        final int value;

        RsrcFlag(int value) {
            this.value = value;
        }
    }

    /** The SQE opcodes fixed-buffer I/O uses. */
    enum SqeOp {
        IORING_OP_NOP(Sqe.IORING_OP_NOP), IORING_OP_READ_FIXED(Sqe.IORING_OP_READ_FIXED), IORING_OP_WRITE_FIXED(Sqe.IORING_OP_WRITE_FIXED),
        IORING_OP_READV_FIXED(Sqe.IORING_OP_READV_FIXED), IORING_OP_WRITEV_FIXED(Sqe.IORING_OP_WRITEV_FIXED);

        final int value;

        SqeOp(int value) {
            this.value = value;
        }
    }

    record SetupRequest(@Schema(example = "8") @NotNull @PositiveOrZero @Max(U32_MAX) Long entries,
                        @ArraySchema(schema = @Schema(implementation = SetupFlag.class)) EnumSet<SetupFlag> flags) {
    }

    record IovecJson(@NotNull Address base, @Schema(example = "4096") @NotNull @PositiveOrZero Long len) {
    }

    record RegisterRequest(
            @NotNull Integer fd,
            @Schema(implementation = RegisterOp.class, example = "IORING_REGISTER_BUFFERS",
                    description = "the opcode by name; or give opcodeNumber instead") RegisterOp opcode,
            // elements are checked in toKernel(): Bean Validation cascading into 16,384 iovecs cost
            // 10-15 ms of a 30 ms budget for the largest legal table
            @Schema(description = "the user iovec array; absent is a NULL pointer") @Size(max = 65536) List<IovecJson> iovecs,
            @Schema(description = "nr_args; default what liburing passes") @PositiveOrZero @Max(U32_MAX) Long nrArgs,
            @Schema(description = "rr.nr / up.nr; default the iovec count") @PositiveOrZero @Max(U32_MAX) Long nr,
            @ArraySchema(schema = @Schema(implementation = RsrcFlag.class)) EnumSet<RsrcFlag> flags,
            @Schema(description = "up.offset") @PositiveOrZero @Max(U32_MAX) Long offset,
            @Schema(description = "u64 tags; absent is tags == 0") @Size(max = 65536) List<@NotNull Long> tags,
            @Schema(description = "the opcode as a number, instead of opcode: a simulated one, or one from "
                    + "IORING_REGISTER_LAST on (the kernel answers -EINVAL)") @PositiveOrZero @Max(Integer.MAX_VALUE) Long opcodeNumber,
            @Schema(description = "IORING_REGISTER_CLONE_BUFFERS: src_fd (offset is dst_off)") Integer srcFd,
            @Schema(description = "IORING_REGISTER_CLONE_BUFFERS: src_off") @PositiveOrZero @Max(U32_MAX) Long srcOff) {

        RegisterArgs toKernel(io.pinlab.kernel.Profile profile) {
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
                return new RegisterRequest(fd, known.get(), iovecs, nrArgs, nr, flags, offset, tags, null, srcFd, srcOff).toKernel(profile);
            }
            List<Iovec> iov = null;
            if (iovecs != null) {
                iov = new java.util.ArrayList<>(iovecs.size());
                for (int i = 0; i < iovecs.size(); i++) {
                    IovecJson v = iovecs.get(i);
                    if (v == null) throw ApiProblemException.badField("iovecs[" + i + "]", "must not be null");
                    if (v.base() == null) throw ApiProblemException.badField("iovecs[" + i + "].base", "must not be null");
                    if (v.len() == null) throw ApiProblemException.badField("iovecs[" + i + "].len", "must not be null");
                    if (v.len() < 0) throw ApiProblemException.badField("iovecs[" + i + "].len", "must be greater than or equal to 0");
                    iov.add(new Iovec(v.base().value(), v.len()));
                }
            }
            int f = 0;
            if (flags != null) for (RsrcFlag x : flags) f |= x.value;
            return new RegisterArgs(fd, opcode, iov, nrArgs == null ? null : (int) (long) nrArgs,
                    nr == null ? null : (int) (long) nr, f, offset == null ? 0 : (int) (long) offset, tags, null,
                    null, srcFd == null ? 0 : srcFd, srcOff == null ? 0 : (int) (long) srcOff);
        }
    }

    record SqeJson(@Schema(implementation = SqeOp.class) @NotNull SqeOp opcode, @NotNull Integer fd,
                   @NotNull Address addr, @NotNull @PositiveOrZero @Max(U32_MAX) Long len,
                   @Schema(description = "file offset; -1 means the current position") @Min(-1) Long off,
                   @NotNull @PositiveOrZero @Max(65535) Integer bufIndex, Long userData,
                   @Schema(description = "IORING_OP_NOP: sqe->nop_flags (IORING_NOP_*)") @PositiveOrZero @Max(U32_MAX) Long nopFlags,
                   @Schema(description = "READV_FIXED/WRITEV_FIXED: the iovec array (len is taken as its length)")
                   @Size(max = 1025) List<IovecJson> iovecs) {

        /** Bytes the simulator walks for this SQE: the iovecs of a vectored one, else len. */
        long touches() { return iovecs == null ? len : iovecs.stream().mapToLong(v -> v == null || v.len() == null ? 0 : Math.max(0, v.len())).sum(); }

        Sqe toKernel(int i) {
            if (iovecs == null) return new Sqe(opcode.value, fd, addr.value(), len, off == null ? 0 : off, bufIndex,
                    userData == null ? 0 : userData, nopFlags == null ? 0 : (int) (long) nopFlags, null);
            List<Iovec> iov = new java.util.ArrayList<>(iovecs.size());
            for (int j = 0; j < iovecs.size(); j++) {
                IovecJson v = iovecs.get(j);
                String f = "sqes[" + i + "].iovecs[" + j + "]";
                if (v == null || v.base() == null || v.len() == null || v.len() < 0)
                    throw ApiProblemException.badField(f, "must be { base, len } with len >= 0");
                iov.add(new Iovec(v.base().value(), v.len()));
            }
            return new Sqe(opcode.value, fd, addr.value(), iov.size(), off == null ? 0 : off, bufIndex,
                    userData == null ? 0 : userData, nopFlags == null ? 0 : (int) (long) nopFlags, iov);
        }
    }

    record EnterRequest(@NotNull Integer fd, @NotNull @Size(max = 4096) List<@Valid @NotNull SqeJson> sqes) {
    }

    record CqeView(long userData, int res, int flags) {
        static CqeView of(Cqe c) {
            return new CqeView(c.userData(), c.res(), c.flags());
        }
    }

    record EnterAnswer(long ret, @Schema(nullable = true, implementation = io.pinlab.kernel.Errno.class) String errno,
                       List<CqeView> cqes, List<KernelAnswer.ExplainStep> explain) {
    }

    record BufferJson(int index, Address base, long len, int nrBvecs, long accountedPages,
                      @Schema(description = "pinned pfns (at most the first 512)") List<Long> pfns,
                      @Schema(description = "all pinned pfns as runs with a fixed step (at most the first 256 runs)") List<Pfns.Run> pfnRuns,
                      @Schema(description = "the bvecs (at most the first 512; nrBvecs counts them all)") List<BvecJson> bvecs,
                      @Schema(description = "true when pfns, pfnRuns or bvecs list only their first entries") boolean truncated,
                      long tag, boolean empty) {
        record BvecJson(long pfn, long offset, long len) {
        }

        static BufferJson of(BufferView b) {
            long[] pfns = new long[b.pfns().size()];
            for (int i = 0; i < pfns.length; i++) pfns[i] = b.pfns().get(i);
            Pfns.Runs runs = Pfns.runs(pfns);
            boolean truncated = pfns.length > Pfns.MAX_LISTED || b.bvecs().size() > Pfns.MAX_LISTED || runs.truncated();
            return new BufferJson(b.index(), Address.of(b.base()), b.len(), b.nrBvecs(), b.accountedPages(),
                    Pfns.listed(pfns, false), runs.runs(),
                    b.bvecs().stream().limit(Pfns.MAX_LISTED).map(v -> new BvecJson(v.pfn(), v.offset(), v.len())).toList(),
                    truncated, b.tag(), b.empty());
        }
    }

    @Operation(operationId = "ioUringSetup", summary = "io_uring_setup(2): ret is the ring fd or -errno")
    @PostMapping(path = "/io_uring_setup", consumes = MediaType.APPLICATION_JSON_VALUE)
    KernelAnswer setup(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid SetupRequest req) {
        Pids.check(pid);
        int flags = 0;
        if (req.flags() != null) for (SetupFlag f : req.flags()) flags |= f.value;
        int entries = (int) (long) req.entries();
        int f = flags;
        return KernelAnswer.of(session.locked(k -> IoUring.setup(k, k.task(pid), entries, f)));
    }

    @Operation(operationId = "ioUringRegister", summary = "io_uring_register(2) with the buffer opcodes")
    @PostMapping(path = "/io_uring_register", consumes = MediaType.APPLICATION_JSON_VALUE)
    KernelAnswer register(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                          @RequestBody @Valid RegisterRequest req) {
        Pids.check(pid);
        RegisterArgs args = req.toKernel(session.profile());
        return KernelAnswer.of(session.locked(k -> IoUring.register(k, k.task(pid), args)));
    }

    @Operation(operationId = "ioUringEnter", summary = "io_uring_enter(2): submit SQEs, reap CQEs")
    @PostMapping(path = "/io_uring_enter", consumes = MediaType.APPLICATION_JSON_VALUE)
    EnterAnswer enter(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                      @RequestBody @Valid EnterRequest req) {
        Pids.check(pid);
        // each fixed read or write moves its range page by page: the whole submission counts
        // against the per-call touch limit, like access and MAP_POPULATE
        sessions.checkTouch("sqes", req.sqes().stream().mapToLong(SqeJson::touches).sum());
        List<Sqe> sqes = new java.util.ArrayList<>(req.sqes().size());
        for (int i = 0; i < req.sqes().size(); i++) sqes.add(req.sqes().get(i).toKernel(i));
        EnterResult r = session.locked(k -> IoUring.enter(k, k.task(pid), req.fd(), sqes));
        return new EnterAnswer(r.ret(), r.errno() == null ? null : r.errno().name(),
                r.cqes().stream().map(CqeView::of).toList(),
                r.explain().stream().map(KernelAnswer.ExplainStep::of).toList());
    }

    @Operation(operationId = "listIoUringBuffers", summary = "The ring's registered-buffer table, sparse slots included",
            description = "One page of the table: ?offset= is the first slot, ?limit= (default 100, at most 1000) "
                    + "caps the page; the X-Total-Count header gives the table size.")
    @ApiResponse(responseCode = "200", headers = @Header(name = Page.TOTAL_HEADER, description = "slots in the whole table",
            schema = @Schema(type = "integer", format = "int64")))
    @GetMapping("/io_uring/{fd}/buffers")
    ResponseEntity<List<BufferJson>> buffers(@PathVariable String sid, @PathVariable int pid, @PathVariable int fd,
                                             @Parameter(hidden = true) LabSession session,
                                             @Parameter(description = "first slot", example = "0")
                                             @RequestParam(defaultValue = "0") @PositiveOrZero int offset,
                                             @Parameter(description = "slots to return", example = "100")
                                             @RequestParam(defaultValue = Page.DEFAULT_LIMIT) @Positive @Max(Page.MAX_LIMIT) int limit) {
        Pids.check(pid);
        return session.locked(k -> Page.of(IoUring.ctx(k.task(pid), fd).nrUserBufs(),
                IoUring.buffers(k, k.task(pid), fd, offset, limit).stream().map(BufferJson::of).toList()));
    }
}
