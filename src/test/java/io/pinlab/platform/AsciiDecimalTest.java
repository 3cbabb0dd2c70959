package io.pinlab.platform;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AsciiDecimalTest {
    /** The bytes AsciiDecimal writes after a 3-byte prefix, and where it says it stopped, against Long.toString(). */
    private static void assertWrites(long v) {
        byte[] buf = new byte[3 + AsciiDecimal.MAX_LENGTH];
        Arrays.fill(buf, (byte) '#');
        int end = AsciiDecimal.write(buf, 3, v);
        String expected = Long.toString(v);
        assertEquals(3 + expected.length(), end, "end for " + expected);
        assertEquals("###" + expected, new String(buf, 0, end, StandardCharsets.US_ASCII));
        for (int i = end; i < buf.length; i++) assertEquals('#', buf[i], "byte " + i + " past the number " + expected);
    }

    @Test
    void writesWhatLongToStringGives() {
        for (long p = 1; p > 0; p *= 10) { // 10^0 to 10^18; 10^19 overflows to a negative
            for (long v : new long[] {p - 1, p, p + 1}) {
                assertWrites(v);
                assertWrites(-v);
            }
        }
        for (long v : new long[] {0, Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, Long.MIN_VALUE + 1}) assertWrites(v);
        Random r = new Random(5);
        for (int i = 0; i < 10_000; i++) assertWrites(r.nextLong() >> r.nextInt(64));
    }
}
