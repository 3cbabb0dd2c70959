package io.pinlab.api.process;

import io.pinlab.api.common.Pids;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Task;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.util.List;

@Tag(name = "processes", description = "Processes of a session: create, fork, exit")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes", produces = MediaType.APPLICATION_JSON_VALUE)
class ProcessController {
    private final SessionService sessions;

    ProcessController(SessionService sessions) {
        this.sessions = sessions;
    }

    @Schema(description = "a new process (not a fork): empty address space with a [stack] VMA")
    record CreateProcessRequest(
            @Schema(example = "lab", defaultValue = "lab") @Size(min = 1, max = 15)
            @Pattern(regexp = "[\\x21-\\x7e]*", message = "must be printable ASCII without spaces") String comm,
            @Schema(example = "1000", defaultValue = "1000") @PositiveOrZero @Max(65534) Integer uid,
            @Schema(defaultValue = "false") Boolean capIpcLock,
            @Schema(description = "RLIMIT_MEMLOCK in bytes", example = "8388608", defaultValue = "8388608")
            @PositiveOrZero Long rlimitMemlock) {
    }

    @Operation(operationId = "createProcess", summary = "Create a process (pid assigned by the kernel, ppid 0)")
    @ApiResponse(responseCode = "201", description = "created")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ProcessView> create(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                                       @RequestBody @Valid CreateProcessRequest body) {
        ProcessView created = session.locked(k -> {
            sessions.checkProcessLimit(k.tasks.size());
            Task t = k.createTask(0, body.comm() == null ? "lab" : body.comm(),
                    body.uid() == null ? Kernel.DEFAULT_UID : body.uid(),
                    Boolean.TRUE.equals(body.capIpcLock()),
                    body.rlimitMemlock() == null ? Kernel.DEFAULT_RLIMIT_MEMLOCK : body.rlimitMemlock());
            return ProcessView.of(k, t);
        });
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{pid}")
                .buildAndExpand(created.pid()).toUri()).body(created);
    }

    @Operation(operationId = "listProcesses", summary = "List live processes")
    @GetMapping
    List<ProcessView> list(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return session.locked(k -> k.tasks.values().stream().map(t -> ProcessView.of(k, t)).toList());
    }

    @Operation(operationId = "getProcess", summary = "Show a process, with its /proc/PID/status counters")
    @GetMapping("/{pid}")
    ProcessView get(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session) {
        Pids.check(pid);
        return session.locked(k -> ProcessView.of(k, k.task(pid)));
    }
}
