package io.pinlab.api.memory;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Mmap;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.EnumSet;
import java.util.List;

@Tag(name = "memory", description = "mmap family and the process touching its own memory")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE)
class MemoryController {

    @Schema(description = "mmap(2) arguments")
    record MmapRequest(
            @Schema(description = "hint, or the address for MAP_FIXED", defaultValue = "0x0") Address addr,
            @Schema(description = "bytes; rounded up to pages by the kernel", example = "16384")
            @NotNull @PositiveOrZero Long length,
            @ArraySchema(schema = @Schema(implementation = Prot.class), arraySchema = @Schema(example = "[\"PROT_READ\",\"PROT_WRITE\"]"))
            @NotNull EnumSet<Prot> prot,
            @ArraySchema(schema = @Schema(implementation = MapFlag.class), arraySchema = @Schema(example = "[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]"))
            @NotNull EnumSet<MapFlag> flags,
            @Schema(description = "file descriptor; -1 for anonymous", defaultValue = "-1") Integer fd,
            @Schema(description = "file offset in bytes", defaultValue = "0") @PositiveOrZero Long offset) {
    }

    @Schema(description = "mmap answer: addr on success, else null with ret = -errno")
    record MmapAnswer(@Schema(nullable = true) Address addr, long ret,
                      @Schema(nullable = true, implementation = io.pinlab.kernel.Errno.class) String errno,
                      List<KernelAnswer.ExplainStep> explain, List<String> warnings, FlagSet prot, FlagSet flags) {
    }

    @Operation(operationId = "mmap", summary = "mmap(2)",
            description = "ksys_mmap_pgoff() -> do_mmap() -> mmap_region(). Kernel failures are 200 with errno.")
    @PostMapping(path = "/mmap", consumes = MediaType.APPLICATION_JSON_VALUE)
    MmapAnswer mmap(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                    @RequestBody @Valid MmapRequest req) {
        Pids.check(pid);
        int prot = Prot.mask(req.prot());
        int flags = MapFlag.mask(req.flags());
        long addr = req.addr() == null ? 0 : req.addr().value();
        int fd = req.fd() == null ? -1 : req.fd();
        long off = req.offset() == null ? 0 : req.offset();
        SysResult r = session.locked(k -> Mmap.doMmap(k, k.task(pid), addr, req.length(), prot, flags, fd, off));
        KernelAnswer a = KernelAnswer.of(r);
        return new MmapAnswer(r.ok() ? Address.of(r.ret()) : null, r.ok() ? 0 : r.ret(), a.errno(), a.explain(),
                a.warnings(), FlagSet.of(req.prot(), prot), FlagSet.of(req.flags(), flags));
    }
}
