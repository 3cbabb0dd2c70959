package io.pinlab.session;

import jakarta.validation.Valid;
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
 * @param store        where sessions live: {@code memory} (the embedded default) or {@code redis};
 *                     anything else stops the application at start with a message listing these
 * @param idleTimeout  a session untouched for this long is dropped (Caffeine expireAfterAccess)
 * @param maxSessions  live sessions at most; creating one more is a 503 problem
 * @param limits       per-session limits, shown to clients in the session resource
 */
@Validated
@ConfigurationProperties("pinlab.sessions")
public record SessionProperties(
        @DefaultValue("memory") String store,
        @DefaultValue("24h") @NotNull Duration idleTimeout,
        @DefaultValue("10000") @Min(1) int maxSessions,
        @DefaultValue @Valid Limits limits) {
    public static final List<String> STORES = List.of("memory", "redis");

    public SessionProperties {
        checkStore(store);
    }

    /** Boot's failure analyzer reports this as the property, its value and the valid values. */
    static void checkStore(String store) {
        if (!STORES.contains(store))
            throw new InvalidConfigurationPropertyValueException("pinlab.sessions.store", store,
                    "valid values: " + String.join(", ", STORES));
    }

    /**
     * @param maxProcesses  live processes per session at most (POST processes and fork beyond it are 409)
     * @param maxTouchBytes bytes one call may make the simulator touch page by page (access, madvise,
     *                      MAP_POPULATE, GUP nrPages): a service policy that keeps one request from
     *                      walking a terabyte, not a kernel rule (beyond it: 400 naming the field)
     */
    public record Limits(@DefaultValue("64") @Min(1) int maxProcesses,
                         @DefaultValue("4294967296") @Min(4096) long maxTouchBytes) implements java.io.Serializable {
    }
}
