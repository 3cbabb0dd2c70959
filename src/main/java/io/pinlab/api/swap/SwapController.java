package io.pinlab.api.swap;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests.NoArgs;
import io.pinlab.api.steps.Requests.SwaponRequest;
import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Views;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** The session's swapfile: swapon(2), swapoff(2) and /proc/swaps (mm/swapfile.c). */
@Tag(name = "swap", description = "swapon/swapoff of the session's swapfile and /proc/swaps; MADV_PAGEOUT writes pages to it")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}", produces = MediaType.APPLICATION_JSON_VALUE)
class SwapController {
    private final Steps steps;

    SwapController(Steps steps) {
        this.steps = steps;
    }

    @Operation(operationId = "swapon", summary = "swapon(2) of a swapfile of the given size (mkswap semantics: the first page is the header)")
    @PostMapping(path = "/swapon", consumes = MediaType.APPLICATION_JSON_VALUE)
    KernelAnswer swapon(@PathVariable String sid, @Parameter(hidden = true) LabSession session, @RequestBody @Valid SwaponRequest body) {
        return steps.call(session, Op.SWAPON, null, body);
    }

    @Operation(operationId = "swapoff", summary = "swapoff(2): every swapped-out page is read back in (try_to_unuse())")
    @PostMapping(path = "/swapoff")
    KernelAnswer swapoff(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return steps.call(session, Op.SWAPOFF, null, new NoArgs());
    }

    @Operation(operationId = "getSwaps", summary = "/proc/swaps: the active swap area, if any (sizes in kB)")
    @GetMapping(path = "/swaps")
    List<Views.Swaps> swaps(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return session.locked(k -> {
            Views.Swaps s = Views.swaps(k);
            return s == null ? List.<Views.Swaps>of() : List.of(s);
        });
    }
}
