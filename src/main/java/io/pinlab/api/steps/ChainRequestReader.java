package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.api.web.BodyReader;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Prot;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The request bodies of the lab chain (mmap, access, gup, release, munmap) read in one pass over
 * the bytes, for the plain JSON clients send: an object of the record's properties, each at most
 * once, with integers in canonical decimal, strings of printable ASCII without escapes, enum
 * names and null. Anything else (an escape, a fraction, an unknown or repeated property, a
 * malformed address, a trailing token...) is declined, and Jackson reads the body as before, so
 * its 400s stay as they were. Jackson's bean deserialisers cost more than the reading itself
 * (goal 1 of issue 13); ChainRequestReaderTest compares the records with the JsonMapper's over
 * seeded random bodies.
 */
@Component
class ChainRequestReader implements BodyReader {
    /** Thrown to decline a body; no stack trace, one instance. */
    private static final RuntimeException DECLINE = new RuntimeException("declined", null, false, false) {
    };
    private static final Map<String, Prot> PROT = names(Prot.class);
    private static final Map<String, MapFlag> MAP_FLAG = names(MapFlag.class);
    private static final Map<String, FollFlag> FOLL_FLAG = names(FollFlag.class);
    private static final Map<String, GupCall> GUP_CALL = names(GupCall.class);
    private static final Map<String, PinRelease> PIN_RELEASE = names(PinRelease.class);
    private static final Map<String, Requests.AccessKind> ACCESS_KIND = names(Requests.AccessKind.class);

    private static final Set<Class<?>> TYPES = Set.of(Requests.MmapRequest.class, Requests.AccessRequest.class,
            Requests.GupCallRequest.class, Requests.RangeRequest.class, Requests.ReleaseRequest.class);

    @Override
    public Set<Class<?>> types() {
        return TYPES;
    }

    @Override
    public Object read(Class<?> type, byte[] body) {
        try {
            Bytes in = new Bytes(body);
            Object value;
            if (type == Requests.MmapRequest.class) value = mmap(in);
            else if (type == Requests.AccessRequest.class) value = access(in);
            else if (type == Requests.GupCallRequest.class) value = gup(in);
            else if (type == Requests.RangeRequest.class) value = range(in);
            else if (type == Requests.ReleaseRequest.class) value = release(in);
            else return null;
            in.end();
            return value;
        } catch (RuntimeException e) {
            if (e == DECLINE) return null;
            throw e;
        }
    }

    private static Requests.MmapRequest mmap(Bytes in) {
        Address addr = null;
        Long length = null, offset = null;
        EnumSet<Prot> prot = null;
        EnumSet<MapFlag> flags = null;
        Integer fd = null;
        for (String name = in.first(); name != null; name = in.next()) {
            switch (name) {
                case "addr" -> addr = in.address();
                case "length" -> length = in.longValue();
                case "prot" -> prot = in.enumSet(Prot.class, PROT);
                case "flags" -> flags = in.enumSet(MapFlag.class, MAP_FLAG);
                case "fd" -> fd = in.intValue();
                case "offset" -> offset = in.longValue();
                default -> throw DECLINE;
            }
        }
        return new Requests.MmapRequest(addr, length, prot, flags, fd, offset);
    }

    private static Requests.AccessRequest access(Bytes in) {
        Address addr = null;
        Long length = null, value = null;
        Requests.AccessKind access = null;
        for (String name = in.first(); name != null; name = in.next()) {
            switch (name) {
                case "addr" -> addr = in.address();
                case "length" -> length = in.longValue();
                case "access" -> access = in.enumValue(ACCESS_KIND);
                case "value" -> value = in.longValue();
                default -> throw DECLINE;
            }
        }
        return new Requests.AccessRequest(addr, length, access, value);
    }

    private static Requests.GupCallRequest gup(Bytes in) {
        GupCall call = null;
        Address start = null;
        Long nrPages = null;
        EnumSet<FollFlag> gupFlags = null;
        Boolean pages = null, vmas = null;
        Integer locked = null, targetPid = null;
        for (String name = in.first(); name != null; name = in.next()) {
            switch (name) {
                case "call" -> call = in.enumValue(GUP_CALL);
                case "start" -> start = in.address();
                case "nrPages" -> nrPages = in.longValue();
                case "gupFlags" -> gupFlags = in.enumSet(FollFlag.class, FOLL_FLAG);
                case "pages" -> pages = in.bool();
                case "vmas" -> vmas = in.bool();
                case "locked" -> locked = in.intValue();
                case "targetPid" -> targetPid = in.intValue();
                default -> throw DECLINE;
            }
        }
        return new Requests.GupCallRequest(call, start, nrPages, gupFlags, pages, vmas, locked, targetPid);
    }

    private static Requests.RangeRequest range(Bytes in) {
        Address addr = null;
        Long length = null;
        for (String name = in.first(); name != null; name = in.next()) {
            switch (name) {
                case "addr" -> addr = in.address();
                case "length" -> length = in.longValue();
                default -> throw DECLINE;
            }
        }
        return new Requests.RangeRequest(addr, length);
    }

