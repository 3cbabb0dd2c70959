package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.base.Iovec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IovecArray reads the common {@code 0x…} address form without {@link Address#parse} and writes
 * the array without Address objects: both must agree with Address, the one definition of the
 * accepted forms (API.md "Addresses"). Runs ({@code count}, {@code stride}) read back as exactly
 * the iovecs they were written from.
 */
class IovecArrayTest {
    private final JsonMapper mapper = JsonMapper.builder().build();

    /** Random hex and decimal spellings, valid and not: the fast path parses exactly what Address.parse does, or defers. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1337})
    void hexFastPathAgreesWithAddressParse(long seed) {
        Random r = new Random(seed);
        String alphabet = "0123456789abcdefABCDEFxX \uff10g-+";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder(r.nextBoolean() ? "0x" : "");
            int len = r.nextInt(19);
            for (int i = 0; i < len; i++)
                b.append(r.nextInt(10) < 8 ? "0123456789abcdef".charAt(r.nextInt(16)) : alphabet.charAt(r.nextInt(alphabet.length())));
            String text = b.toString();
            long fast = IovecArray.parseHex(text.toCharArray(), 0, text.length());
            Long expected;
            try {
                expected = Address.parse(text).value();
            } catch (IllegalArgumentException e) {
                expected = null;
            }
            if (fast != -1) assertThat(expected).as(text).isEqualTo(fast); // -1 defers to Address.parse
        }
    }

    @Test
    void readsTheFastFormFromAnOffsetInsideABuffer() {
        char[] buf = "xx0x7ffff7ff0000yy".toCharArray();
        assertThat(IovecArray.parseHex(buf, 2, 14)).isEqualTo(0x7ffff7ff0000L);
        assertThat(IovecArray.parseHex("0x".toCharArray(), 0, 2)).isEqualTo(-1);
        assertThat(IovecArray.parseHex("0x10000000000000000".toCharArray(), 0, 19)).isEqualTo(-1);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8})
    void writesWhatItReadsAsTheRequestSpellsIt(long seed) {
        Random r = new Random(seed);
        List<Iovec> iovecs = new ArrayList<>();
        StringBuilder expected = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            long base = switch (i) {
                case 0 -> 0;
                case 1 -> -1L;
                default -> r.nextLong() >>> r.nextInt(64);
            };
            long len = r.nextInt(1 << 20);
            iovecs.add(new Iovec(base, len));
            expected.append(i == 0 ? "" : ",").append("{\"base\":\"").append(Address.of(base)).append("\",\"len\":").append(len).append('}');
        }
        String json = mapper.writeValueAsString(IovecArray.of(iovecs));
        assertThat(json).isEqualTo(expected.append(']').toString());
        assertThat(mapper.readValue(json, IovecArray.class).toKernel()).isEqualTo(iovecs);
    }

    /**
     * Random arrays mixing runs (ascending, descending, spaced, wrapping past 2^64, of every
     * length around RUN_MIN) and loose iovecs: what the writer writes reads back as the same
     * iovecs, and writing those again gives the same bytes.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void runsRoundTripExactly(long seed) {
        Random r = new Random(seed);
        List<Iovec> iovecs = new ArrayList<>();
        while (iovecs.size() < 5000) {
            long base = r.nextInt(4) == 0 ? -1L - r.nextInt(1 << 16) : r.nextLong() >>> r.nextInt(64);
            long len = r.nextBoolean() ? 4096 : r.nextInt(1 << 20);
            long stride = switch (r.nextInt(4)) {
                case 0 -> len;
                case 1 -> -len;
                case 2 -> 0;
                default -> r.nextLong() >> r.nextInt(64);
            };
            int n = r.nextBoolean() ? 1 + r.nextInt(3) : IovecArray.RUN_MIN - 2 + r.nextInt(5 + r.nextInt(300));
            for (int k = 0; k < n; k++) iovecs.add(new Iovec(base + k * stride, len));
        }
        String json = mapper.writeValueAsString(IovecArray.of(iovecs));
        IovecArray back = mapper.readValue(json, IovecArray.class);
        assertThat(back.toKernel()).isEqualTo(iovecs);
        assertThat(mapper.writeValueAsString(back)).isEqualTo(json);
    }

    @Test
    void sixteenThousandBuffersAreOneElement() {
        List<Iovec> iovecs = new ArrayList<>();
        for (int i = 0; i < 16384; i++) iovecs.add(new Iovec(0x7f0000000000L + i * 4096L, 4096));
        String json = mapper.writeValueAsString(IovecArray.of(iovecs));
        assertThat(json).isEqualTo("[{\"base\":\"0x7f0000000000\",\"len\":4096,\"count\":16384}]");
        List<Iovec> spaced = List.of(new Iovec(0x10000, 100), new Iovec(0x12000, 100));
        List<Iovec> run = new ArrayList<>(spaced);
        for (int i = 2; i < IovecArray.RUN_MIN; i++) run.add(new Iovec(0x10000 + i * 0x2000L, 100));
        assertThat(mapper.writeValueAsString(IovecArray.of(run)))
                .isEqualTo("[{\"base\":\"0x10000\",\"len\":100,\"count\":" + IovecArray.RUN_MIN + ",\"stride\":8192}]");
        assertThat(mapper.writeValueAsString(IovecArray.of(spaced))).as("short runs stay one element per iovec")
                .isEqualTo("[{\"base\":\"0x10000\",\"len\":100},{\"base\":\"0x12000\",\"len\":100}]");
    }

    @Test
    void aRunIsReadAsItsIovecs() {
        IovecArray a = mapper.readValue("[{\"base\":\"0x5000\",\"len\":4096,\"count\":3,\"stride\":-8192},{\"base\":\"0x1\",\"len\":2,\"count\":1}]",
                IovecArray.class);
        assertThat(a.toKernel()).containsExactly(new Iovec(0x5000, 4096), new Iovec(0x3000, 4096), new Iovec(0x1000, 4096), new Iovec(1, 2));
    }

    @Test
    void runRulesAreFieldProblems() {
        assertThat(field("[{\"base\":\"0x1000\",\"len\":1,\"count\":0}]")).isEqualTo("iovecs[0].count: must be between 1 and 65536");
        assertThat(field("[{\"base\":\"0x1000\",\"len\":1},{\"base\":\"0x1000\",\"len\":1,\"count\":70000}]"))
                .isEqualTo("iovecs[1].count: must be between 1 and 65536");
        assertThat(field("[{\"base\":\"0x1000\",\"len\":1,\"count\":65536},{\"base\":\"0x1000\",\"len\":1}]"))
                .startsWith("iovecs: size must be between 0 and 65536");
        assertThat(mapper.readValue("[{\"base\":\"0x1000\",\"len\":1,\"count\":65536}]", IovecArray.class).toKernel()).hasSize(65536);
    }

    private String field(String json) {
        IovecArray a = mapper.readValue(json, IovecArray.class);
        try {
            a.toKernel();
            throw new AssertionError("no problem for " + json);
        } catch (ApiProblemException e) {
            return e.errors().get(0).field() + ": " + e.errors().get(0).message();
        }
    }
}
