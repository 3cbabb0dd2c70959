package io.pinlab.kernel;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The reading half of {@link SnapshotOutput}, for bytes nobody vouches for. Every count is
 * checked against a maximum before anything is allocated, and every allocation is charged to
 * a budget (by default {@link KernelSnapshot#MAX_DECODED_BYTES}), so hostile bytes end in a
 * {@link SnapshotFormatException}, never in an OutOfMemoryError or an index out of bounds.
 */
final class SnapshotInput {
    private final byte[] buf;
    private final int end; // the CRC follows
    private int pos;
    private final long maxBudget;
    private long budget;

    SnapshotInput(byte[] bytes, long budget) {
        this.maxBudget = budget;
        if (bytes == null || bytes.length < 4) throw new SnapshotFormatException("snapshot too short");
        this.buf = bytes;
        this.end = bytes.length - 4;
        this.budget = budget;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, end);
        int stored = (bytes[end] & 0xff) << 24 | (bytes[end + 1] & 0xff) << 16 | (bytes[end + 2] & 0xff) << 8 | bytes[end + 3] & 0xff;
        if ((int) crc.getValue() != stored) throw new SnapshotFormatException("snapshot checksum mismatch (corrupt or truncated)");
    }

    SnapshotFormatException error(String what) {
        return new SnapshotFormatException("invalid kernel snapshot at byte " + pos + ": " + what);
    }

    /** Accounts for {@code bytes} of heap the decoded kernel will hold. */
    void charge(long bytes) {
        budget -= bytes;
        if (budget < 0) throw error("decodes to more than " + maxBudget + " bytes of state");
    }

    int u8() {
        if (pos >= end) throw error("unexpected end");
        return buf[pos++] & 0xff;
    }

    boolean bool() {
        int b = u8();
        if (b > 1) throw error("boolean " + b);
        return b == 1;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (shift == 63 && b > 1) break;
                return v;
            }
        }
        throw error("varint longer than 64 bits");
    }

    long zigzag() {
        long v = varint();
        return (v >>> 1) ^ -(v & 1);
    }

    /** A varint in [min, max]. */
    long range(String what, long min, long max) {
        long v = varint();
        if (v < min || v > max) throw error(what + " " + Long.toUnsignedString(v) + " outside [" + min + ", " + max + "]");
        return v;
    }

    /** A zigzag value in [min, max]. */
    long signedRange(String what, long min, long max) {
        long v = zigzag();
        if (v < min || v > max) throw error(what + " " + v + " outside [" + min + ", " + max + "]");
        return v;
    }

    int intValue(String what) { return (int) signedRange(what, Integer.MIN_VALUE, Integer.MAX_VALUE); }

    /**
     * A count of items that take at least one byte each: at most {@code max} and at most the
     * bytes left, so a count alone can never make the reader allocate.
     */
    int count(String what, int max) {
        return (int) range(what + " count", 0, Math.min(max, end - pos));
    }

    /** An index into a table of {@code size} entries; with {@code nullable}, 0 means null and i + 1 entry i. */
    int index(String what, int size, boolean nullable) {
        long v = range(what, 0, nullable ? size : size - 1L);
        return (int) v - (nullable ? 1 : 0);
    }

    <E extends Enum<E>> E enumOf(String what, E[] values) {
        return values[(int) range(what, 0, values.length - 1L)];
    }

    String string(String what, int maxBytes) {
        long n = range(what + " length", 0, maxBytes + 1L);
        if (n == 0) return null;
        int len = (int) n - 1;
        if (len > end - pos) throw error(what + " runs past the end");
        charge(2L * len + 48);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw error(what + " is not UTF-8");
        }
    }

    String requiredString(String what, int maxBytes) {
        String s = string(what, maxBytes);
        if (s == null) throw error(what + " missing");
        return s;
    }

    /** Fills dst[0..n) from the run encoding of {@link SnapshotOutput#runs(long[], int)}. */
    void runs(long[] dst, int n) {
        long prev = 0;
        int i = 0;
        while (i < n) {
            long h = varint();
            long count = h >>> 1;
            if (count == 0 || count > n - i) throw error("run of " + count + " values where " + (n - i) + " remain");
            int c = (int) count;
            if ((h & 1) == 1) {
                long v = prev + zigzag();
                long stride = zigzag();
                for (int j = 0; j < c; j++, v += stride) dst[i + j] = v;
                prev = v - stride;
            } else {
                for (int j = 0; j < c; j++) {
                    prev += zigzag();
                    dst[i + j] = prev;
                }
            }
            i += c;
        }
    }

    /**
     * n values that must each fit an int (the run encoding of {@link SnapshotOutput#runs(int[])},
     * which widens to longs as this narrows back; the arrays are per block, so the copy is small).
     */
    int[] ints(String what, int n) {
        charge(4L * n + 16);
        long[] wide = new long[n];
        runs(wide, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (wide[i] != (int) wide[i]) throw error(what + " value " + wide[i] + " is not an int");
            out[i] = (int) wide[i];
        }
        return out;
    }

    long[] longs(int n) {
        charge(8L * n + 16);
        long[] a = new long[n];
        runs(a, n);
        return a;
    }

    /** A nullable array of at most {@code max} values ({@link SnapshotOutput#longArray}). */
    long[] longArray(String what, int max) {
        long n = range(what + " length", 0, max + 1L);
        return n == 0 ? null : longs((int) n - 1);
    }

    void expectEnd() {
        if (pos != end) throw error((end - pos) + " trailing bytes");
    }
}
