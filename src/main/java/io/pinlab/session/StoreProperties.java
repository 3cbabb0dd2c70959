package io.pinlab.session;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.util.List;

/**
 * Where sessions are kept and how often their state is cached ({@code pinlab.sessions.*}, next
 * to {@link SessionProperties}).
 *
 * @param store          {@code memory} (embedded default) or {@code redis} (configured by the
 *                       standard {@code spring.data.redis.*} keys); anything else stops the start
 * @param redisKeyPrefix prefix of every Redis key of the store
 * @param snapshots      when a kernel snapshot ({@code KernelSnapshot}) is stored next to the log
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record StoreProperties(
        @DefaultValue("memory") String store,
        @DefaultValue("pinlab:") @NotBlank String redisKeyPrefix,
        @DefaultValue @Valid Snapshots snapshots) {

    public static final List<String> STORES = List.of("memory", "redis");

    /**
     * @param everySteps         after every this many steps of a session, its state is stored
     * @param afterReplayedSteps a replica that had to replay this many steps to catch up stores the result
     */
    public record Snapshots(@DefaultValue("100") @Min(1) int everySteps,
                            @DefaultValue("50") @Min(1) int afterReplayedSteps) {
    }
}
