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
 * @param idleTimeout     a session untouched for this long is dropped (Caffeine expireAfterAccess)
 * @param maxSessions     live sessions at most; creating one more is a 503 problem
 * @param kernelCacheSize materialised kernels this replica keeps (a session whose kernel was
 *                        dropped is rebuilt from its log on its next request); the default keeps
 *                        every session of the in-memory store materialised
 * @param limits          per-session limits, shown to clients in the session resource
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record SessionProperties(
        @DefaultValue("24h") @NotNull Duration idleTimeout,
        @DefaultValue("10000") @Min(1) int maxSessions,
        @DefaultValue("10000") @Min(1) int kernelCacheSize,
        @DefaultValue @Valid Limits limits) {

    /**
     * @param maxProcesses  live processes per session at most (POST processes and fork beyond it are 409)
     * @param maxTouchBytes bytes one call may make the simulator touch page by page (access, madvise,
     *                      MAP_POPULATE, GUP nrPages): a service policy that keeps one request from
     *                      walking a terabyte, not a kernel rule (beyond it: 400 naming the field)
     * @param maxSteps      calls per session at most (its log; history and replay cost follow it):
     *                      one more is 409, and an import of more is 400
     */
    public record Limits(@DefaultValue("64") @Min(1) int maxProcesses,
                         @DefaultValue("4294967296") @Min(4096) long maxTouchBytes,
                         @DefaultValue("20000") @Min(1) int maxSteps) {
    }
}
