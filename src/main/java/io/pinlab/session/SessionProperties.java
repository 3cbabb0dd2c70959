package io.pinlab.session;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * Lab session settings ({@code pinlab.sessions.*}).
 *
 * @param store                where sessions live: {@code memory} (the embedded default) or {@code redis};
 *                             anything else stops the application at start with a message listing these
 * @param idleTimeout          a session untouched for this long is dropped (Caffeine expireAfterAccess)
 * @param maxSessions          live sessions at most; creating one more is a 503 problem
 * @param kernelCacheSize      materialised kernels this replica keeps (a session whose kernel was
 *                             dropped is rebuilt from its log on its next request); the default keeps
 *                             every session of the in-memory store materialised
 * @param globalMemoryFraction share of the JVM's max heap that all sessions' memory cgroups may
 *                             charge together (the service-wide budget, sized at start-up)
 * @param limits               per-session limits, shown to clients in the session resource
 * @param perClient            caps per client address on sessions without a course
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record SessionProperties(
        @DefaultValue("memory") String store,
        @DefaultValue("24h") @NotNull Duration idleTimeout,
        @DefaultValue("10000") @Min(1) int maxSessions,
        @DefaultValue("10000") @Min(1) int kernelCacheSize,
        @DefaultValue("0.5") @DecimalMin("0.05") @DecimalMax("0.9") double globalMemoryFraction,
        @DefaultValue @Valid Limits limits,
        @DefaultValue @Valid PerClient perClient) {
    public static final List<String> STORES = List.of("memory", "redis");

    public SessionProperties {
        checkStore(store);
    }

    /**
     * How often at most a replica records an access of a busy session, in nanoseconds: 1 s, or a
     * hundredth of the idle timeout when that is shorter. Recording one is cache maintenance on the
     * request thread, and a busy lab makes thousands of calls a second; a session thus expires at
     * most this much before its idle timeout.
     */
    public long accessGranularityNanos() {
        return Math.min(Duration.ofSeconds(1).toNanos(), idleTimeout.toNanos() / 100);
    }

    /** Boot's failure analyzer reports this as the property, its value and the valid values. */
    static void checkStore(String store) {
        if (!STORES.contains(store))
            throw new InvalidConfigurationPropertyValueException("pinlab.sessions.store", store,
                    "valid values: " + String.join(", ", STORES));
    }

    /**
     * @param maxProcesses   live processes per session at most (POST processes and fork beyond it are 409)
     * @param maxTouchBytes  bytes one call may make the simulator touch page by page (access, madvise,
     *                       MAP_POPULATE, GUP nrPages): a service policy checked before the call
     *                       (beyond it: 400 naming the field); the kernel-side maxCallPages replaces it
     * @param maxMemory      bytes of heap the session's kernel may charge (its memory cgroup limit):
     *                       frames, page tables, VMAs, page arrays, rings
     * @param maxCallPages   pages one call may walk (faults, populate, GUP, fork copies, io_uring I/O);
     *                       past it the call stops as on a fatal signal
     * @param maxSteps       calls per session at most (its log; history and replay cost follow it):
     *                       one more is 409, and an import of more is 400
     */
    public record Limits(@DefaultValue("64") @Min(1) int maxProcesses,
                         @DefaultValue("4294967296") @Min(4096) long maxTouchBytes,
                         @DefaultValue("67108864") @Min(1048576) long maxMemory,
                         @DefaultValue("1048576") @Min(1) long maxCallPages,
                         @DefaultValue("100000") @Min(1) int maxSteps) {
    }

    /**
     * @param maxLive            live sessions one client address may hold
     * @param creationsPerMinute sessions one client address may create per minute
     */
    public record PerClient(@DefaultValue("20") @Min(1) int maxLive,
                            @DefaultValue("30") @Min(1) int creationsPerMinute) {
    }
}
