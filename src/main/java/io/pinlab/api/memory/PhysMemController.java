package io.pinlab.api.memory;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.Views;
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

/** Physical memory as the teaching page shows it: frames by zone, and one frame with everything that maps it. */
@Tag(name = "memory")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/physmem", produces = MediaType.APPLICATION_JSON_VALUE)
class PhysMemController {

    @Schema(description = "one zone: its frames, and the allocated ones as runs")
    record ZoneJson(@Schema(example = "NORMAL") String zone, long startPfn, long frames, long used,
                    List<FrameRunJson> runs, @Schema(description = "more than 65,536 runs: the rest is left out") boolean truncated) {
    }

    @Schema(description = "consecutive allocated frames in the same state")
    record FrameRunJson(long pfn, long frames, @Schema(allowableValues = {"used", "zero", "pinned"}) String state,
                        @Schema(description = "a user page moved out of ZONE_MOVABLE (a session with movableZone) "
                                + "by check_and_migrate_movable_pages() for a FOLL_LONGTERM pin") boolean migrated) {
    }

    @Schema(description = "a frame's folio and every page-table entry that maps it")
    record FrameJson(long pfn, @Schema(nullable = true) MemoryController.FolioView folio, List<MapperJson> mappers) {
    }

    @Schema(description = "a process mapping the frame, at a virtual address")
    record MapperJson(int pid, Address addr, boolean writable, @Schema(description = "mapped by a PMD leaf (2 MiB)") boolean pmd) {
    }

    @Operation(operationId = "getPhysmem", summary = "Physical frames by zone: allocated ones as runs, pinned and migrated marked")
    @GetMapping
    List<ZoneJson> zones(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return session.locked(k -> PageRuns.zones(k).stream().map(z -> new ZoneJson(z.zone().name(), z.startPfn(),
                z.frames(), z.used(), z.runs().stream().map(r -> new FrameRunJson(r.pfn(), r.frames(), r.state().name(),
                r.migrated())).toList(), z.truncated())).toList());
    }

    @Operation(operationId = "getFrame", summary = "One frame: its folio (counts, zone) and every process that maps it (rmap)")
    @GetMapping("/{pfn}")
    FrameJson frame(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                    @Parameter(description = "page frame number", example = "1048576") @PathVariable long pfn) {
        if (pfn < 0) throw ApiProblemException.badField("pfn", "must be greater than or equal to 0");
        return session.locked(k -> {
            MemoryController.FolioView folio = null;
            if (k.phys.isRam(pfn) && k.phys.isAllocated(pfn)) {
                Views.Folio f = Views.folio(k, pfn);
                folio = new MemoryController.FolioView(f.pfn(), f.order(), f.refcount(), f.pincount(), f.mapcount(), f.zone());
            }
            return new FrameJson(pfn, folio, PageRuns.mappers(k, pfn).stream()
                    .map(m -> new MapperJson(m.pid(), Address.of(m.addr()), m.writable(), m.pmd())).toList());
        });
    }
}
