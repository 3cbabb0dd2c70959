package io.pinlab.platform;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Skips Spring Boot's Redis (and its Netty) auto-configurations unless
 * {@code pinlab.sessions.store=redis}: with the in-memory store nothing uses the Lettuce client, its
 * connection factory, templates or Netty setup, and creating them is startup time (README, "Startup").
 * With the Redis store they are all there, as before. Registered in {@code META-INF/spring.factories};
 * Spring's ahead-of-time build (the Docker image) runs with the in-memory store, so its generated
 * bean definitions hold no Redis beans ({@link AheadOfTimeGuard} stops a start that asks for Redis).
 */
public class RedisAutoConfigurationFilter implements AutoConfigurationImportFilter, EnvironmentAware {
    private static final String[] REDIS_ONLY = {
            "org.springframework.boot.data.redis.autoconfigure.", "org.springframework.boot.netty.autoconfigure."};

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
        boolean redis = "redis".equals(environment.getProperty("pinlab.sessions.store", "memory"));
        boolean[] match = new boolean[autoConfigurationClasses.length];
        for (int i = 0; i < match.length; i++)
            match[i] = redis || !redisOnly(autoConfigurationClasses[i]);
        return match;
    }

    private static boolean redisOnly(String autoConfigurationClass) {
        if (autoConfigurationClass == null) return false;
        for (String prefix : REDIS_ONLY)
            if (autoConfigurationClass.startsWith(prefix)) return true;
        return false;
    }
}
