package io.pinlab.api.process;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.Pids;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.OFlag;
import org.springframework.web.bind.annotation.DeleteMapping;
import io.pinlab.session.LabSession;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Steps;
import io.pinlab.api.steps.Requests.CreateProcessRequest;
import io.pinlab.api.steps.Requests.NoArgs;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
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

@Tag(name = "processes")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes", produces = MediaType.APPLICATION_JSON_VALUE)
class ProcessController {
    private final Steps steps;

    ProcessController(Steps steps) {
        this.steps = steps;
    }

    @Operation(operationId = "createProcess", summary = "Create a process (pid assigned by the kernel, ppid 0)")
    @ApiResponse(responseCode = "201", description = "created")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ProcessView> create(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                                       @RequestBody @Valid CreateProcessRequest body) {
        ProcessView created = steps.call(session, Op.PROCESS, null, body);
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{pid}")
                .buildAndExpand(created.pid()).toUri()).body(created);
    }

    @Operation(operationId = "exitProcess", summary = "exit: the mm is torn down, descriptors and rings closed",
            description = "Frames a pin still holds stay allocated until the pin is released.")
    @ApiResponse(responseCode = "204", description = "the process exited")
    @DeleteMapping(path = "/{pid}", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<Void> exit(@PathVariable String sid, @PathVariable int pid,
                              @Parameter(hidden = true) LabSession session) {
        steps.call(session, Op.EXIT, Pids.check(pid), new NoArgs());
        return ResponseEntity.noContent().build();
    }

    @Schema(description = "an open descriptor, as /proc/PID/fd and fdinfo show it")
    record FdView(@Schema(example = "3") int fd, @Schema(example = "/mnt/ext4/data") String path,
                  @Schema(description = "O_* flags given to open()") FlagSet flags, long inode,
                  @Schema(example = "ext4") String fs, long size, int refs, boolean ring) {
    }

    @Operation(operationId = "listFds", summary = "Open descriptors and what they refer to")
    @GetMapping("/{pid}/fds")
    List<FdView> fds(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session) {
        Pids.check(pid);
        return session.locked(k -> Views.fds(k, k.task(pid)).stream()
                .map(f -> new FdView(f.fd(), f.path(), oflags(f.flags()), f.inode(), f.fs(), f.size(), f.refs(), f.ring()))
                .toList());
    }

    /** O_* names of a flags word: the access mode (O_RDONLY is 0) plus every other bit set. */
    private static FlagSet oflags(int flags) {
        List<OFlag> names = new java.util.ArrayList<>();
        int acc = flags & OFlag.O_ACCMODE;
        names.add(acc == 1 ? OFlag.O_WRONLY : acc == 2 ? OFlag.O_RDWR : OFlag.O_RDONLY);
        for (OFlag f : OFlag.values())
            if (f.value > OFlag.O_ACCMODE && (flags & f.value) == f.value && !(f == OFlag.O_DSYNC && (flags & OFlag.O_SYNC.value) == OFlag.O_SYNC.value))
                names.add(f);
        return FlagSet.of(names, flags);
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