    private static Requests.ReleaseRequest release(Bytes in) {
        PinRelease how = null;
        Boolean makeDirty = null;
        for (String name = in.first(); name != null; name = in.next()) {
            switch (name) {
                case "how" -> how = in.enumValue(PIN_RELEASE);
                case "makeDirty" -> makeDirty = in.bool();
                default -> throw DECLINE;
            }
        }
        return new Requests.ReleaseRequest(how, makeDirty);
    }

    /**
     * An enum's constants by name(). The JsonMapper reads enums by toString() (Jackson 3's
     * READ_ENUMS_USING_TO_STRING), which is name() for every enum here (ChainRequestReaderTest).
     */
    private static <E extends Enum<E>> Map<String, E> names(Class<E> type) {
        Map<String, E> byName = new HashMap<>();
        for (E e : type.getEnumConstants()) byName.put(e.name(), e);
        return Map.copyOf(byName);
    }

    /** A cursor over the body; every method declines what is not the plain form. */
    private static final class Bytes {
        private final byte[] b;
        private int at;
        /** The property names read so far (a repeated one is declined: Jackson answers the 400). */
        private final String[] seen = new String[8];
        private int nSeen;

        Bytes(byte[] b) {
            this.b = b;
        }

        /** The first property's name after {@code {}, or null for {@code {}}. */
        String first() {
            expect('{');
            if (peek() == '}') {
                at++;
                return null;
            }
            return name();
        }

        /** The next property's name after a value, or null at the object's end. */
        String next() {
            byte c = peek();
            at++;
            if (c == '}') return null;
            if (c != ',') throw DECLINE;
            return name();
        }

        private String name() {
            String name = string();
            for (int i = 0; i < nSeen; i++)
                if (seen[i].equals(name)) throw DECLINE;
            if (nSeen == seen.length) throw DECLINE;
            seen[nSeen++] = name;
            expect(':');
            return name;
        }

        /** Only JSON whitespace after the object. */
        void end() {
            skipSpace();
            if (at != b.length) throw DECLINE;
        }

        boolean isNull() {
            if (peek() != 'n') return false;
            literal("null");
            return true;
        }

        Address address() {
            if (isNull()) return null;
            try {
                return Address.parse(string());
            } catch (IllegalArgumentException e) {
                throw DECLINE;
            }
        }

        Long longValue() {
            return isNull() ? null : digits(18);
        }

        Integer intValue() {
            return isNull() ? null : (int) digits(9);
        }

        Boolean bool() {
            if (isNull()) return null;
            if (peek() == 't') {
                literal("true");
                return true;
            }
            literal("false");
            return false;
        }

        <E extends Enum<E>> E enumValue(Map<String, E> names) {
            if (isNull()) return null;
            E e = names.get(string());
            if (e == null) throw DECLINE;
            return e;
        }

        <E extends Enum<E>> EnumSet<E> enumSet(Class<E> type, Map<String, E> names) {
            if (isNull()) return null;
            expect('[');
            EnumSet<E> set = EnumSet.noneOf(type);
            if (peek() == ']') {
                at++;
                return set;
            }
            while (true) {
                if (peek() != '"') throw DECLINE;
                set.add(enumValue(names));
                byte c = peek();
                at++;
                if (c == ']') return set;
                if (c != ',') throw DECLINE;
            }
        }

        /** An integer of at most maxDigits digits, canonical (no leading zero, no fraction or exponent). */
        private long digits(int maxDigits) {
            skipSpace();
            boolean negative = at < b.length && b[at] == '-';
            if (negative) at++;
            int start = at;
            long v = 0;
            while (at < b.length && b[at] >= '0' && b[at] <= '9') v = v * 10 + (b[at++] - '0');
            int n = at - start;
            if (n == 0 || n > maxDigits || (n > 1 && b[start] == '0')) throw DECLINE;
            if (at < b.length && (b[at] == '.' || b[at] == 'e' || b[at] == 'E')) throw DECLINE;
            return negative ? -v : v;
        }

        /** A string of printable ASCII without escapes. */
        private String string() {
            expect('"');
            int start = at;
            while (at < b.length) {
                byte c = b[at];
                if (c == '"') {
                    String s = new String(b, start, at - start, StandardCharsets.ISO_8859_1);
                    at++;
                    return s;
                }
                if (c < 0x20 || c == '\\' || c == 0x7f) throw DECLINE; // also every byte >= 0x80 (negative)
                at++;
            }
            throw DECLINE;
        }

        private void literal(String word) {
            skipSpace();
            for (int i = 0; i < word.length(); i++, at++)
                if (at >= b.length || b[at] != word.charAt(i)) throw DECLINE;
        }

        private void expect(char c) {
            if (peek() != c) throw DECLINE;
            at++;
        }

        /** The next byte after whitespace (not consumed), or 0 at the end. */
        private byte peek() {
            skipSpace();
            return at < b.length ? b[at] : 0;
        }

        private void skipSpace() {
            while (at < b.length && (b[at] == ' ' || b[at] == '\n' || b[at] == '\r' || b[at] == '\t')) at++;
        }
    }
}
