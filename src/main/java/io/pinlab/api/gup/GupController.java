package io.pinlab.api.gup;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Page;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.common.Pids;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.SysResult;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.EnumSet;
import java.util.List;

@Tag(name = "gup", description = "get_user_pages / pin_user_pages and the simulated driver's pins")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}", produces = MediaType.APPLICATION_JSON_VALUE)
class GupController {
    private final SessionService sessions;

    GupController(SessionService sessions) {
        this.sessions = sessions;
    }

    @Schema(description = "one GUP entry point call, as a driver would make it")
    @ValidGupArgs
    record GupCallRequest(
            @Schema(description = "the kernel entry point", example = "pin_user_pages_fast") @NotNull GupCall call,
            @Schema(description = "user address") @NotNull Address start,
            @Schema(example = "4") @NotNull @PositiveOrZero Long nrPages,
            @ArraySchema(schema = @Schema(implementation = FollFlag.class),
                    arraySchema = @Schema(example = "[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]"))
            @NotNull EnumSet<FollFlag> gupFlags,
            @Schema(description = "false passes a NULL pages array", defaultValue = "true") Boolean pages,
            @Schema(description = "pass a vmas array (only where the profile's entry point has one)", defaultValue = "false")
            Boolean vmas,
            @Schema(description = "*locked for the *_remote entry points; null is a NULL pointer", nullable = true)
            Integer locked,
            @Schema(description = "the remote mm's process (only *_remote)") @Positive Integer targetPid)
            implements GupRequestArgs {

    }

    @Schema(description = "pages held by the simulated driver after a successful GUP call")
    record PinView(@Schema(example = "1") long id, @Schema(implementation = GupCall.class) String call, int pid,
                   Address start, long nrPages, FlagSet gupFlags,
                   @Schema(description = "the page array (at most the first 512 entries unless full=true)") List<Long> pfns,
                   @Schema(description = "true when pfns lists only the first 512 entries") boolean pfnsTruncated,
                   @Schema(description = "the whole page array as runs with a fixed step (at most the first 256 runs)") List<Pfns.Run> pfnRuns,
                   @Schema(description = "true when pfnRuns stops before the end of the page array (list it with full=true)")
                   boolean pfnRunsTruncated,
                   boolean released,
                   @Schema(nullable = true, implementation = PinRelease.class) String releasedHow,
                   @Schema(allowableValues = {"FOLL_PIN", "FOLL_GET"}) String kind) {
        static PinView of(Pin p, io.pinlab.kernel.Profile profile) { return of(p, profile, false); }

        static PinView of(Pin p, io.pinlab.kernel.Profile profile, boolean full) {
            EnumSet<FollFlag> names = EnumSet.noneOf(FollFlag.class);
            for (FollFlag f : FollFlag.definedIn(profile))
                if ((p.gupFlags() & f.value()) != 0) names.add(f);
            Pfns.Runs runs = Pfns.runs(p.pfns());
            return new PinView(p.id(), p.call().name(), p.pid(), Address.of(p.start()), p.nrPages(),
                    FlagSet.of(names, p.gupFlags()),
                    Pfns.listed(p.pfns(), full), !full && p.pfns().length > Pfns.MAX_LISTED, runs.runs(), runs.truncated(),
                    p.released(), p.releasedHow() == null ? null : p.releasedHow().name(), p.kind().name());
        }
    }

    @Schema(description = "a GUP answer: ret is the number of pages, 0, or -errno")
    record GupAnswer(long ret, @Schema(nullable = true, implementation = io.pinlab.kernel.Errno.class) String errno,
                     @Schema(nullable = true) PinView pin, List<KernelAnswer.ExplainStep> explain,
                     List<String> warnings) {
    }

    record ReleaseRequest(@Schema(implementation = PinRelease.class, example = "unpin_user_pages") @NotNull PinRelease how,
                          @Schema(description = "unpin_user_pages_dirty_lock: mark the pages dirty", defaultValue = "false")
                          Boolean makeDirty) {
    }

