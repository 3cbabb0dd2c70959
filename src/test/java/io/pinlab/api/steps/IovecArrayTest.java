package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
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
 * accepted forms (API.md "Addresses").
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
}
