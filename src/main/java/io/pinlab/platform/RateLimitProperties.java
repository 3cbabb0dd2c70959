package io.pinlab.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Token-bucket rate limits ({@code pinlab.rate-limit.*}); generous by default, they stop runaway
 * scripts, not labs.
 *
 * @param enabled     switch all limits off
 * @param perIp       requests one client IP may make per {@code period} (all endpoints)
 * @param perSession  requests one session may receive per {@code period}
 * @param period      refill period of both buckets
 * @param maxTracked  buckets kept in memory at most (least recently used dropped first)
 * @param perCourse   requests the sessions of one course may receive together per {@code period}; they
 *                    replace the per-address limit, so a class behind one NAT is not throttled as one client
 */
@ConfigurationProperties("pinlab.rate-limit")
public record RateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("6000") long perIp,
        @DefaultValue("3000") long perSession,
        @DefaultValue("1m") Duration period,
        @DefaultValue("100000") long maxTracked,
        @DefaultValue("60000") long perCourse) {
}
