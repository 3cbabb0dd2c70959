package io.pinlab.api.steps;

import io.pinlab.session.InMemorySessionStore;
import io.pinlab.session.SessionBudget;
import io.pinlab.session.SessionProperties;
import io.pinlab.session.SessionService;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;

/**
 * The session and step machinery without Spring: an in-memory store, the service with its
 * kernel cache, the one mapping per op. What the application wires, minus HTTP.
 */
public final class StepsFixture {
    public final ObjectMapper mapper = JsonMapper.builder().build();
    public final InMemorySessionStore store;
    public final SessionBudget budget;
    public final SessionService sessions;
    public final Steps steps;

    public StepsFixture() {
        this(20_000, 10_000);
    }

    public StepsFixture(int maxSteps, int kernelCacheSize) {
        SessionProperties props = new SessionProperties("memory", Duration.ofHours(1), 10_000, kernelCacheSize, 0.5,
                new SessionProperties.Limits(64, 1L << 32, 64L << 20, 1L << 20, maxSteps),
                new SessionProperties.PerClient(20, 30));
        Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
        budget = new SessionBudget(props);
        store = new InMemorySessionStore(props);
        sessions = new SessionService(store, props, budget, Clock.systemUTC(), new StepDecoder(mapper));
        steps = new Steps(mapper, validator, sessions, Clock.systemUTC());
    }
}
