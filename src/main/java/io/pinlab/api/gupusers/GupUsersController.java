package io.pinlab.api.gupusers;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.api.steps.Answers.ProcMemAnswer;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests.DirectRequest;
import io.pinlab.api.steps.Requests.ProcMemRequest;
import io.pinlab.api.steps.Requests.ProcessVmRequest;
import io.pinlab.api.steps.Requests.ReadRequest;
import io.pinlab.api.steps.Requests.VmspliceRequest;
import io.pinlab.api.steps.Steps;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The kernel's other GUP users, so the same memory can be pinned by each: O_DIRECT pread/pwrite
 * (a short-term FOLL_PIN), process_vm_readv/writev (pin_user_pages_remote()) and /proc/PID/mem
 * (get_user_pages_remote() with FOLL_FORCE), vmsplice() into a pipe (get_user_pages_fast(), FOLL_GET
 * references held until the pipe is read).
 */
@Tag(name = "gup users", description = "O_DIRECT pread/pwrite, process_vm_readv/writev, /proc/PID/mem, vmsplice and read of a pipe")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class GupUsersController {
    private final Steps steps;

    GupUsersController(Steps steps) {
        this.steps = steps;
    }

    @Operation(operationId = "pread", summary = "pread64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN|FOLL_WRITE) for the I/O")
    @PostMapping("/pread")
    KernelAnswer pread(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid DirectRequest req) {
        return steps.call(session, Op.PREAD, Pids.check(pid), req);
    }

    @Operation(operationId = "pwrite", summary = "pwrite64(2) on an O_DIRECT file: the buffer is pinned (FOLL_PIN) for the I/O")
    @PostMapping("/pwrite")
    KernelAnswer pwrite(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                        @RequestBody @Valid DirectRequest req) {
        return steps.call(session, Op.PWRITE, Pids.check(pid), req);
    }

    @Operation(operationId = "processVmReadv", summary = "process_vm_readv(2): remote pages pinned with pin_user_pages_remote()")
    @PostMapping("/process_vm_readv")
    KernelAnswer processVmReadv(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                                @RequestBody @Valid ProcessVmRequest req) {
        return steps.call(session, Op.PROCESS_VM_READV, Pids.check(pid), req);
    }

    @Operation(operationId = "processVmWritev", summary = "process_vm_writev(2): remote pages pinned with pin_user_pages_remote(FOLL_WRITE)")
    @PostMapping("/process_vm_writev")
    KernelAnswer processVmWritev(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                                 @RequestBody @Valid ProcessVmRequest req) {
        return steps.call(session, Op.PROCESS_VM_WRITEV, Pids.check(pid), req);
    }

    @Operation(operationId = "procPidMem", summary = "read or write /proc/<targetPid>/mem: get_user_pages_remote() with FOLL_FORCE")
    @PostMapping("/proc_pid_mem")
    ProcMemAnswer procPidMem(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                             @RequestBody @Valid ProcMemRequest req) {
        return steps.call(session, Op.PROC_PID_MEM, Pids.check(pid), req);
    }

    @Operation(operationId = "vmsplice", summary = "vmsplice(2): user pages into a pipe, each held by a FOLL_GET reference until read")
    @PostMapping("/vmsplice")
    KernelAnswer vmsplice(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                          @RequestBody @Valid VmspliceRequest req) {
        return steps.call(session, Op.VMSPLICE, Pids.check(pid), req);
    }

    @Operation(operationId = "read", summary = "read(2) of a pipe: copies the data out and drops the page references of emptied buffers")
    @PostMapping("/read")
    KernelAnswer read(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                      @RequestBody @Valid ReadRequest req) {
        return steps.call(session, Op.READ, Pids.check(pid), req);
    }
}
