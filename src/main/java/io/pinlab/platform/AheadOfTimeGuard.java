package io.pinlab.platform;

import org.springframework.aot.AotDetector;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

import java.util.Map;

/**
 * Spring's ahead-of-time processing ({@code ./mvnw -Paot package}, started with
 * {@code -Dspring.aot.enabled=true}: the Docker image) decides the conditional beans when the jar is
 * built, with the configuration of {@code application.yml}. A start that sets one of the
 * properties those conditions read would silently keep the build's choice (the in-memory store
 * instead of Redis), so it stops at once and says how to start without the generated code. Runs
 * before the context is created (registered in {@code META-INF/spring.factories}).
 */
public class AheadOfTimeGuard implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {
    /** Properties read by bean conditions, with the value the build saw ("": not set). */
    static final Map<String, String> DECIDED_AT_BUILD = Map.of(
            "pinlab.sessions.store", "memory",
            "management.health.redis.enabled", "false",
            "management.server.port", "");

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        if (AotDetector.useGeneratedArtifacts()) check(event.getEnvironment());
    }

    static void check(ConfigurableEnvironment env) {
        DECIDED_AT_BUILD.forEach((name, built) -> {
            String value = env.getProperty(name, "");
            if (!value.equals(built))
                throw new IllegalStateException(name + "=" + value + " chooses other beans than this build of pinlab, "
                        + "which was processed ahead of time with " + name + "=" + (built.isEmpty() ? "(unset)" : built)
                        + ": start it without the generated code, e.g. JDK_JAVA_OPTIONS=-Dspring.aot.enabled=false");
        });
    }
}
