package io.pinlab.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.BufferRecycler;
import tools.jackson.core.util.RecyclerPool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.module.blackbird.BlackbirdModule;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One step of a session's log, as {@link SessionStore} keeps it (one JSON object, UTF-8):
 * {@code {"op":"mmap","pid":1,"t":1764400000000,"args":{...},"ret":140737354027008,"x":{...}}}.
 *
 * @param op    the step's op (API.md "Steps"): the endpoint's last path segment
 * @param pid   the calling process, null for ops without one (process, sysctl, release)
 * @param t     when the call was made (epoch milliseconds): the clock is the one input the kernel
 *              does not decide, so it is recorded, never re-read on replay
 * @param args  the request body as the client sent it, normalised (hex addresses, flag names;
 *              {@code ${N.field}} references already resolved)
 * @param ret   what the kernel function returned (count, fd, address, pid, 0 or -errno)
 * @param errno the symbolic errno, null on success
 * @param x     what else the answer carries that later steps may refer to (gup: pin id; access:
 *              signal), or null
 */
public record LoggedStep(String op, Integer pid, long t, JsonNode args, long ret, String errno, JsonNode x) {

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder().recyclerPool(new SlotPool()).build())
            .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL)
                    .withContentInclusion(JsonInclude.Include.NON_NULL))
            // record accessors and constructors through generated lambdas, not reflection: a step
            // is encoded on every state-changing request and decoded on every replayed step
            .addModule(new BlackbirdModule())
            .build();

    /** How {@link #encode} writes args and extras of the records it knows without the mapper. */
    private static final StepWriter.Shapes SHAPES = new StepWriter.Shapes(MAPPER);

    /**
     * Encodes a step; {@code args} and {@code x} are any Jackson-serialisable values ({@code args}:
     * the request record, or a tree, of the op). The bytes are the mapper's JSON of the step,
     * field by field (a test holds them equal for every op's args); one call is on every
     * state-changing request, so the envelope and the args and extras records of plain fields are
     * written by {@link StepWriter}, without a generator and serialisation context per step.
     */
    public static byte[] encode(String op, Integer pid, long t, Object args, long ret, String errno, Object x) {
        StepWriter w = new StepWriter(SHAPES);
        w.raw('{').name("op", true).string(op);
        if (pid != null) w.name("pid", false).number(pid);
        w.name("t", false).number(t);
        if (args != null) w.name("args", false).value(args);
        w.name("ret", false).number(ret);
        if (errno != null) w.name("errno", false).string(errno);
        if (x != null) w.name("x", false).value(x);
        return w.raw('}').toByteArray();
    }

    /**
     * Jackson's buffers for the log's generators and parsers, kept in a few slots: taking one is
     * one compare-and-set, where Jackson's default pool (a ConcurrentLinkedDeque) unlinks a node
     * and links a new one on every use. More users at once than slots get fresh buffers.
     */
    private static final class SlotPool implements RecyclerPool<BufferRecycler> {
        private final transient AtomicReferenceArray<BufferRecycler> slots = new AtomicReferenceArray<>(16);

        @Override
        public BufferRecycler acquirePooled() {
            for (int i = 0; i < slots.length(); i++) {
                BufferRecycler r = slots.getPlain(i);
                if (r != null && slots.compareAndSet(i, r, null)) return r;
            }
            return new BufferRecycler();
        }

        @Override
        public void releasePooled(BufferRecycler r) {
            for (int i = 0; i < slots.length(); i++)
                if (slots.getPlain(i) == null && slots.compareAndSet(i, null, r)) return;
        }
    }

    public static LoggedStep decode(byte[] encoded) {
        return MAPPER.readValue(encoded, LoggedStep.class);
    }

    /** The JSON form of a value as the log writes it (nulls left out). */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }
}
