package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.base.Iovec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code iovecs} of io_uring_register, read in one streaming pass straight into the kernel's
 * {@link Iovec}s: 16,384 buffers are a 672 KB array, and going through per-element JSON records,
 * boxed numbers, Address objects and a second conversion loop cost more than registering them.
 * Type errors are Jackson's (a 400 naming {@code iovecs[i].base}); a null element, a missing
 * field or a negative length is remembered and reported by {@link #toKernel()} the way the
 * request's other rules are.
 * <p>
 * An element may stand for a run: {@code {"base":B,"len":L,"count":N}} is N iovecs of length L at
 * B, B + L, B + 2L, ..., and {@code "stride":S} (bytes, may be negative) spaces them S apart
 * instead of L. The step log writes runs of {@value #RUN_MIN} or more iovecs that way
 * ({@link Writer}), so a 16,384-buffer registration is one element in history and snapshots, not
 * 16,384; shorter runs are written one element per iovec, as a client writes them. Reading what
 * the writer wrote gives back exactly the same iovecs.
 */
@JsonDeserialize(using = IovecArray.Reader.class)
@JsonSerialize(using = IovecArray.Writer.class)
public final class IovecArray {
    static final int MAX = 65536;
    /** The shortest run of evenly spaced iovecs of one length that the log writes as one element. */
    static final int RUN_MIN = 16;
    private static final List<Object> FIELDS = List.of("base", "len", "count", "stride");

    private final List<Iovec> iovecs;
    private String badField;
    private String problem;

    private IovecArray(List<Iovec> iovecs) {
        this.iovecs = iovecs;
    }

    /** Iovecs given as values (a test or a replay building a request in code). */
    public static IovecArray of(List<Iovec> iovecs) {
        return new IovecArray(new ArrayList<>(iovecs));
    }

    int size() { return iovecs.size(); }

    /** The iovecs, or a 400 naming the first element that breaks a rule. */
    List<Iovec> toKernel() {
        if (problem != null) throw ApiProblemException.badField(badField, problem);
        return iovecs;
    }

    private void reject(String field, String message) {
        if (problem == null) {
            badField = field;
            problem = message;
        }
    }

    static final class Reader extends ValueDeserializer<IovecArray> {
        @Override
        public IovecArray deserialize(JsonParser p, DeserializationContext ctxt) {
            if (!p.isExpectedStartArrayToken())
                throw MismatchedInputException.from(p, List.class, "expected a JSON array");
            IovecArray out = new IovecArray(new ArrayList<>());
            int i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
                if (i == MAX) {
                    out.reject("iovecs", "size must be between 0 and " + MAX);
                    p.skipChildren();
                    continue;
                }
                if (t == JsonToken.VALUE_NULL) {
                    out.reject("iovecs[" + i + "]", "must not be null");
                    continue;
                }
                try {
                    if (t != JsonToken.START_OBJECT)
                        throw MismatchedInputException.from(p, Iovec.class, "expected a JSON object { base, len }");
                    readIovec(p, out, i);
                } catch (JacksonException e) {
                    throw e.prependPath(out, i);
                }
            }
            return out;
        }

        private static void readIovec(JsonParser p, IovecArray out, int i) {
            long base = 0, len = 0, count = 1, stride = 0;
            boolean hasBase = false, hasLen = false, hasStride = false;
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                if (!FIELDS.contains(name))
                    throw UnrecognizedPropertyException.from(p, Iovec.class, name, FIELDS);
                JsonToken t = p.nextToken();
                try {
                    switch (name) {
                        case "base" -> {
                            if (t == JsonToken.VALUE_NULL) continue;
                            if (t != JsonToken.VALUE_STRING)
                                throw InvalidFormatException.from(p, "an address must be a JSON string, e.g. \""
                                        + Address.EXAMPLE + "\"", t.asString(), Address.class);
                            base = parseHex(p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
                            if (base == NOT_HEX) {
                                try {
                                    base = Address.parse(p.getString()).value();
                                } catch (IllegalArgumentException e) {
                                    throw InvalidFormatException.from(p, e.getMessage(), p.getString(), Address.class);
                                }
                            }
                            hasBase = true;
                        }
                        case "len" -> {
                            if (t == JsonToken.VALUE_NULL) continue;
                            if (t != JsonToken.VALUE_NUMBER_INT)
                                throw MismatchedInputException.from(p, Long.class, "expected a JSON integer");
                            len = p.getLongValue();
                            if (len < 0) out.reject("iovecs[" + i + "].len", "must be greater than or equal to 0");
                            hasLen = true;
                        }
                        case "count" -> {
                            if (t != JsonToken.VALUE_NUMBER_INT)
                                throw MismatchedInputException.from(p, Long.class, "expected a JSON integer");
                            count = p.getLongValue();
                            if (count < 1 || count > MAX) {
                                out.reject("iovecs[" + i + "].count", "must be between 1 and " + MAX);
                                count = 0;
                            }
                        }
                        case "stride" -> {
                            if (t != JsonToken.VALUE_NUMBER_INT)
                                throw MismatchedInputException.from(p, Long.class, "expected a JSON integer");
                            stride = p.getLongValue();
                            hasStride = true;
                        }
                        default -> { } // reported below, with its own path
                    }
                } catch (JacksonException e) {
                    throw e.prependPath(Iovec.class, name);
                }
            }
            if (!hasBase) out.reject("iovecs[" + i + "].base", "must not be null");
            else if (!hasLen) out.reject("iovecs[" + i + "].len", "must not be null");
            else if (count == 0) return; // rejected above
            else if (out.iovecs.size() + count > MAX) out.reject("iovecs", "size must be between 0 and " + MAX + " iovecs (runs counted out)");
            else {
                if (!hasStride) stride = len;
                for (long k = 0; k < count; k++) out.iovecs.add(new Iovec(base + k * stride, len));
            }
        }
    }

    /** What {@link #parseHex} answers for text it leaves to {@link Address#parse}. */
    private static final long NOT_HEX = -1;

    /**
     * The common form of an address, {@code 0x} and 1-16 hex digits, read without a String or an
     * Address per element; anything else (decimal, errors, and all-ones, which is NOT_HEX) is left
     * to {@link Address#parse}, so the accepted forms and the messages stay its own.
     */
    static long parseHex(char[] text, int offset, int length) {
        if (length < 3 || length > 18 || text[offset] != '0' || text[offset + 1] != 'x') return NOT_HEX;
        long v = 0;
        for (int i = offset + 2; i < offset + length; i++) {
            int d = Character.digit(text[i], 16);
            if (d < 0 || text[i] > 'f') return NOT_HEX; // ASCII only: Character.digit takes fullwidth digits too
            v = v << 4 | d;
        }
        return v;
    }

    /**
     * Writes the array as a request gives it, {@code [{"base":"0x…","len":N},…]}, straight from
     * the iovecs; a run of {@value #RUN_MIN} or more evenly spaced iovecs of one length becomes one
     * element with {@code count} (and {@code stride} when the spacing is not the length).
     */
    static final class Writer extends ValueSerializer<IovecArray> {
        @Override
        public void serialize(IovecArray value, JsonGenerator g, SerializationContext ctxt) {
            char[] hex = new char[18];
            hex[0] = '0';
            hex[1] = 'x';
            List<Iovec> all = value.iovecs;
            g.writeStartArray(value);
            for (int i = 0, n; i < all.size(); i += n) {
                Iovec v = all.get(i);
                n = runLength(all, i);
                if (n < RUN_MIN) n = 1;
                g.writeStartObject();
                g.writeName("base");
                g.writeString(hex, 0, hexDigits(v.base(), hex));
                g.writeNumberProperty("len", v.len());
                if (n > 1) {
                    g.writeNumberProperty("count", n);
                    long stride = all.get(i + 1).base() - v.base();
                    if (stride != v.len()) g.writeNumberProperty("stride", stride);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }

        /** How many iovecs from {@code i} on have its length and the spacing of the first two. */
        private static int runLength(List<Iovec> all, int i) {
            if (i + 1 >= all.size()) return 1;
            long len = all.get(i).len(), stride = all.get(i + 1).base() - all.get(i).base();
            int j = i + 1;
            while (j < all.size() && all.get(j).len() == len && all.get(j).base() - all.get(j - 1).base() == stride) j++;
            return j - i;
        }

        /** Writes {@code value} in lowercase hex after the {@code 0x} in {@code out}; returns the length used. */
        private static int hexDigits(long value, char[] out) {
            int digits = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 3) / 4);
            for (int i = digits + 1; i >= 2; i--) {
                out[i] = Character.forDigit((int) (value & 0xf), 16);
                value >>>= 4;
            }
            return digits + 2;
        }
    }
}
