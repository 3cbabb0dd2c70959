package io.pinlab.api.observe;

import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.platform.HttpProperties;
import io.pinlab.platform.Problems;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Server-sent event streams of session event feeds (the sessions' logs). One virtual thread per
 * stream polls the log's length in the store, sends the new steps, and a comment heartbeat so that departed
 * clients are noticed. A stream ends when its session is deleted or expires (watching does not
 * keep a session alive), and all streams end when the application shuts down, so graceful
 * shutdown does not wait for them. Open streams are capped per session and per client address.
 */
@Component
class EventStreams {
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    static final Duration POLL = Duration.ofMillis(200);
    /** Also how soon a departed client is noticed and its stream stops counting against the caps. */
    static final Duration HEARTBEAT = Duration.ofSeconds(5);

    private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
    /** Open streams per session id and per client address, for the caps in {@link HttpProperties}. */
    private final Map<String, Integer> perSession = new ConcurrentHashMap<>();
    private final Map<String, Integer> perClient = new ConcurrentHashMap<>();
    private final SessionService sessions;
    private final HttpProperties limits;
    private volatile boolean closing;

    EventStreams(SessionService sessions, HttpProperties limits) {
        this.sessions = sessions;
        this.limits = limits;
    }

    /**
     * Opens a stream, or refuses with 429 when the session or the client already holds its cap of
     * open streams. The first comment goes out at once, so the client has the headers without
     * waiting for an event or a heartbeat.
     */
    SseEmitter open(LabSession session, String client, long after) {
        String sessionKey = session.id();
        synchronized (this) {
            if (perSession.getOrDefault(sessionKey, 0) >= limits.maxStreamsPerSession())
                throw tooMany("this session already has " + limits.maxStreamsPerSession()
                        + " open event streams (pinlab.http.max-streams-per-session); close one first");
            if (perClient.getOrDefault(client, 0) >= limits.maxStreamsPerClient())
                throw tooMany("this client already holds " + limits.maxStreamsPerClient()
                        + " open event streams (pinlab.http.max-streams-per-client); close one first");
            perSession.merge(sessionKey, 1, Integer::sum);
            perClient.merge(client, 1, Integer::sum);
        }
        SseEmitter emitter = new SseEmitter(TIMEOUT.toMillis());
        open.add(emitter);
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable forget = () -> {
            open.remove(emitter);
            if (counted.getAndSet(false)) {
                synchronized (this) {
                    perSession.computeIfPresent(sessionKey, (k, n) -> n > 1 ? n - 1 : null);
                    perClient.computeIfPresent(client, (k, n) -> n > 1 ? n - 1 : null);
                }
            }
        };
        emitter.onCompletion(forget);
        emitter.onTimeout(forget);
        emitter.onError(e -> forget.run());
        try {
            emitter.send(SseEmitter.event().comment("stream open")); // queued until the response starts
        } catch (IOException clientGone) {
            emitter.completeWithError(clientGone);
            forget.run();
            return emitter;
        }
        Thread.ofVirtual().name("sse-" + session.id()).start(() -> pump(session, after, emitter, forget));
        return emitter;
    }

    private static ApiProblemException tooMany(String detail) {
        return new ApiProblemException(HttpStatus.TOO_MANY_REQUESTS, Problems.RATE_LIMITED, detail, List.of(), Map.of());
    }

    private void pump(LabSession session, long after, SseEmitter emitter, Runnable forget) {
        long last = after;
        Instant deadline = Instant.now().plus(TIMEOUT);
        Instant nextBeat = Instant.now().plus(HEARTBEAT);
        try {
            while (!closing && open.contains(emitter) && sessions.isLive(session) && Instant.now().isBefore(deadline)) {
                if (sessions.storedSteps(session) > last) {
                    for (ObservabilityController.EventView e : ObservabilityController.events(sessions, session, last)) {
                        emitter.send(SseEmitter.event().id(Long.toString(e.seq())).name("kernel-event")
                                .data(e, MediaType.APPLICATION_JSON));
                        last = e.seq();
                    }
                }
                if (Instant.now().isAfter(nextBeat)) {
                    emitter.send(SseEmitter.event().comment("keep-alive"));
                    nextBeat = Instant.now().plus(HEARTBEAT);
                }
                Thread.sleep(POLL);
            }
            emitter.complete();
        } catch (IOException | IllegalStateException clientGone) {
            emitter.completeWithError(clientGone);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            emitter.complete();
        } finally {
            // the container calls back on completion too, but not always for a client that is gone
            forget.run();
        }
    }

    /** Runs before the web server's graceful shutdown waits for open requests. */
    @EventListener(ContextClosedEvent.class)
    void closeAll() {
        closing = true;
        open.forEach(SseEmitter::complete);
        open.clear();
    }
}
