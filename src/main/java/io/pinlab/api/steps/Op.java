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
 * request body), the one mapping args -> {@link Syscall}, how the kernel's answer is presented as
 * JSON, and the endpoint that makes the call ({@link Endpoint}: its path, and how the OpenAPI
 * document describes it). The endpoints, import, replay, compare and exercises all go through these.
 *
 * @param <Q> the args record
 * @param <R> the kernel's answer
 * @param <A> the JSON answer
 */
public final class Op<Q, R, A> {
    /** The OpenAPI tags of the ops' endpoints, with their descriptions. */
    public enum Tag {
        MEMORY("memory", "mmap family and the process touching its own memory"),
        GUP("gup", "get_user_pages / pin_user_pages and the simulated driver's pins"),
        PROCESSES("processes", "Processes of a session: create, fork, exit"),
        FILES("files", "open, memfd_create, memfd_secret, ftruncate, fallocate, pipe2, close"),
        IO_URING("io_uring", "io_uring rings and registered (fixed) buffers"),
        GUP_USERS("gup users", "O_DIRECT pread/pwrite, process_vm_readv/writev, /proc/PID/mem, vmsplice and read of a pipe"),
        SWAP("swap", "swapon/swapoff of the session's swapfile and /proc/swaps; MADV_PAGEOUT writes pages to it");

        private final String label;
        private final String description;

        Tag(String label, String description) {
            this.label = label;
            this.description = description;
        }

        /** The tag's name in the document (what controllers name in {@code @Tag}). */
        public String label() { return label; }

        public String description() { return description; }
    }

    /**
     * The op's own endpoint: {@code POST /api/v1/sessions/{sid}/processes/{pid}/NAME} for an op
     * with a pid, {@code POST /api/v1/sessions/{sid}/NAME} for one without; the args record is
     * its request body (none for {@link Requests.NoArgs}). Ops whose endpoint has another shape
     * (process, exit, release, sysctl: a resource's POST, DELETE or PUT) have none.
     *
     * @param answer      the JSON answer's type, for the document
     * @param description null for none
     */
    public record Endpoint(Tag tag, String operationId, Class<?> answer, String summary, String description) {
    }

    /** Builds the JSON answer under the session lock, right after the call. */
    @FunctionalInterface
    interface Present<Q, R, A> {
        A of(Kernel k, Q args, R answer);
    }

