package io.pinlab.api.json;

import io.pinlab.platform.AsciiDecimal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * JSON written as UTF-8 bytes by hand, token by token, the way Jackson's UTF-8 generator writes
 * them with the service's settings: strings escape {@code "} and {@code \} and the control
 * characters ({@code \b \t \n \f \r} short, the others <code>&#92;u00XX</code>), a surrogate pair becomes
 * one 4-byte sequence and a lone surrogate a <code>&#92;uXXXX</code> escape, everything else is raw UTF-8;
 * numbers are decimal; addresses lowercase {@code 0x} hex. The constant parts of an answer (its
 * punctuation and property names) are written as precomputed bytes ({@link #ascii}).
 * <p>
 * The bytes go to {@code out} whenever the buffer fills and at {@link #flush}; nothing is closed.
 */
public final class JsonBytes {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX_LOWER = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    /** Per ASCII character: 0 written as is, -1 a <code>&#92;u00XX</code> escape, else the letter after a backslash. */
    private static final byte[] ESCAPES = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) ESCAPES[c] = -1;
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
    }

    private final OutputStream out;
    private byte[] buf;
    private int len;

    /** A writer to {@code out} that holds up to {@code size} bytes between writes to it. */
    public JsonBytes(OutputStream out, int size) {
        this.out = out;
        this.buf = new byte[size];
    }

    /** The bytes of an ASCII constant such as {@code ,"ret":}. */
    public static byte[] ascii(String constant) {
        return constant.getBytes(StandardCharsets.US_ASCII);
    }

    /** A precomputed ASCII constant, as is. */
    public JsonBytes raw(byte[] constant) throws IOException {
        room(constant.length);
        System.arraycopy(constant, 0, buf, len, constant.length);
        len += constant.length;
        return this;
    }

    public JsonBytes raw(char c) throws IOException {
        room(1);
        buf[len++] = (byte) c;
        return this;
    }

    public JsonBytes nul() throws IOException {
        return raw(NULL);
    }

    public JsonBytes bool(boolean b) throws IOException {
        return raw(b ? TRUE : FALSE);
    }

    /**
     * A JSON string, or null. Room is made for one byte a char, what plain ASCII takes; a char
     * that needs more (an escape, up to 6 bytes; a multi-byte form, up to 4 for a surrogate pair)
     * first makes sure of 6 bytes for itself and one for each char after it.
     */
    public JsonBytes string(String s) throws IOException {
        if (s == null) return nul();
        int n = s.length();
        room(2 + n);
        byte[] b = buf;
        int at = len;
        b[at++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80 && ESCAPES[c] == 0) {
                b[at++] = (byte) c;
                continue;
            }
            if (at + 6 + (n - i) > b.length) { // 6 for c, 1 for each char after it and the closing quote
                len = at;
                room(6 + n - i);
                b = buf;
                at = len;
            }
            if (c < 0x80) {
                byte e = ESCAPES[c];
                b[at++] = '\\';
                if (e > 0) {
                    b[at++] = e;
                } else {
                    at = unicodeEscape(b, at, c);
                }
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | c >> 6);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (!Character.isSurrogate(c)) {
                b[at++] = (byte) (0xe0 | c >> 12);
                b[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[at++] = (byte) (0xf0 | cp >> 18);
                b[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | cp & 0x3f);
            } else {
                b[at++] = '\\';
                at = unicodeEscape(b, at, c);
            }
        }
        b[at++] = '"';
        len = at;
        return this;
    }

    /** {@code uXXXX} (uppercase hex), after the backslash. */
    private static int unicodeEscape(byte[] b, int at, char c) {
        b[at++] = 'u';
        b[at++] = HEX[c >> 12];
        b[at++] = HEX[c >> 8 & 0xf];
        b[at++] = HEX[c >> 4 & 0xf];
        b[at++] = HEX[c & 0xf];
        return at;
    }

    /** A JSON number. */
    public JsonBytes number(long v) throws IOException {
        room(AsciiDecimal.MAX_LENGTH);
        len = AsciiDecimal.write(buf, len, v);
        return this;
    }

    /** A nullable number. */
    public JsonBytes number(Long v) throws IOException {
        return v == null ? nul() : number(v.longValue());
    }

    /** An {@link Address}: its string form, lowercase {@code "0x…"} hex of the unsigned value, or null. */
    public JsonBytes address(Address a) throws IOException {
        if (a == null) return nul();
        long v = a.value();
        int digits = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 3) / 4);
        room(4 + digits);
        buf[len++] = '"';
        buf[len++] = '0';
        buf[len++] = 'x';
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) buf[len++] = HEX_LOWER[(int) (v >>> shift) & 0xf];
        buf[len++] = '"';
        return this;
    }

    /** Writes what the buffer holds to the stream. */
    public void flush() throws IOException {
        if (len > 0) out.write(buf, 0, len);
        len = 0;
    }

    /** Room for n more bytes: the buffer goes to the stream first when it is too full. */
    private void room(int n) throws IOException {
        if (len + n <= buf.length) return;
        flush();
        if (n > buf.length) buf = new byte[n];
    }
}
