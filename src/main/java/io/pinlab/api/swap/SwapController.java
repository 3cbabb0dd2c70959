package io.pinlab.api.swap;

import io.pinlab.kernel.Views;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** The session's swapfile: swapon(2), swapoff(2) and /proc/swaps (mm/swapfile.c). */
@Tag(name = "swap")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}", produces = MediaType.APPLICATION_JSON_VALUE)
class SwapController {
    @Operation(operationId = "getSwaps", summary = "/proc/swaps: the active swap area, if any (sizes in kB)")
    @GetMapping(path = "/swaps")
    List<Views.Swaps> swaps(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return session.locked(k -> {
            Views.Swaps s = Views.swaps(k);
            return s == null ? List.<Views.Swaps>of() : List.of(s);
        });
    }
}
