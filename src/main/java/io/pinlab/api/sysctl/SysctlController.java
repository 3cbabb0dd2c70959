package io.pinlab.api.sysctl;

import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.Sysctl;
import io.pinlab.session.LabSession;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Steps;
import io.pinlab.api.steps.Answers.SysctlAnswer;
import io.pinlab.api.steps.Requests.SysctlArgs;
import io.pinlab.api.steps.Requests.SysctlWrite;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;


@Tag(name = "sysctl", description = "/proc/sys/vm: vm.nr_hugepages, vm.max_map_count; /sys/kernel/mm: transparent_hugepage.use_zero_page, hugepages.hugepages-{2048,1048576}kB.nr_hugepages")
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}/sysctl/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
class SysctlController {
    private final Steps steps;

    SysctlController(Steps steps) {
        this.steps = steps;
    }

    record SysctlValue(@Schema(example = "vm.nr_hugepages") String name, @Schema(example = "64") long value) {
    }

    @Operation(operationId = "getSysctl", summary = "Read a sysctl")
    @GetMapping
    SysctlValue get(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                    @Parameter(example = "vm.nr_hugepages") @PathVariable String name) {
        check(name);
        return new SysctlValue(name, session.locked(k -> Sysctl.get(k, name)));
    }

    @Operation(operationId = "setSysctl", summary = "Write a sysctl (vm.nr_hugepages sizes the hugetlb pool)")
    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    SysctlAnswer put(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                     @Parameter(example = "vm.nr_hugepages") @PathVariable String name, @RequestBody @Valid SysctlWrite body) {
        check(name);
        return steps.call(session, Op.SYSCTL, null, new SysctlArgs(name, body.value()));
    }

    private static void check(String name) {
        if (!Sysctl.NAMES.contains(name))
            throw ApiProblemException.notFound("no sysctl '" + name + "'; simulated: " + String.join(", ", Sysctl.NAMES));
    }
}
