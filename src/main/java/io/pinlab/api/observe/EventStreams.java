package io.pinlab.api.observe;

import io.pinlab.kernel.Event;
import io.pinlab.session.LabSession;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-sent event streams of session event feeds. One virtual thread per stream polls the feed
 * (taking the session lock briefly), sends what is new, and a comment heartbeat so that departed
 * clients are noticed. All streams end when the application shuts down, so graceful shutdown
 * does not wait for them.
 */
@Component
class EventStreams {
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

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
            while (!closing && open.contains(emitter) && Instant.now().isBefore(deadline)) {
                long from = last;
                List<Event> fresh = session.locked(k -> k.eventsAfter(from));
                for (Event e : fresh) {
                    emitter.send(SseEmitter.event().id(Long.toString(e.seq())).name("kernel-event")
                            .data(ObservabilityController.EventView.of(e), MediaType.APPLICATION_JSON));
                    last = e.seq();
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
