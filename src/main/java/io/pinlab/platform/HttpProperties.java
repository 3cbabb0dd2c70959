package io.pinlab.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP edge settings ({@code pinlab.http.*}).
 *
 * @param maxBodySize             request bodies larger than this are refused with 413
 * @param maxStreamsPerSession    open event streams (SSE) one session may have; more is a 429
 * @param maxStreamsPerClient     open event streams one client address may hold, over all sessions; more is a 429
 */
@ConfigurationProperties("pinlab.http")
public record HttpProperties(@DefaultValue("1MB") DataSize maxBodySize,
                             @DefaultValue("8") int maxStreamsPerSession,
                             @DefaultValue("32") int maxStreamsPerClient) {
}
