package io.pinlab.session;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import java.time.Clock;

@Configuration(proxyBeanMethods = false)
class SessionConfiguration {

    /**
     * The session store {@code pinlab.sessions.store} names: {@code memory} (the default) or
     * {@code redis}. Any other value stops the start with a message listing the valid ones.
     */
    @Bean
    SessionStore sessionStore(SessionProperties sessions, StoreProperties store, ObjectProvider<RedisConnectionFactory> redis,
                              Clock clock) {
        return switch (store.store()) {
            case "memory" -> new InMemorySessionStore(sessions.idleTimeout(), sessions.maxSessions());
            case "redis" -> new RedisSessionStore(redis.getObject(), store.redisKeyPrefix(), sessions.idleTimeout(),
                    sessions.maxSessions(), clock);
            default -> throw new IllegalStateException("pinlab.sessions.store: unknown value '" + store.store()
                    + "'; valid values: " + String.join(", ", StoreProperties.STORES));
        };
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
