package io.pinlab.api.observe;

import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-sent event streams of session event feeds (the sessions' logs). One virtual thread per
 * stream polls the log's length in the store, sends the new steps, and a comment heartbeat so that departed
 * clients are noticed. A stream ends when its session is deleted or expires (watching does not
 * keep a session alive), and all streams end when the application shuts down, so graceful
 * shutdown does not wait for them.
 */
@Component
class EventStreams {
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
    private final SessionService sessions;
    private volatile boolean closing;

    EventStreams(SessionService sessions) {
        this.sessions = sessions;
    }

    SseEmitter open(LabSession session, long after) {
        SseEmitter emitter = new SseEmitter(TIMEOUT.toMillis());
        open.add(emitter);
        Runnable forget = () -> open.remove(emitter);
        emitter.onCompletion(forget);
        emitter.onTimeout(forget);
        emitter.onError(e -> forget.run());
        Thread.ofVirtual().name("sse-" + session.id()).start(() -> pump(session, after, emitter));
        return emitter;
    }

    private void pump(LabSession session, long after, SseEmitter emitter) {
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
