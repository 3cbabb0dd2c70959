package io.pinlab.api.steps;

import io.pinlab.kernel.base.UapiFlag;
import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.process.ProcessView;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.Syscall;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One op of the step vocabulary (API.md "Steps"): its name, its args record (the endpoint's
 * request body), the one mapping args -> {@link Syscall}, and how the kernel's answer is
 * presented as JSON. Controllers, import, replay, compare and exercises all go through these.
 *
 * @param <Q> the args record
 * @param <R> the kernel's answer
 * @param <A> the JSON answer
 */
public final class Op<Q, R, A> {
    /** Builds the JSON answer under the session lock, right after the call. */
    @FunctionalInterface
    interface Present<Q, R, A> {
        A of(Kernel k, Q args, R answer);
    }

    public static final Op<Requests.MmapRequest, SysResult, Answers.MmapAnswer> MMAP = new Op<>("mmap",
            Requests.MmapRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.MmapAnswer.of(q, r, k.profile));
    public static final Op<Requests.RangeRequest, SysResult, KernelAnswer> MUNMAP = new Op<>("munmap",
            Requests.RangeRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.MremapRequest, SysResult, Answers.MremapAnswer> MREMAP = new Op<>("mremap",
            Requests.MremapRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.MremapAnswer.of(r, k.profile));
    public static final Op<Requests.MprotectRequest, SysResult, KernelAnswer> MPROTECT = new Op<>("mprotect",
            Requests.MprotectRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.MadviseRequest, SysResult, KernelAnswer> MADVISE = new Op<>("madvise",
            Requests.MadviseRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.AccessRequest, AccessResult, Answers.AccessAnswer> ACCESS = new Op<>("access",
            Requests.AccessRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.AccessAnswer.of(r, k.profile));
    public static final Op<Requests.GupCallRequest, GupResult, Answers.GupAnswer> GUP = new Op<>("gup",
            Requests.GupCallRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.GupAnswer.of(r, k.profile));
    public static final Op<Requests.ReleaseArgs, SysResult, KernelAnswer> RELEASE = new Op<>("release",
            Requests.ReleaseArgs.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    /** 201 with the child, or the kernel's answer when it fails the fork. */
    public static final Op<Requests.NoArgs, SysResult, Object> FORK = new Op<>("fork",
            Requests.NoArgs.class, true, (c, q) -> new Syscall.Fork(c.pid()),
            (k, q, r) -> r.ok() ? ProcessView.of(k, k.task((int) r.ret())) : KernelAnswer.of(r, k.profile));
    public static final Op<Requests.NoArgs, SysResult, KernelAnswer> EXIT = new Op<>("exit",
            Requests.NoArgs.class, true, (c, q) -> new Syscall.Exit(c.pid()), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.CreateProcessRequest, SysResult, ProcessView> PROCESS = new Op<>("process",
            Requests.CreateProcessRequest.class, false, (c, q) -> q.toSyscall(c),
            (k, q, r) -> ProcessView.of(k, k.task((int) r.ret())));
    public static final Op<Requests.OpenRequest, SysResult, Answers.FlaggedAnswer> OPEN = new Op<>("open",
            Requests.OpenRequest.class, true, (c, q) -> q.toSyscall(c),
            (k, q, r) -> Answers.FlaggedAnswer.of(r, k.profile, FlagSet.of(q.flags(), UapiFlag.mask(q.flags()))));
    public static final Op<Requests.MemfdCreateRequest, SysResult, Answers.FlaggedAnswer> MEMFD_CREATE = new Op<>(
            "memfd_create", Requests.MemfdCreateRequest.class, true, (c, q) -> q.toSyscall(c),
            (k, q, r) -> Answers.FlaggedAnswer.of(r, k.profile, FlagSet.of(q.flagSet(), UapiFlag.mask(q.flagSet()))));
    public static final Op<Requests.MemfdSecretRequest, SysResult, KernelAnswer> MEMFD_SECRET = new Op<>("memfd_secret",
            Requests.MemfdSecretRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.FtruncateRequest, SysResult, KernelAnswer> FTRUNCATE = new Op<>("ftruncate",
            Requests.FtruncateRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.CloseRequest, SysResult, KernelAnswer> CLOSE = new Op<>("close",
            Requests.CloseRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.SysctlArgs, SysResult, Answers.SysctlAnswer> SYSCTL = new Op<>("sysctl",
            Requests.SysctlArgs.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> {
                KernelAnswer a = KernelAnswer.of(r, k.profile);
                return new Answers.SysctlAnswer(a.ret(), a.errno(), a.explain(), a.warnings(), q.name(),
                        io.pinlab.kernel.Sysctl.get(k, q.name()));
            });
    public static final Op<Requests.SwaponRequest, SysResult, KernelAnswer> SWAPON = new Op<>("swapon",
            Requests.SwaponRequest.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.NoArgs, SysResult, KernelAnswer> SWAPOFF = new Op<>("swapoff",
            Requests.NoArgs.class, false, (c, q) -> new Syscall.Swapoff(), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.SetupRequest, SysResult, KernelAnswer> IO_URING_SETUP = new Op<>("io_uring_setup",
            Requests.SetupRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.RegisterRequest, SysResult, KernelAnswer> IO_URING_REGISTER = new Op<>(
            "io_uring_register", Requests.RegisterRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.EnterRequest, EnterResult, Answers.EnterAnswer> IO_URING_ENTER = new Op<>(
            "io_uring_enter", Requests.EnterRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.EnterAnswer.of(r, k.profile));

    public static final Op<Requests.DirectRequest, SysResult, KernelAnswer> PREAD = new Op<>("pread",
            Requests.DirectRequest.class, true, (c, q) -> q.toSyscall(c, false), (k, q, r) -> KernelAnswer.of(r));
    public static final Op<Requests.DirectRequest, SysResult, KernelAnswer> PWRITE = new Op<>("pwrite",
            Requests.DirectRequest.class, true, (c, q) -> q.toSyscall(c, true), (k, q, r) -> KernelAnswer.of(r));
    public static final Op<Requests.ProcessVmRequest, SysResult, KernelAnswer> PROCESS_VM_READV = new Op<>("process_vm_readv",
            Requests.ProcessVmRequest.class, true, (c, q) -> q.toSyscall(c, false), (k, q, r) -> KernelAnswer.of(r));
    public static final Op<Requests.ProcessVmRequest, SysResult, KernelAnswer> PROCESS_VM_WRITEV = new Op<>("process_vm_writev",
            Requests.ProcessVmRequest.class, true, (c, q) -> q.toSyscall(c, true), (k, q, r) -> KernelAnswer.of(r));
    public static final Op<Requests.ProcMemRequest, io.pinlab.kernel.mm.ProcessVm.MemResult, Answers.ProcMemAnswer> PROC_PID_MEM =
            new Op<>("proc_pid_mem", Requests.ProcMemRequest.class, true, (c, q) -> q.toSyscall(c),
                    (k, q, r) -> Answers.ProcMemAnswer.of(r));

    public static final Op<Requests.FallocateRequest, SysResult, KernelAnswer> FALLOCATE = new Op<>("fallocate",
            Requests.FallocateRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.Pipe2Request, io.pinlab.kernel.fs.Pipe.PipeFds, Answers.PipeAnswer> PIPE2 = new Op<>("pipe2",
            Requests.Pipe2Request.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.PipeAnswer.of(r, k.profile));
    public static final Op<Requests.VmspliceRequest, SysResult, KernelAnswer> VMSPLICE = new Op<>("vmsplice",
            Requests.VmspliceRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.ReadRequest, SysResult, KernelAnswer> READ = new Op<>("read",
            Requests.ReadRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));

    /** Every op by name, in the order API.md lists them. */
    public static final Map<String, Op<?, ?, ?>> ALL;

    static {
        Map<String, Op<?, ?, ?>> m = new LinkedHashMap<>();
        for (Op<?, ?, ?> op : List.of(MMAP, MUNMAP, MREMAP, MPROTECT, MADVISE, ACCESS, GUP, FORK, OPEN, MEMFD_CREATE, MEMFD_SECRET,
                FTRUNCATE, CLOSE, IO_URING_SETUP, IO_URING_REGISTER, IO_URING_ENTER, PROCESS, EXIT, RELEASE, SYSCTL,
                PREAD, PWRITE, PROCESS_VM_READV, PROCESS_VM_WRITEV, PROC_PID_MEM, FALLOCATE, PIPE2, VMSPLICE, READ, SWAPON, SWAPOFF))
            m.put(op.name, op);
        ALL = java.util.Collections.unmodifiableMap(m);
    }

    private final String name;
    private final Class<Q> args;
    private final boolean hasPid;
    private final BiFunction<Requests.Ctx, Q, Syscall<R>> syscall;
    private final Present<Q, R, A> present;

    private Op(String name, Class<Q> args, boolean hasPid, BiFunction<Requests.Ctx, Q, Syscall<R>> syscall,
               Present<Q, R, A> present) {
        this.name = name;
        this.args = args;
        this.hasPid = hasPid;
        this.syscall = syscall;
        this.present = present;
    }

    /** The op's name on the wire (the endpoint's last path segment). */
    public String name() { return name; }

    /** The args record (the endpoint's request body). */
    public Class<Q> args() { return args; }

    /** Whether a step of this op names the calling process ({@code pid}). */
    public boolean hasPid() { return hasPid; }

    /**
     * The one mapping args -> syscall; throws 400 problems (ApiProblemException, TouchLimitException)
     * for arguments the session's profile or limits refuse.
     */
    public Syscall<R> syscall(Requests.Ctx ctx, Q q) { return syscall.apply(ctx, q); }

    /** The JSON answer of a call (under the session lock, right after it). */
    public A present(Kernel k, Q q, R answer) { return present.of(k, q, answer); }

    /** Unchecked variant for ops known only by name (import, replay, compare). */
    @SuppressWarnings("unchecked")
    Syscall<R> syscallOf(Requests.Ctx ctx, Object q) { return syscall.apply(ctx, (Q) q); }

    @SuppressWarnings("unchecked")
    A presentOf(Kernel k, Object q, Object answer) { return present.of(k, (Q) q, (R) answer); }

    @Override
    public String toString() { return name; }
}
