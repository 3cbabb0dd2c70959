package io.pinlab.session;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Redis store's key prefix and how often session state is cached as snapshots
 * ({@code pinlab.sessions.*}, next to {@link SessionProperties}, which selects the store).
 *
 * @param redisKeyPrefix prefix of every Redis key of the store
 * @param snapshots      when a kernel snapshot ({@code KernelSnapshot}) is stored next to the log
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record StoreProperties(
        @DefaultValue("pinlab:") @NotBlank String redisKeyPrefix,
        @DefaultValue @Valid Snapshots snapshots) {

    /**
     * @param everySteps         after every this many steps of a session, its state is stored
     * @param afterReplayedSteps a replica that had to replay this many steps to catch up stores the result
     */
    public record Snapshots(@DefaultValue("500") @Min(1) int everySteps,
                            @DefaultValue("200") @Min(1) int afterReplayedSteps) {
    }
}
