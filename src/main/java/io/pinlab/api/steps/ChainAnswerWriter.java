package io.pinlab.api.steps;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.json.JsonBytes;
import io.pinlab.api.web.AnswerWriter;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;

import static io.pinlab.api.json.JsonBytes.ascii;

/**
 * The answers of the lab chain (mmap, access, gup, release, munmap: {@link Answers.MmapAnswer},
 * {@link Answers.AccessAnswer}, {@link Answers.GupAnswer}, {@link KernelAnswer}) written straight
 * as UTF-8, each property name and its punctuation one precomputed constant, in the records'
 * component order as Jackson writes them. Jackson's bean serialisers cost more per answer than
 * the writing itself (goal 1 of issue 13). ChainAnswerWriterTest compares the bytes with the
 * JsonMapper's over seeded random answers.
 */
@Component
class ChainAnswerWriter implements AnswerWriter {
    /** Holds most chain answers (250-600 bytes); a gup answer (about 1,400) and larger ones are written in parts. */
    private static final int BUFFER = 1024;

    private static final byte[] MMAP_ADDR = ascii("{\"addr\":"), RET = ascii(",\"ret\":"), ERRNO = ascii(",\"errno\":"),
            EXPLAIN = ascii(",\"explain\":"), WARNINGS = ascii(",\"warnings\":"), PROT = ascii(",\"prot\":"),
            FLAGS = ascii(",\"flags\":");
    private static final byte[] FIRST_RET = ascii("{\"ret\":"), SIGNAL = ascii(",\"signal\":"), SI_CODE = ascii(",\"siCode\":"),
            FAULT_ADDR = ascii(",\"faultAddr\":"), FAULTS = ascii(",\"faults\":"), VALUES = ascii(",\"values\":");
    private static final byte[] PIN = ascii(",\"pin\":");
    private static final byte[] PIN_ID = ascii("{\"id\":"), CALL = ascii(",\"call\":"), PID = ascii(",\"pid\":"),
            START = ascii(",\"start\":"), NR_PAGES = ascii(",\"nrPages\":"), GUP_FLAGS = ascii(",\"gupFlags\":"),
            PFNS = ascii(",\"pfns\":"), PFNS_TRUNCATED = ascii(",\"pfnsTruncated\":"), PFN_RUNS = ascii(",\"pfnRuns\":"),
            PFN_RUNS_TRUNCATED = ascii(",\"pfnRunsTruncated\":"), RELEASED = ascii(",\"released\":"),
            RELEASED_HOW = ascii(",\"releasedHow\":"), KIND = ascii(",\"kind\":");
    private static final byte[] RUN_FIRST = ascii("{\"first\":"), COUNT = ascii(",\"count\":"), STEP = ascii(",\"step\":");
    private static final byte[] FN = ascii("{\"fn\":"), FILE = ascii(",\"file\":"), OUTCOME = ascii(",\"outcome\":"),
            DETAIL = ascii(",\"detail\":"), REF = ascii(",\"ref\":");
    private static final byte[] NAMES = ascii("{\"names\":"), VALUE = ascii(",\"value\":"), HEX = ascii(",\"hex\":");

    @Override
    public Set<Class<?>> types() {
        return Set.of(Answers.MmapAnswer.class, Answers.AccessAnswer.class, Answers.GupAnswer.class, KernelAnswer.class);
    }

    @Override
    public void write(Object answer, OutputStream out) throws IOException {
        JsonBytes j = new JsonBytes(out, BUFFER);
        switch (answer) {
            case Answers.MmapAnswer a -> mmap(j, a);
            case Answers.AccessAnswer a -> access(j, a);
            case Answers.GupAnswer a -> gup(j, a);
            case KernelAnswer a -> kernel(j, a);
            default -> throw new IllegalArgumentException("not a chain answer: " + answer.getClass().getName());
        }
        j.flush();
    }

    private static void mmap(JsonBytes j, Answers.MmapAnswer a) throws IOException {
        j.raw(MMAP_ADDR).address(a.addr()).raw(RET).number(a.ret()).raw(ERRNO).string(a.errno());
        explain(j.raw(EXPLAIN), a.explain());
        strings(j.raw(WARNINGS), a.warnings());
        flags(j.raw(PROT), a.prot());
        flags(j.raw(FLAGS), a.flags());
        j.raw('}');
    }

