package io.pinlab.api.memory;

import io.pinlab.api.common.Pids;
import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.Views;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@Tag(name = "memory")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE)
class MemoryController {
    @Schema(description = "one VMA, as /proc/PID/maps and smaps show it")
    record VmaView(Address start, Address end, @Schema(example = "rw-p") String perms, long offset,
                   @Schema(example = "00:00") String dev, long inode,
                   @Schema(nullable = true, example = "[stack]") String path,
                   @Schema(description = "smaps VmFlags", example = "[\"VM_READ\",\"VM_WRITE\",\"VM_MAYREAD\",\"VM_MAYWRITE\",\"VM_MAYEXEC\",\"VM_ACCOUNT\"]")
                   List<String> vmFlags,
                   @Schema(description = "Rss in bytes") long rss,
                   @Schema(description = "pages whose folio may be DMA-pinned") long pinned) {
        static VmaView of(Views.MapEntry e) {
            return new VmaView(Address.of(e.start()), Address.of(e.end()), e.perms(), e.offset(), e.dev(), e.inode(),
                    e.path(), e.vmFlags(), e.rss(), e.pinned());
        }
    }

    @Operation(operationId = "getMaps", summary = "/proc/PID/maps: JSON, or the kernel's text with Accept: text/plain")
    @ApiResponse(responseCode = "200", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    array = @ArraySchema(schema = @Schema(implementation = VmaView.class))),
            @Content(mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string",
                    example = "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"))})
    @GetMapping(path = "/maps", produces = MediaType.APPLICATION_JSON_VALUE)
    List<VmaView> maps(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session) {
        Pids.check(pid);
        return session.locked(k -> Views.maps(k, k.task(pid)).stream().map(VmaView::of).toList());
    }

    @Operation(hidden = true)
    @GetMapping(path = "/maps", produces = MediaType.TEXT_PLAIN_VALUE)
    String mapsText(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session) {
        Pids.check(pid);
        return session.locked(k -> Views.mapsText(k, k.task(pid)));
    }

    /** Pages per pagemap request at most, so that one request cannot walk a terabyte. */
    static final long MAX_PAGEMAP_PAGES = 1L << 16;

    @Schema(description = "one page of /proc/PID/pagemap with its folio")
    record PageView(Address addr, boolean present, @Schema(nullable = true) Long pfn, boolean writable,
                    @Schema(description = "PageAnonExclusive; for a swapped-out page, the swap entry's exclusive marker (pte_swp_exclusive())")
                    boolean anonExclusive, long value, @Schema(nullable = true) FolioView folio,
                    @Schema(description = "pagemap bit 62 (PM_SWAP): the PTE is a swap entry", example = "false") boolean swapped,
                    @Schema(nullable = true, description = "the swap slot of a swapped-out page") Long swapOffset) {
        static PageView of(Views.PageEntry p) {
            Views.Folio f = p.folio();
            return new PageView(Address.of(p.addr()), p.present(), p.pfn(), p.writable(), p.anonExclusive(), p.value(),
                    f == null ? null : new FolioView(f.pfn(), f.order(), f.refcount(), f.pincount(), f.mapcount(), f.zone()),
                    p.swapOffset() != null, p.swapOffset());
        }
    }

    @Schema(description = "the folio a page belongs to")
    record FolioView(@Schema(description = "head pfn") long pfn, int order,
                     @Schema(description = "the kernel's refcount: a FOLL_PIN on a small folio adds 1024") int refcount,
                     @Schema(description = "FOLL_PIN pins") int pincount, int mapcount,
                     @Schema(example = "NORMAL") String zone) {
    }

    @Operation(operationId = "getPagemap", summary = "Page-level view of [addr, addr+length): one entry per page")
    @GetMapping(path = "/pagemap", produces = MediaType.APPLICATION_JSON_VALUE)
    List<PageView> pagemap(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                           @Parameter(description = "start address (hex 0x... or decimal)", example = "0x7ffff7ffb000",
                                   schema = @Schema(type = "string", pattern = Address.PATTERN))
                           @RequestParam String addr,
                           @Parameter(description = "bytes", example = "16384") @RequestParam long length) {
        Pids.check(pid);
        Address start = queryRange(addr, length);
        if (length > (MAX_PAGEMAP_PAGES - 1) * 4096)
            throw ApiProblemException.badField("length", "at most " + (MAX_PAGEMAP_PAGES - 1) * 4096 + " bytes per request");
        return session.locked(k -> Views.pagemap(k, k.task(pid), start.value(), length).stream().map(PageView::of).toList());
    }

    /** The {@code addr} and {@code length} query parameters of the pagemap views: a canonical address, a length >= 0. */
    private static Address queryRange(String addr, long length) {
        Address start;
        try {
            start = Address.parse(addr);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.badField("addr", e.getMessage());
        }
        if (length < 0) throw ApiProblemException.badField("length", "must be greater than or equal to 0");
        return start;
    }

    @Schema(description = "pages of a range as runs of equal pages (for views of large mappings)")
    record PageRunsView(Address addr, @Schema(description = "where this answer stops: addr + length, or earlier when truncated")
                        Address end, boolean truncated, List<PageRunView> runs) {
    }

    @Schema(description = "consecutive pages with the same state and pincount (and consecutive pfns)")
    record PageRunView(Address addr, long pages,
                       @Schema(allowableValues = {"absent", "swapped", "zero", "pinned", "cow-shared", "huge", "present"},
                               description = "zero: the shared zero page; pinned: folio_maybe_dma_pinned(); "
                                       + "cow-shared: mapped read-only by several processes; huge: a large folio")
                       String state, int pincount,
                       @Schema(nullable = true, description = "pfn of the first page; null when absent") Long pfn) {
    }

    /** Bytes per runs request at most: the user address space (the walk visits present leaves only). */
    static final long MAX_RUNS_LENGTH = io.pinlab.kernel.mm.Mm.TASK_SIZE;

    @Operation(operationId = "getPagemapRuns", summary = "Page state of [addr, addr+length) as runs",
            description = "Walks only the present page-table leaves, so a 1 GiB or never-touched range is cheap. "
                    + "At most 65,536 runs per answer: when truncated, ask again from end.")
    @GetMapping(path = "/pagemap/runs", produces = MediaType.APPLICATION_JSON_VALUE)
    PageRunsView pagemapRuns(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                             @Parameter(description = "start address (hex 0x... or decimal), rounded down to a page",
                                     example = "0x7ffff7ffb000", schema = @Schema(type = "string", pattern = Address.PATTERN))
                             @RequestParam String addr,
                             @Parameter(description = "bytes, rounded up to a page", example = "1073741824") @RequestParam long length) {
        Pids.check(pid);
        Address start = queryRange(addr, length);
        if (length > MAX_RUNS_LENGTH) throw ApiProblemException.badField("length", "at most " + MAX_RUNS_LENGTH + " bytes");
        long from = start.value() & ~4095L;
        if (Long.compareUnsigned(from, MAX_RUNS_LENGTH) >= 0)
            throw ApiProblemException.badField("addr", "must lie below TASK_SIZE 0x" + Long.toHexString(MAX_RUNS_LENGTH));
        long to = Math.min(MAX_RUNS_LENGTH, (start.value() + length + 4095) & ~4095L);
        PageRuns.Runs r = session.locked(k -> PageRuns.pageRuns(k, k.task(pid), from, to));
        return new PageRunsView(Address.of(from), Address.of(r.end()), r.end() < to, r.runs().stream()
                .map(x -> new PageRunView(Address.of(x.addr()), x.pages(), x.state().wire(), x.pincount(), x.pfn())).toList());
    }
}
