package io.pinlab.session;

import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import java.time.Clock;

@Configuration(proxyBeanMethods = false)
class SessionConfiguration {

    /** In-memory store, the default ({@code pinlab.sessions.store=memory}). */
    @Bean
    @ConditionalOnProperty(name = "pinlab.sessions.store", havingValue = "memory", matchIfMissing = true)
    SessionStore inMemorySessionStore(SessionProperties properties) {
        return new InMemorySessionStore(properties);
    }

    /** Redis store ({@code pinlab.sessions.store=redis}), at {@code spring.data.redis.*}, shared by replicas. */
    @Bean
    @ConditionalOnProperty(name = "pinlab.sessions.store", havingValue = "redis")
    SessionStore redisSessionStore(SessionProperties properties, StoreProperties store, RedisConnectionFactory redis, Clock clock) {
        return new RedisSessionStore(redis, store.redisKeyPrefix(), properties, clock);
    }

    /**
     * Lettuce connections (the store's, and the rate-limit buckets') flush once per run of the
     * event loop's queued writes instead of once per command: commands that callers hand to the
     * event loop meanwhile go out in one write, and redis-server reads them in one read.
     */
    @Bean
    @ConditionalOnProperty(name = "pinlab.sessions.store", havingValue = "redis")
    ClientResourcesBuilderCustomizer consolidatedFlushes() {
        return resources -> resources.nettyCustomizer(new NettyCustomizer() {
            @Override
            public void afterChannelInitialized(Channel channel) {
                channel.pipeline().addFirst(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            }
        });
    }

    /**
     * Checks {@code pinlab.sessions.store} before any bean is created, so that an unknown value stops
     * the start with a message listing the valid ones, not with a missing SessionStore bean.
     */
    @Bean
    static BeanFactoryPostProcessor sessionStoreSetting(Environment environment) {
        return beanFactory -> SessionProperties.checkStore(
                Binder.get(environment).bind("pinlab.sessions.store", String.class).orElse("memory"));
    }

    /**
     * Health {@code sessionStore}, in the readiness group (application.yml): DOWN while the store
     * does not answer (store=redis with Redis down), so a load balancer stops sending requests
     * that would be 503; liveness does not include it, so the replica is not restarted for it.
     */
    @Bean
    HealthIndicator sessionStoreHealthIndicator(SessionStore store) {
        return () -> (store.reachable() ? Health.up() : Health.down()).build();
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
