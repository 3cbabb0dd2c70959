package io.pinlab.api.file;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.fs.Files;
import io.pinlab.kernel.fs.MfdFlag;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.EnumSet;
import java.util.List;

@Tag(name = "files", description = "open, memfd_create, memfd_secret, ftruncate, close")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class FileController {

    record OpenRequest(@Schema(example = "/mnt/ext4/data") @NotBlank @Size(max = 4096) String path,
                       @ArraySchema(schema = @Schema(implementation = OFlag.class),
                               arraySchema = @Schema(example = "[\"O_RDWR\",\"O_CREAT\"]"))
                       @NotNull EnumSet<OFlag> flags,
                       @Schema(description = "with O_CREAT: initial file size in bytes", example = "16384")
                       @PositiveOrZero Long size) {
    }

    record MemfdCreateRequest(@Schema(example = "buf") @NotNull @Size(max = 249) String name,
                              @ArraySchema(schema = @Schema(implementation = MfdFlag.class)) EnumSet<MfdFlag> flags,
                              @Schema(description = "ftruncate to this size right away", example = "2097152")
                              @PositiveOrZero Long size) {
    }

    record MemfdSecretRequest(@Schema(example = "16384") @PositiveOrZero Long size) {
    }

    record FtruncateRequest(@NotNull Integer fd, @NotNull @PositiveOrZero Long length) {
    }

    record CloseRequest(@NotNull Integer fd) {
    }

    /** A kernel answer plus the flags as the kernel saw them. */
    record FlaggedAnswer(long ret, String errno, List<KernelAnswer.ExplainStep> explain, List<String> warnings,
                         FlagSet flags) {
        static FlaggedAnswer of(SysResult r, FlagSet flags) {
            KernelAnswer a = KernelAnswer.of(r);
            return new FlaggedAnswer(a.ret(), a.errno(), a.explain(), a.warnings(), flags);
        }
    }

    @Operation(operationId = "open", summary = "open(2): ret is the new fd or -errno")
    @PostMapping("/open")
    FlaggedAnswer open(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid OpenRequest req) {
        Pids.check(pid);
        int flags = OFlag.mask(req.flags());
        SysResult r = session.locked(k -> Files.open(k, k.task(pid), req.path(), flags, req.size()));
        return FlaggedAnswer.of(r, FlagSet.of(req.flags(), flags));
    }

    @Operation(operationId = "memfdCreate", summary = "memfd_create(2): ret is the new fd or -errno")
    @PostMapping("/memfd_create")
    FlaggedAnswer memfdCreate(@PathVariable String sid, @PathVariable int pid,
                              @Parameter(hidden = true) LabSession session, @RequestBody @Valid MemfdCreateRequest req) {
        Pids.check(pid);
        EnumSet<MfdFlag> set = req.flags() == null ? EnumSet.noneOf(MfdFlag.class) : req.flags();
        int flags = MfdFlag.mask(set);
        SysResult r = session.locked(k -> Files.memfdCreate(k, k.task(pid), req.name(), flags, req.size()));
        return FlaggedAnswer.of(r, FlagSet.of(set, flags));
    }

    @Operation(operationId = "memfdSecret", summary = "memfd_secret(2): secretmem is never pinnable")
    @PostMapping("/memfd_secret")
    KernelAnswer memfdSecret(@PathVariable String sid, @PathVariable int pid,
                             @Parameter(hidden = true) LabSession session, @RequestBody @Valid MemfdSecretRequest req) {
        Pids.check(pid);
        return KernelAnswer.of(session.locked(k -> Files.memfdSecret(k, k.task(pid), req.size())));
    }

    @Operation(operationId = "ftruncate", summary = "ftruncate(2)")
    @PostMapping("/ftruncate")
    KernelAnswer ftruncate(@PathVariable String sid, @PathVariable int pid,
                           @Parameter(hidden = true) LabSession session, @RequestBody @Valid FtruncateRequest req) {
        Pids.check(pid);
        return KernelAnswer.of(session.locked(k -> Files.ftruncate(k, k.task(pid), req.fd(), req.length())));
    }

    @Operation(operationId = "close", summary = "close(2)")
    @PostMapping("/close")
    KernelAnswer close(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                       @RequestBody @Valid CloseRequest req) {
        Pids.check(pid);
        return KernelAnswer.of(session.locked(k -> Files.close(k, k.task(pid), req.fd())));
    }
}
