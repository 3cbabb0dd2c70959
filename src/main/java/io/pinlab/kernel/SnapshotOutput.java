package io.pinlab.kernel;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The writing half of the snapshot encoding: unsigned LEB128 varints, zigzag for signed values,
 * length-prefixed UTF-8 strings, and number sequences as runs. See {@link KernelSnapshot}.
 */
final class SnapshotOutput {
    /** A constant-stride stretch shorter than this is cheaper as literals. */
    static final int MIN_RUN = 3;

    private byte[] buf = new byte[1 << 12];
    private int pos;

    private void ensure(int n) {
        if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }

    void u8(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    void bool(boolean b) { u8(b ? 1 : 0); }

    /** Unsigned LEB128 (1 to 10 bytes). */
    void varint(long v) {
        ensure(10);
        while ((v & ~0x7fL) != 0) {
            buf[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    /** A signed value, zigzag-mapped so that small magnitudes of either sign stay short. */
    void zigzag(long v) { varint((v << 1) ^ (v >> 63)); }

    /** null as 0, else the UTF-8 length + 1 and the bytes. */
    void string(String s) {
        if (s == null) {
            varint(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varint(b.length + 1L);
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /**
     * {@code n} values as tokens. A token header is {@code count << 1 | kind}. Kind 1 is a run:
     * {@code count} values start, start + stride, ..., written as zigzag(start - previous value)
     * and zigzag(stride); identical pages (stride 0) and consecutive frames (stride 1, or 4096
     * in a page table) cost three varints however many they are. Kind 0 is {@code count}
     * literals, each as zigzag(value - previous value). The previous value starts at 0.
     */
    void runs(long[] a, int n) {
        long prev = 0;
        int lit = -1; // start of the pending literals
        int i = 0;
        while (i < n) {
            int r = runLength(a, i, n);
            if (r >= MIN_RUN) {
                if (lit >= 0) prev = literals(a, lit, i, prev);
                lit = -1;
                long stride = a[i + 1] - a[i];
                varint(((long) r << 1) | 1);
                zigzag(a[i] - prev);
                zigzag(stride);
                prev = a[i + r - 1];
                i += r;
            } else {
                if (lit < 0) lit = i;
                i++;
            }
        }
        if (lit >= 0) literals(a, lit, n, prev);
    }

    void runs(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) l[i] = a[i];
        runs(l, l.length);
    }

    /** A nullable long array: 0 for null, else length + 1 and the runs. */
    void longArray(long[] a) {
        if (a == null) {
            varint(0);
            return;
        }
        varint(a.length + 1L);
        runs(a, a.length);
    }

    private long literals(long[] a, int from, int to, long prev) {
        varint((long) (to - from) << 1);
        for (int j = from; j < to; j++) {
            zigzag(a[j] - prev);
            prev = a[j];
        }
        return prev;
    }

    /** Length of the constant-stride stretch starting at i (at least 1). */
    private static int runLength(long[] a, int i, int n) {
        if (i + 1 >= n) return 1;
        long stride = a[i + 1] - a[i];
        int j = i + 1;
        while (j + 1 < n && a[j + 1] - a[j] == stride) j++;
        return j - i + 1;
    }

    /** The bytes written, followed by their CRC-32C (4 bytes, big-endian). */
    byte[] finish() {
        CRC32C crc = new CRC32C();
        crc.update(buf, 0, pos);
        int c = (int) crc.getValue();
        ensure(4);
        buf[pos++] = (byte) (c >>> 24);
        buf[pos++] = (byte) (c >>> 16);
        buf[pos++] = (byte) (c >>> 8);
        buf[pos++] = (byte) c;
        return Arrays.copyOf(buf, pos);
    }
}