    private static void access(JsonBytes j, Answers.AccessAnswer a) throws IOException {
        j.raw(FIRST_RET).number(a.ret()).raw(SIGNAL).string(a.signal()).raw(SI_CODE).string(a.siCode())
                .raw(FAULT_ADDR).address(a.faultAddr()).raw(FAULTS).number(a.faults());
        numbers(j.raw(VALUES), a.values());
        explain(j.raw(EXPLAIN), a.explain());
        j.raw('}');
    }

    private static void gup(JsonBytes j, Answers.GupAnswer a) throws IOException {
        j.raw(FIRST_RET).number(a.ret()).raw(ERRNO).string(a.errno());
        pin(j.raw(PIN), a.pin());
        explain(j.raw(EXPLAIN), a.explain());
        strings(j.raw(WARNINGS), a.warnings());
        j.raw('}');
    }

    private static void pin(JsonBytes j, Answers.PinView p) throws IOException {
        if (p == null) {
            j.nul();
            return;
        }
        j.raw(PIN_ID).number(p.id()).raw(CALL).string(p.call()).raw(PID).number(p.pid()).raw(START).address(p.start())
                .raw(NR_PAGES).number(p.nrPages());
        flags(j.raw(GUP_FLAGS), p.gupFlags());
        numbers(j.raw(PFNS), p.pfns());
        j.raw(PFNS_TRUNCATED).bool(p.pfnsTruncated());
        runs(j.raw(PFN_RUNS), p.pfnRuns());
        j.raw(PFN_RUNS_TRUNCATED).bool(p.pfnRunsTruncated()).raw(RELEASED).bool(p.released())
                .raw(RELEASED_HOW).string(p.releasedHow()).raw(KIND).string(p.kind()).raw('}');
    }

    private static void kernel(JsonBytes j, KernelAnswer a) throws IOException {
        j.raw(FIRST_RET).number(a.ret()).raw(ERRNO).string(a.errno());
        explain(j.raw(EXPLAIN), a.explain());
        strings(j.raw(WARNINGS), a.warnings());
        j.raw('}');
    }

    /** One element of a JSON array (never null: {@link #array} writes null elements itself). */
    @FunctionalInterface
    private interface Element<T> {
        void write(JsonBytes j, T value) throws IOException;
    }

    /** {@code list} as a JSON array, or null; null elements as null, as Jackson writes them. */
    private static <T> void array(JsonBytes j, List<T> list, Element<T> element) throws IOException {
        if (list == null) {
            j.nul();
            return;
        }
        j.raw('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) j.raw(',');
            T e = list.get(i);
            if (e == null) j.nul();
            else element.write(j, e);
        }
        j.raw(']');
    }

    private static void explain(JsonBytes j, List<KernelAnswer.ExplainStep> steps) throws IOException {
        array(j, steps, (o, s) -> o.raw(FN).string(s.fn()).raw(FILE).string(s.file()).raw(OUTCOME).string(s.outcome())
                .raw(DETAIL).string(s.detail()).raw(REF).string(s.ref()).raw('}'));
    }

    private static void flags(JsonBytes j, FlagSet f) throws IOException {
        if (f == null) {
            j.nul();
            return;
        }
        strings(j.raw(NAMES), f.names());
        j.raw(VALUE).number(f.value()).raw(HEX).string(f.hex()).raw('}');
    }

    private static void runs(JsonBytes j, List<Pfns.Run> runs) throws IOException {
        array(j, runs, (o, r) -> o.raw(RUN_FIRST).number(r.first()).raw(COUNT).number(r.count()).raw(STEP).number(r.step()).raw('}'));
    }

    private static void strings(JsonBytes j, List<String> list) throws IOException {
        array(j, list, JsonBytes::string);
    }

    private static void numbers(JsonBytes j, List<Long> list) throws IOException {
        array(j, list, JsonBytes::number);
    }
}
