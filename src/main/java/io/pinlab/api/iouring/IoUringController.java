package io.pinlab.api.iouring;

import io.pinlab.api.common.Page;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.common.Pids;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.iouring.BufferView;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@Tag(name = "io_uring")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/processes/{pid}", produces = MediaType.APPLICATION_JSON_VALUE)
class IoUringController {
    record BufferJson(int index, Address base, long len, int nrBvecs, long accountedPages,
                      @Schema(description = "pinned pfns (at most the first 512)") List<Long> pfns,
                      @Schema(description = "all pinned pfns as runs with a fixed step (at most the first 256 runs)") List<Pfns.Run> pfnRuns,
                      @Schema(description = "the bvecs (at most the first 512; nrBvecs counts them all)") List<BvecJson> bvecs,
                      @Schema(description = "true when pfns, pfnRuns or bvecs list only their first entries") boolean truncated,
                      long tag, boolean empty) {
        record BvecJson(long pfn, long offset, long len) {
        }

        static BufferJson of(BufferView b) {
            long[] pfns = new long[b.pfns().size()];
            for (int i = 0; i < pfns.length; i++) pfns[i] = b.pfns().get(i);
            Pfns.Runs runs = Pfns.runs(pfns);
            boolean truncated = pfns.length > Pfns.MAX_LISTED || b.bvecs().size() > Pfns.MAX_LISTED || runs.truncated();
            return new BufferJson(b.index(), Address.of(b.base()), b.len(), b.nrBvecs(), b.accountedPages(),
                    Pfns.listed(pfns, false), runs.runs(),
                    b.bvecs().stream().limit(Pfns.MAX_LISTED).map(v -> new BvecJson(v.pfn(), v.offset(), v.len())).toList(),
                    truncated, b.tag(), b.empty());
        }
    }

    @Operation(operationId = "listIoUringBuffers", summary = "The ring's registered-buffer table, sparse slots included",
            description = "One page of the table: ?offset= is the first slot, ?limit= (default 100, at most 1000) "
                    + "caps the page; the X-Total-Count header gives the table size.")
    @ApiResponse(responseCode = "200", headers = @Header(name = Page.TOTAL_HEADER, description = "slots in the whole table",
            schema = @Schema(type = "integer", format = "int64")))
    @GetMapping("/io_uring/{fd}/buffers")
    ResponseEntity<List<BufferJson>> buffers(@PathVariable String sid, @PathVariable int pid, @PathVariable int fd,
                                             @Parameter(hidden = true) LabSession session,
                                             @Parameter(description = "first slot", example = "0")
                                             @RequestParam(defaultValue = "0") @PositiveOrZero int offset,
                                             @Parameter(description = "slots to return", example = "100")
                                             @RequestParam(defaultValue = Page.DEFAULT_LIMIT) @Positive @Max(Page.MAX_LIMIT) int limit) {
        Pids.check(pid);
        return session.locked(k -> Page.of(IoUring.ctx(k.task(pid), fd).nrUserBufs(),
                IoUring.buffers(k, k.task(pid), fd, offset, limit).stream().map(BufferJson::of).toList()));
    }
}
