package io.pinlab.session;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

@Configuration(proxyBeanMethods = false)
class SessionConfiguration {

    /** In-memory store, the default ({@code pinlab.sessions.store=memory}); Redis comes later. */
    @Bean
    @ConditionalOnProperty(name = "pinlab.sessions.store", havingValue = "memory", matchIfMissing = true)
    SessionStore inMemorySessionStore(SessionProperties properties, SessionBudget budget) {
        return new InMemorySessionStore(properties.idleTimeout(), properties.maxSessions(), budget::ended);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