    @Operation(operationId = "gup", summary = "Call a GUP entry point as a driver",
            description = "Kernel failures are 200 with ret/errno. Arguments that break is_valid_gup_args() for the "
                    + "profile are a 422 invalid-gup-args problem (rule, kernelRet, warning; the WARN also reaches dmesg).")
    @ApiResponse(responseCode = "200", description = "the kernel's answer (a failure is ret < 0 with errno)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = GupAnswer.class)))
    @ApiResponse(responseCode = "422", description = "is_valid_gup_args() rejects the arguments",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                    schema = @Schema(ref = "#/components/schemas/Problem"),
                    examples = @ExampleObject(name = "FOLL_GET_WITH_FOLL_PIN", value = """
                            {"type":"https://pinlab.dev/problems/invalid-gup-args","title":"Unprocessable Content",
                             "status":422,"detail":"pin_user_pages: is_valid_gup_args() rejects the arguments (FOLL_GET_WITH_FOLL_PIN): ...",
                             "instance":"/api/v1/sessions/abc/processes/1/gup","rule":"FOLL_GET_WITH_FOLL_PIN","kernelRet":0,
                             "warning":"WARNING: CPU: 0 at mm/gup.c is_valid_gup_args: WARN_ON_ONCE((gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))"}
                            """)))
    @PostMapping(path = "/processes/{pid}/gup", consumes = MediaType.APPLICATION_JSON_VALUE)
    GupAnswer gup(@PathVariable String sid, @PathVariable int pid, @Parameter(hidden = true) LabSession session,
                  @RequestBody @Valid GupCallRequest req) {
        Pids.check(pid);
        sessions.checkTouch("nrPages", req.nrPages() > Long.MAX_VALUE / 4096 ? -1 : req.nrPages() * 4096);
        GupResult r = session.locked(k -> Gup.call(k, k.task(pid), req.toKernel()));
        return new GupAnswer(r.ret(), r.errno() == null ? null : r.errno().name(),
                r.pin() == null ? null : PinView.of(r.pin(), session.profile()),
                r.explain().stream().map(KernelAnswer.ExplainStep::of).toList(), r.warnings());
    }

    @Operation(operationId = "listPins", summary = "Pins held by the simulated driver, released ones included, oldest first",
            description = "One page of the list: ?offset= skips that many pins, ?limit= (default 100, at most 1000) "
                    + "caps the page; the X-Total-Count header gives the length of the whole list.")
    @ApiResponse(responseCode = "200", headers = @Header(name = Page.TOTAL_HEADER, description = "pins in the whole list",
            schema = @Schema(type = "integer", format = "int64")))
    @GetMapping("/pins")
    ResponseEntity<List<PinView>> pins(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                                       @Parameter(description = "pins to skip", example = "0")
                                       @RequestParam(defaultValue = "0") @PositiveOrZero int offset,
                                       @Parameter(description = "pins to return", example = "100")
                                       @RequestParam(defaultValue = Page.DEFAULT_LIMIT) @Positive @Max(Page.MAX_LIMIT) int limit) {
        return session.locked(k -> {
            List<Pin> all = Pins.list(k);
            return Page.of(all.size(), Page.slice(all, offset, limit).stream().map(p -> PinView.of(p, k.profile)).toList());
        });
    }

    @Operation(operationId = "getPin", summary = "One pin; full=true lists every pfn of its page array")
    @GetMapping("/pins/{id}")
    PinView pin(@PathVariable String sid, @PathVariable long id, @Parameter(hidden = true) LabSession session,
                @Parameter(description = "list every pfn instead of the first 512") @RequestParam(defaultValue = "false") boolean full) {
        return session.locked(k -> PinView.of(Pins.get(k, id), k.profile, full));
    }

    @Operation(operationId = "releasePin", summary = "Release a pin the way the driver would",
            description = "A second release, or a release that does not match how the pin was taken, is 409.")
    @PostMapping(path = "/pins/{id}/release", consumes = MediaType.APPLICATION_JSON_VALUE)
    KernelAnswer release(@PathVariable String sid, @PathVariable long id, @Parameter(hidden = true) LabSession session,
                         @RequestBody @Valid ReleaseRequest req) {
        SysResult r = session.locked(k -> Pins.release(k, id, req.how(), Boolean.TRUE.equals(req.makeDirty())));
        return KernelAnswer.of(r);
    }
}
