package io.pinlab.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The operator's view (Micrometer, /actuator/prometheus). Tag values come from closed sets: op
 * names of the step vocabulary, errno names of the kernel's Errno enum (or "none"), profile names,
 * exercise ids of the catalog and true/false, so the number of series is bounded whatever
 * clients send.
 * <ul>
 *   <li>{@code pinlab_sessions_active}: sessions in the store</li>
 *   <li>{@code pinlab_syscalls_total{op,errno,profile}}: kernel calls made by sessions</li>
 *   <li>{@code pinlab_pins_active}, {@code pinlab_registered_buffers}: unreleased driver pins and
 *       registered io_uring buffers in the kernels this replica holds in memory</li>
 *   <li>{@code pinlab_exercise_answers_total{exercise,correct}}</li>
 * </ul>
 */
@Component
public class PinlabMetrics {
    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
    /** One per call: keyed by the tag values, without building a string per call. */
    private final ConcurrentMap<SyscallKey, Counter> syscalls = new ConcurrentHashMap<>();

    private record SyscallKey(String op, String errno, String profile) {
    }

    public PinlabMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers a gauge read at scrape time (sessions_active, pins_active, registered_buffers). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** One kernel call; {@code errno} null on success. Callers pass names from closed sets only. */
    public void syscall(String op, String errno, String profile) {
        syscalls.computeIfAbsent(new SyscallKey(op, errno, profile), k -> Counter.builder("pinlab_syscalls").description("kernel calls made by sessions")
                .tag("op", op).tag("errno", errno == null ? "none" : errno).tag("profile", profile).register(registry))
                .increment();
    }

    /** One checked answer to a catalog exercise. */
    public void exerciseAnswer(String exercise, boolean correct) {
        String key = "e|" + exercise + "|" + correct;
        counters.computeIfAbsent(key, k -> Counter.builder("pinlab_exercise_answers").description("exercise answers checked")
                .tag("exercise", exercise).tag("correct", String.valueOf(correct)).register(registry))
                .increment();
    }
}
