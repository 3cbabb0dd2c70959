package io.pinlab.api.gup;

import io.pinlab.api.common.Page;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.session.LabSession;
import io.pinlab.api.steps.Answers.PinView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.headers.Header;
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

@Tag(name = "gup")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}", produces = MediaType.APPLICATION_JSON_VALUE)
class GupController {
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
}
