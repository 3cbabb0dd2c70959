package io.pinlab.api.gupusers;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.fs.DirectIo;
import io.pinlab.kernel.iouring.Iovec;
import io.pinlab.kernel.mm.ProcessVm;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's other GUP users, so the same memory can be pinned by each: O_DIRECT pread/pwrite
 * (a short-term FOLL_PIN), process_vm_readv/writev (pin_user_pages_remote()) and /proc/PID/mem
 * (get_user_pages_remote() with FOLL_FORCE).
 */
@Tag(name = "gup users", description = "O_DIRECT pread/pwrite, process_vm_readv/writev, /proc/PID/mem")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class GupUsersController {
    private final SessionService sessions;

    GupUsersController(SessionService sessions) {
        this.sessions = sessions;
    }

    record UserIovec(@NotNull Address base, @Schema(example = "4096") @NotNull @PositiveOrZero Long len) {
    }

    @Schema(description = "pread64/pwrite64 on an O_DIRECT ext4 or xfs file")
    record DirectRequest(@NotNull Integer fd, @NotNull Address buf, @Schema(example = "4096") @NotNull @PositiveOrZero Long count,
                         @Schema(example = "0") @NotNull Long offset) {
    }

    @Schema(description = "process_vm_readv/writev: local iovecs in the caller, remote ones in pid")
    record ProcessVmRequest(@NotNull Integer remotePid, @NotNull @Size(max = 1025) List<@Valid @NotNull UserIovec> local,
                            @NotNull @Size(max = 1025) List<@Valid @NotNull UserIovec> remote,
                            @PositiveOrZero @Max(0xffffffffL) Long flags) {
    }

    enum MemAccess { read, write }

    @Schema(description = "a read or write of /proc/<targetPid>/mem at addr")
    record ProcMemRequest(@NotNull Integer targetPid, @NotNull Address addr, @Schema(example = "8") @NotNull @PositiveOrZero Long length,
                          @NotNull MemAccess access, @Schema(description = "write: the value stored in each page touched") Long value) {
    }

    record ProcMemAnswer(long ret, String errno, List<Long> values, List<KernelAnswer.ExplainStep> explain) {
    }

    private static List<Iovec> iovecs(List<UserIovec> l) {
        List<Iovec> out = new ArrayList<>(l.size());
        for (UserIovec v : l) out.add(new Iovec(v.base().value(), v.len()));
        return out;
    }

    private KernelAnswer direct(int pid, LabSession session, DirectRequest req, boolean write) {
        Pids.check(pid);
        sessions.checkTouch("count", req.count());
        SysResult r = session.locked(k -> {
            var t = k.task(pid);
            if (t.fds.containsKey(req.fd()) && !DirectIo.isDirectFile(t, req.fd()))
                throw ApiProblemException.badField("fd", "only O_DIRECT regular files on ext4 or xfs are simulated (buffered I/O is not)");
            return DirectIo.rw(k, t, req.fd(), req.buf().value(), req.count(), req.offset(), write);
        });
        return KernelAnswer.of(r);
    }

    @Operation(operationId = "pread", summary = "pread64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN|FOLL_WRITE) for the I/O")
    @PostMapping("/pread")
    KernelAnswer pread(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid DirectRequest req) {
        return direct(pid, session, req, false);
    }

    @Operation(operationId = "pwrite", summary = "pwrite64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN) for the I/O")
    @PostMapping("/pwrite")
    KernelAnswer pwrite(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                        @RequestBody @Valid DirectRequest req) {
        return direct(pid, session, req, true);
    }

    private KernelAnswer processVm(int pid, LabSession session, ProcessVmRequest req, boolean write) {
        Pids.check(pid);
        sessions.checkTouch("remote", req.remote().stream().mapToLong(UserIovec::len).sum());
        sessions.checkTouch("local", req.local().stream().mapToLong(UserIovec::len).sum());
        List<Iovec> local = iovecs(req.local()), remote = iovecs(req.remote());
        long flags = req.flags() == null ? 0 : req.flags();
        return KernelAnswer.of(session.locked(k -> ProcessVm.processVmRw(k, k.task(pid), req.remotePid(), local, remote, flags, write)));
    }

    @Operation(operationId = "processVmReadv", summary = "process_vm_readv(2): remote pages pinned with pin_user_pages_remote()")
    @PostMapping("/process_vm_readv")
    KernelAnswer processVmReadv(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                                @RequestBody @Valid ProcessVmRequest req) {
        return processVm(pid, session, req, false);
    }

    @Operation(operationId = "processVmWritev", summary = "process_vm_writev(2): remote pages pinned with pin_user_pages_remote(FOLL_WRITE)")
    @PostMapping("/process_vm_writev")
    KernelAnswer processVmWritev(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                                 @RequestBody @Valid ProcessVmRequest req) {
        return processVm(pid, session, req, true);
    }

    @Operation(operationId = "procPidMem", summary = "read or write /proc/<targetPid>/mem: get_user_pages_remote() with FOLL_FORCE")
    @PostMapping("/proc_pid_mem")
    ProcMemAnswer procPidMem(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                             @RequestBody @Valid ProcMemRequest req) {
        Pids.check(pid);
        boolean write = req.access() == MemAccess.write;
        if (!write && req.value() != null) throw ApiProblemException.badField("value", "only a write stores a value");
        sessions.checkTouch("length", req.length());
        ProcessVm.MemResult r = session.locked(k -> ProcessVm.memRw(k, k.task(pid), req.targetPid(), req.addr().value(),
                req.length(), write, req.value()));
        KernelAnswer a = KernelAnswer.of(r.result());
        return new ProcMemAnswer(a.ret(), a.errno(), r.values(), a.explain());
    }
}
