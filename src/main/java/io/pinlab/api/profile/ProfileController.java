package io.pinlab.api.profile;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.FollFlag;
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
import java.util.Locale;

@Tag(name = "profiles", description = "Kernel versions a session can simulate (public)")
@RestController
@RequestMapping(path = "/api/v1/profiles", produces = MediaType.APPLICATION_JSON_VALUE)
class ProfileController {

    record ProfileView(@Schema(example = "v6.18") String name,
                       @Schema(example = "Linux 6.18") String kernel,
                       String summary,
                       List<String> differences,
                       @JsonProperty("default") @Schema(description = "the profile of sessions created without one")
                       boolean isDefault) {
        static ProfileView of(Profile p) {
            return new ProfileView(p.name(), p.kernel(), p.summary(), p.differences(), p.isDefault());
        }
    }

    record FlagView(@Schema(implementation = FollFlag.class) String name,
                    @Schema(example = "256") int value,
                    @Schema(example = "0x100") String hex,
                    @Schema(allowableValues = {"caller", "internal", "proposed"},
                            description = "caller: mm_types.h; internal: mm/internal.h; proposed: never merged")
                    String kind) {
        static FlagView of(FollFlag f) {
            return new FlagView(f.name(), f.value(), "0x" + Integer.toHexString(f.value()),
                    f.kind().name().toLowerCase(Locale.ROOT));
        }
    }

    @Operation(operationId = "listProfiles", summary = "List kernel profiles", security = {})
    @GetMapping
    List<ProfileView> list() {
        return Profile.ALL.stream().map(ProfileView::of).toList();
    }

    @Operation(operationId = "listProfileFlags", summary = "FOLL_* flags the profile's kernel defines",
            description = "In bit order. FOLL_SAME_FILE only in seed; FOLL_HONOR_NUMA_FAULT only in v6.5 and v6.18.",
            security = {})
    @GetMapping("/{name}/flags")
    List<FlagView> flags(@Parameter(example = "v6.18")
                         @PathVariable String name) {
        Profile p = Profile.byName(name).orElseThrow(() -> ApiProblemException.notFound(
                "no profile '" + name + "'; profiles: " + String.join(", ", Profile.names())));
        return FollFlag.definedIn(p).stream().map(FlagView::of).toList();
    }
}
