package io.pinlab.api.process;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.Pids;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@Tag(name = "processes")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes", produces = MediaType.APPLICATION_JSON_VALUE)
class ProcessController {
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
