package io.pinlab.platform;

import java.nio.charset.StandardCharsets;

/**
 * A long in decimal as ASCII bytes, the digits {@link Long#toString(long)} gives, written straight
 * into a caller's buffer: the number writer of the hand-written JSON (api.json.JsonBytes for the
 * chain's answers, session.StepWriter for the logged steps).
 */
public final class AsciiDecimal {
    /** The most bytes {@link #write} puts down: {@code -9223372036854775808}. */
    public static final int MAX_LENGTH = 20;
    private static final byte[] MIN_VALUE = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    private AsciiDecimal() {}

    /** Writes v at {@code buf[at]} on, where {@link #MAX_LENGTH} bytes are free; returns the index after the last digit. */
    public static int write(byte[] buf, int at, long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                System.arraycopy(MIN_VALUE, 0, buf, at, MAX_LENGTH);
                return at + MAX_LENGTH;
            }
            buf[at++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long p = 10; digits < 19 && v >= p; p *= 10) digits++; // 19: the digits of Long.MAX_VALUE, and 10^19 overflows
        int end = at + digits;
        for (int i = end - 1; i >= at; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return end;
    }
}
