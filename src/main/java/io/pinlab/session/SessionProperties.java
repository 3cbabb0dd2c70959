package io.pinlab.session;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Lab session settings ({@code pinlab.sessions.*}).
 *
 * @param idleTimeout  a session untouched for this long is dropped (Caffeine expireAfterAccess)
 * @param maxSessions  live sessions at most; creating one more is a 503 problem
 * @param limits       per-session limits, shown to clients in the session resource
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record SessionProperties(
        @DefaultValue("24h") @NotNull Duration idleTimeout,
        @DefaultValue("10000") @Min(1) int maxSessions,
        @DefaultValue @Valid Limits limits) {

    /**
     * @param maxProcesses live processes per session at most (POST processes and fork beyond it are 409)
     */
    public record Limits(@DefaultValue("64") @Min(1) int maxProcesses) implements java.io.Serializable {
    }
}
