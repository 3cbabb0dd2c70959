package io.pinlab.session;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * An append-only list of encoded steps that stays small on the heap: every {@link #CHUNK} steps
 * are sealed into one deflated block (length-prefixed steps), only the open tail is kept as
 * separate arrays. Steps of one lab repeat their keys and values, so a sealed step costs tens of
 * bytes. Not thread-safe: the owner synchronises.
 */
final class CompactLog {
    static final int CHUNK = 64;

    private final List<byte[]> sealed = new ArrayList<>();
    private final List<byte[]> tail = new ArrayList<>(CHUNK);

    long size() { return (long) sealed.size() * CHUNK + tail.size(); }

    void add(byte[] step) {
        tail.add(step);
        if (tail.size() == CHUNK) {
            sealed.add(deflate(tail));
            tail.clear();
        }
    }

    /** Steps {@code version+1 ..}, in order, at most {@code max} of them. */
    List<byte[]> after(long version, int max) {
        long from = Math.max(0, version);
        long to = Math.min(size(), from + max); // exclusive: versions before the steps taken
        List<byte[]> out = new ArrayList<>((int) Math.max(0, Math.min(to - from, Integer.MAX_VALUE)));
        for (int c = (int) (from / CHUNK); c < sealed.size() && (long) c * CHUNK < to; c++) {
            List<byte[]> steps = inflate(sealed.get(c));
            long first = (long) c * CHUNK; // version before the chunk's first step
            for (int i = 0; i < steps.size(); i++) if (first + i >= from && first + i < to) out.add(steps.get(i));
        }
        long first = (long) sealed.size() * CHUNK;
        for (int i = 0; i < tail.size(); i++) if (first + i >= from && first + i < to) out.add(tail.get(i));
        return out;
    }

    /** Bytes this log's arrays hold (payload only; headers add about 16 bytes per array). */
    long payloadBytes() {
        long n = 0;
        for (byte[] b : sealed) n += b.length;
        for (byte[] b : tail) n += b.length;
        return n;
    }

    private static byte[] deflate(List<byte[]> steps) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(steps.size() * 256);
        for (byte[] s : steps) {
            int n = s.length;
            while (n >= 0x80) {
                raw.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            raw.write(n);
            raw.writeBytes(s);
        }
        // the fastest level: sealing runs inside every 64th call, and on a lab's repetitive steps it
        // compresses about 10% less than the default level in a third of the time
        Deflater d = new Deflater(Deflater.BEST_SPEED, true);
        try {
            d.setInput(raw.toByteArray());
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.size() / 4 + 16);
            byte[] buf = new byte[8192];
            while (!d.finished()) out.write(buf, 0, d.deflate(buf));
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static List<byte[]> inflate(byte[] block) {
        Inflater inf = new Inflater(true);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(block.length * 6);
        try {
            inf.setInput(block);
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                raw.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("corrupt sealed log chunk", e);
        } finally {
            inf.end();
        }
        byte[] all = raw.toByteArray();
        List<byte[]> steps = new ArrayList<>(CHUNK);
        int p = 0;
        while (p < all.length) {
            int n = 0, shift = 0, b;
            do {
                b = all[p++] & 0xff;
                n |= (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            steps.add(Arrays.copyOfRange(all, p, p + n));
            p += n;
        }
        return steps;
    }
}