    public static final Op<Requests.MmapRequest, SysResult, Answers.MmapAnswer> MMAP = new Op<>("mmap",
            Requests.MmapRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.MmapAnswer.of(q, r, k.profile),
            new Endpoint(Tag.MEMORY, "mmap", Answers.MmapAnswer.class, "mmap(2)", "ksys_mmap_pgoff() -> do_mmap() -> mmap_region(). Kernel failures are 200 with errno."));
    public static final Op<Requests.RangeRequest, SysResult, KernelAnswer> MUNMAP = new Op<>("munmap",
            Requests.RangeRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.MEMORY, "munmap", KernelAnswer.class, "munmap(2)", null));
    public static final Op<Requests.MremapRequest, SysResult, Answers.MremapAnswer> MREMAP = new Op<>("mremap",
            Requests.MremapRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.MremapAnswer.of(r, k.profile),
            new Endpoint(Tag.MEMORY, "mremap", Answers.MremapAnswer.class, "mremap(2)", "do_mremap() (mm/mremap.c): shrink, grow in place, or move with the page tables (frames and pins go along). Kernel failures are 200 with errno."));
    public static final Op<Requests.MprotectRequest, SysResult, KernelAnswer> MPROTECT = new Op<>("mprotect",
            Requests.MprotectRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.MEMORY, "mprotect", KernelAnswer.class, "mprotect(2)", null));
    public static final Op<Requests.MadviseRequest, SysResult, KernelAnswer> MADVISE = new Op<>("madvise",
            Requests.MadviseRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.MEMORY, "madvise", KernelAnswer.class, "madvise(2)", null));
    public static final Op<Requests.AccessRequest, AccessResult, Answers.AccessAnswer> ACCESS = new Op<>("access",
            Requests.AccessRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.AccessAnswer.of(r, k.profile),
            new Endpoint(Tag.MEMORY, "access", Answers.AccessAnswer.class, "The process reads or writes its own memory", "handle_mm_fault() for every page not yet mapped as needed; a bad access stops with a signal."));
    public static final Op<Requests.GupCallRequest, GupResult, Answers.GupAnswer> GUP = new Op<>("gup",
            Requests.GupCallRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.GupAnswer.of(r, k.profile),
            new Endpoint(Tag.GUP, "gup", Answers.GupAnswer.class, "Call a GUP entry point as a driver", "Kernel failures are 200 with ret/errno. Arguments that break is_valid_gup_args() for the "
                    + "profile are a 422 invalid-gup-args problem (rule, kernelRet, warning; the WARN also reaches dmesg)."));
    public static final Op<Requests.ReleaseArgs, SysResult, KernelAnswer> RELEASE = new Op<>("release",
            Requests.ReleaseArgs.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile));
    /** 201 with the child, or the kernel's answer when it fails the fork. */
    public static final Op<Requests.NoArgs, SysResult, Object> FORK = new Op<>("fork",
            Requests.NoArgs.class, true, (c, q) -> new Syscall.Fork(c.pid()),
            (k, q, r) -> r.ok() ? ProcessView.of(k, k.task((int) r.ret())) : KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.PROCESSES, "fork", ProcessView.class, "fork(2): the child gets a COW copy of the address space", "201 with the child process. Pinned exclusive anonymous pages are copied for the child, "
                    + "as copy_present_pte() does. If the kernel fails the fork there is no child to show: 409 "
                    + "fork-failed with kernelRet and errno."));
    public static final Op<Requests.NoArgs, SysResult, KernelAnswer> EXIT = new Op<>("exit",
            Requests.NoArgs.class, true, (c, q) -> new Syscall.Exit(c.pid()), (k, q, r) -> KernelAnswer.of(r, k.profile));
    public static final Op<Requests.CreateProcessRequest, SysResult, ProcessView> PROCESS = new Op<>("process",
            Requests.CreateProcessRequest.class, false, (c, q) -> q.toSyscall(c),
            (k, q, r) -> ProcessView.of(k, k.task((int) r.ret())));
    public static final Op<Requests.OpenRequest, SysResult, Answers.FlaggedAnswer> OPEN = new Op<>("open",
            Requests.OpenRequest.class, true, (c, q) -> q.toSyscall(c),
            (k, q, r) -> Answers.FlaggedAnswer.of(r, k.profile, FlagSet.of(q.flags(), UapiFlag.mask(q.flags()))),
            new Endpoint(Tag.FILES, "open", Answers.FlaggedAnswer.class, "open(2): ret is the new fd or -errno", null));
    public static final Op<Requests.MemfdCreateRequest, SysResult, Answers.FlaggedAnswer> MEMFD_CREATE = new Op<>(
            "memfd_create", Requests.MemfdCreateRequest.class, true, (c, q) -> q.toSyscall(c),
            (k, q, r) -> Answers.FlaggedAnswer.of(r, k.profile, FlagSet.of(q.flagSet(), UapiFlag.mask(q.flagSet()))),
            new Endpoint(Tag.FILES, "memfdCreate", Answers.FlaggedAnswer.class, "memfd_create(2): ret is the new fd or -errno", null));
    public static final Op<Requests.MemfdSecretRequest, SysResult, KernelAnswer> MEMFD_SECRET = new Op<>("memfd_secret",
            Requests.MemfdSecretRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.FILES, "memfdSecret", KernelAnswer.class, "memfd_secret(2): secretmem is never pinnable", null));
    public static final Op<Requests.FtruncateRequest, SysResult, KernelAnswer> FTRUNCATE = new Op<>("ftruncate",
            Requests.FtruncateRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.FILES, "ftruncate", KernelAnswer.class, "ftruncate(2)", null));
    public static final Op<Requests.CloseRequest, SysResult, KernelAnswer> CLOSE = new Op<>("close",
            Requests.CloseRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.FILES, "close", KernelAnswer.class, "close(2)", null));
    public static final Op<Requests.SysctlArgs, SysResult, Answers.SysctlAnswer> SYSCTL = new Op<>("sysctl",
            Requests.SysctlArgs.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> {
                KernelAnswer a = KernelAnswer.of(r, k.profile);
                return new Answers.SysctlAnswer(a.ret(), a.errno(), a.explain(), a.warnings(), q.name(),
                        io.pinlab.kernel.Sysctl.get(k, q.name()));
            });
    public static final Op<Requests.SwaponRequest, SysResult, KernelAnswer> SWAPON = new Op<>("swapon",
            Requests.SwaponRequest.class, false, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.SWAP, "swapon", KernelAnswer.class, "swapon(2) of a swapfile of the given size (mkswap semantics: the first page is the header)", null));
    public static final Op<Requests.NoArgs, SysResult, KernelAnswer> SWAPOFF = new Op<>("swapoff",
            Requests.NoArgs.class, false, (c, q) -> new Syscall.Swapoff(), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.SWAP, "swapoff", KernelAnswer.class, "swapoff(2): every swapped-out page is read back in (try_to_unuse())", null));
    public static final Op<Requests.SetupRequest, SysResult, KernelAnswer> IO_URING_SETUP = new Op<>("io_uring_setup",
            Requests.SetupRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.IO_URING, "ioUringSetup", KernelAnswer.class, "io_uring_setup(2): ret is the ring fd or -errno", null));
    public static final Op<Requests.RegisterRequest, SysResult, KernelAnswer> IO_URING_REGISTER = new Op<>(
            "io_uring_register", Requests.RegisterRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.IO_URING, "ioUringRegister", KernelAnswer.class, "io_uring_register(2) with the buffer opcodes", null));
    public static final Op<Requests.EnterRequest, EnterResult, Answers.EnterAnswer> IO_URING_ENTER = new Op<>(
            "io_uring_enter", Requests.EnterRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.EnterAnswer.of(r, k.profile),
            new Endpoint(Tag.IO_URING, "ioUringEnter", Answers.EnterAnswer.class, "io_uring_enter(2): submit SQEs, reap CQEs", null));

    public static final Op<Requests.DirectRequest, SysResult, KernelAnswer> PREAD = new Op<>("pread",
            Requests.DirectRequest.class, true, (c, q) -> q.toSyscall(c, false), (k, q, r) -> KernelAnswer.of(r),
            new Endpoint(Tag.GUP_USERS, "pread", KernelAnswer.class, "pread64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN|FOLL_WRITE) for the I/O", null));
    public static final Op<Requests.DirectRequest, SysResult, KernelAnswer> PWRITE = new Op<>("pwrite",
            Requests.DirectRequest.class, true, (c, q) -> q.toSyscall(c, true), (k, q, r) -> KernelAnswer.of(r),
            new Endpoint(Tag.GUP_USERS, "pwrite", KernelAnswer.class, "pwrite64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN) for the I/O", null));
    public static final Op<Requests.ProcessVmRequest, SysResult, KernelAnswer> PROCESS_VM_READV = new Op<>("process_vm_readv",
            Requests.ProcessVmRequest.class, true, (c, q) -> q.toSyscall(c, false), (k, q, r) -> KernelAnswer.of(r),
            new Endpoint(Tag.GUP_USERS, "processVmReadv", KernelAnswer.class, "process_vm_readv(2): remote pages pinned with pin_user_pages_remote()", null));
    public static final Op<Requests.ProcessVmRequest, SysResult, KernelAnswer> PROCESS_VM_WRITEV = new Op<>("process_vm_writev",
            Requests.ProcessVmRequest.class, true, (c, q) -> q.toSyscall(c, true), (k, q, r) -> KernelAnswer.of(r),
            new Endpoint(Tag.GUP_USERS, "processVmWritev", KernelAnswer.class, "process_vm_writev(2): remote pages pinned with pin_user_pages_remote(FOLL_WRITE)", null));
    public static final Op<Requests.ProcMemRequest, io.pinlab.kernel.mm.ProcessVm.MemResult, Answers.ProcMemAnswer> PROC_PID_MEM =
            new Op<>("proc_pid_mem", Requests.ProcMemRequest.class, true, (c, q) -> q.toSyscall(c),
                    (k, q, r) -> Answers.ProcMemAnswer.of(r),
            new Endpoint(Tag.GUP_USERS, "procPidMem", Answers.ProcMemAnswer.class, "read or write /proc/<targetPid>/mem: get_user_pages_remote() with FOLL_FORCE", null));

    public static final Op<Requests.FallocateRequest, SysResult, KernelAnswer> FALLOCATE = new Op<>("fallocate",
            Requests.FallocateRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.FILES, "fallocate", KernelAnswer.class, "fallocate(2): preallocate, KEEP_SIZE, PUNCH_HOLE (unmaps and drops the pages; pinned ones stay allocated), ZERO_RANGE, COLLAPSE_RANGE and INSERT_RANGE (ext4, xfs), UNSHARE_RANGE (xfs)", null));
    public static final Op<Requests.Pipe2Request, io.pinlab.kernel.fs.Pipe.PipeFds, Answers.PipeAnswer> PIPE2 = new Op<>("pipe2",
            Requests.Pipe2Request.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> Answers.PipeAnswer.of(r, k.profile),
            new Endpoint(Tag.FILES, "pipe2", Answers.PipeAnswer.class, "pipe2(2): readFd and writeFd of a new pipe", null));
    public static final Op<Requests.VmspliceRequest, SysResult, KernelAnswer> VMSPLICE = new Op<>("vmsplice",
            Requests.VmspliceRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.GUP_USERS, "vmsplice", KernelAnswer.class, "vmsplice(2): user pages into a pipe, each held by a FOLL_GET reference until read", null));
    public static final Op<Requests.ReadRequest, SysResult, KernelAnswer> READ = new Op<>("read",
            Requests.ReadRequest.class, true, (c, q) -> q.toSyscall(c), (k, q, r) -> KernelAnswer.of(r, k.profile),
            new Endpoint(Tag.GUP_USERS, "read", KernelAnswer.class, "read(2) of a pipe: copies the data out and drops the page references of emptied buffers", null));

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
    private final Endpoint endpoint;

    private Op(String name, Class<Q> args, boolean hasPid, BiFunction<Requests.Ctx, Q, Syscall<R>> syscall,
               Present<Q, R, A> present) {
        this(name, args, hasPid, syscall, present, null);
    }

    private Op(String name, Class<Q> args, boolean hasPid, BiFunction<Requests.Ctx, Q, Syscall<R>> syscall,
               Present<Q, R, A> present, Endpoint endpoint) {
        this.name = name;
        this.args = args;
        this.hasPid = hasPid;
        this.syscall = syscall;
        this.present = present;
        this.endpoint = endpoint;
    }

    /** The op's name on the wire (the endpoint's last path segment). */
    public String name() { return name; }

    /** The args record (the endpoint's request body). */
    public Class<Q> args() { return args; }

    /** Whether a step of this op names the calling process ({@code pid}). */
    public boolean hasPid() { return hasPid; }

    /** The op's own endpoint, or null when a resource's endpoint makes the call (process, exit, release, sysctl). */
    public Endpoint endpoint() { return endpoint; }

    /** The path of the op's own endpoint (see {@link Endpoint}). */
    public String path() {
        return (hasPid ? "/api/v1/sessions/{sid}/processes/{pid}/" : "/api/v1/sessions/{sid}/") + name;
    }

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
