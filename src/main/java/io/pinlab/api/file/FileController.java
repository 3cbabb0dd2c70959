package io.pinlab.api.file;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.session.LabSession;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Steps;
import io.pinlab.api.steps.Answers.FlaggedAnswer;
import io.pinlab.api.steps.Answers.PipeAnswer;
import io.pinlab.api.steps.Requests.CloseRequest;
import io.pinlab.api.steps.Requests.FallocateRequest;
import io.pinlab.api.steps.Requests.Pipe2Request;
import io.pinlab.api.steps.Requests.FtruncateRequest;
import io.pinlab.api.steps.Requests.MemfdCreateRequest;
import io.pinlab.api.steps.Requests.MemfdSecretRequest;
import io.pinlab.api.steps.Requests.OpenRequest;
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


@Tag(name = "files", description = "open, memfd_create, memfd_secret, ftruncate, fallocate, pipe2, close")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class FileController {
    private final Steps steps;

    FileController(Steps steps) {
        this.steps = steps;
    }

    @Operation(operationId = "open", summary = "open(2): ret is the new fd or -errno")
    @PostMapping("/open")
    FlaggedAnswer open(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid OpenRequest req) {
        return steps.call(session, Op.OPEN, Pids.check(pid), req);
    }

    @Operation(operationId = "memfdCreate", summary = "memfd_create(2): ret is the new fd or -errno")
    @PostMapping("/memfd_create")
    FlaggedAnswer memfdCreate(@PathVariable String sid, @PathVariable int pid,
                              @Parameter(hidden = true) LabSession session, @RequestBody @Valid MemfdCreateRequest req) {
        return steps.call(session, Op.MEMFD_CREATE, Pids.check(pid), req);
    }

    @Operation(operationId = "memfdSecret", summary = "memfd_secret(2): secretmem is never pinnable")
    @PostMapping("/memfd_secret")
    KernelAnswer memfdSecret(@PathVariable String sid, @PathVariable int pid,
                             @Parameter(hidden = true) LabSession session, @RequestBody @Valid MemfdSecretRequest req) {
        return steps.call(session, Op.MEMFD_SECRET, Pids.check(pid), req);
    }

    @Operation(operationId = "ftruncate", summary = "ftruncate(2)")
    @PostMapping("/ftruncate")
    KernelAnswer ftruncate(@PathVariable String sid, @PathVariable int pid,
                           @Parameter(hidden = true) LabSession session, @RequestBody @Valid FtruncateRequest req) {
        return steps.call(session, Op.FTRUNCATE, Pids.check(pid), req);
    }

    @Operation(operationId = "fallocate", summary = "fallocate(2): preallocate, KEEP_SIZE, PUNCH_HOLE (unmaps and drops the pages; pinned ones stay allocated), ZERO_RANGE")
    @PostMapping("/fallocate")
    KernelAnswer fallocate(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                           @RequestBody @Valid FallocateRequest req) {
        return steps.call(session, Op.FALLOCATE, Pids.check(pid), req);
    }

    @Operation(operationId = "pipe2", summary = "pipe2(2): readFd and writeFd of a new pipe")
    @PostMapping("/pipe2")
    PipeAnswer pipe2(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                     @RequestBody @Valid Pipe2Request req) {
        return steps.call(session, Op.PIPE2, Pids.check(pid), req);
    }

    @Operation(operationId = "close", summary = "close(2)")
    @PostMapping("/close")
    KernelAnswer close(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid CloseRequest req) {
        return steps.call(session, Op.CLOSE, Pids.check(pid), req);
    }
}
