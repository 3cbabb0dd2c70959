package io.pinlab.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP edge settings ({@code pinlab.http.*}).
 *
 * @param maxBodySize request bodies larger than this are refused with 413
 */
@ConfigurationProperties("pinlab.http")
public record HttpProperties(@DefaultValue("1MB") DataSize maxBodySize) {
}
