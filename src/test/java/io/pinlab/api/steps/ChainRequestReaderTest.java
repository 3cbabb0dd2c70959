package io.pinlab.api.steps;

import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain's request bodies read by hand are the records the service's JsonMapper reads, over
 * seeded random bodies of each type: a plain body (properties in any order, any subset, null,
 * JSON whitespace between tokens) is read, and equals Jackson's record; a body with one flaw or
 * oddity (escapes, fractions, leading zeros, quoted numbers, unknown or repeated properties, bad
 * addresses, trailing tokens, truncation...) is either declined or read as Jackson reads it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ChainRequestReaderTest {
    private static final int BODIES = 2_000;

    @Autowired
    JsonMapper mapper;

    private final ChainRequestReader reader = new ChainRequestReader();

    static List<Long> seeds() {
        return LongStream.range(0, 8).map(s -> 0x2545f4914f6cdd1dL * (s + 1)).boxed().toList();
    }

    @Test
    void readsTheBodiesOfTheBenchmarkChain() {
        String addr = "\"0x7ffff7ffb000\"";
        Map<Class<?>, String> bodies = Map.of(
                Requests.MmapRequest.class, "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}",
                Requests.AccessRequest.class, "{\"addr\":" + addr + ",\"length\":4096,\"access\":\"write\",\"value\":42}",
                Requests.GupCallRequest.class, "{\"call\":\"pin_user_pages_fast\",\"start\":" + addr
                        + ",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}",
                Requests.ReleaseRequest.class, "{\"how\":\"unpin_user_pages\"}",
                Requests.RangeRequest.class, "{\"addr\":" + addr + ",\"length\":16384}");
        bodies.forEach((type, body) -> {
            Object read = reader.read(type, body.getBytes(StandardCharsets.UTF_8));
            assertThat(read).as(body).isNotNull().isEqualTo(mapper.readValue(body, type));
        });
        assertThat(reader.types()).containsExactlyInAnyOrderElementsOf(bodies.keySet());
    }

    /** The reader looks enums up by name(), Jackson by toString(): the same only while no chain enum overrides it. */
    @Test
    void theChainEnumsReadByNameAreTheirToString() {
        for (Class<? extends Enum<?>> type : List.of(Prot.class, MapFlag.class, FollFlag.class, GupCall.class,
                PinRelease.class, Requests.AccessKind.class))
            for (Enum<?> e : type.getEnumConstants()) assertThat(e.toString()).isEqualTo(e.name());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void readsWhatTheJsonMapperReads(long seed) {
        Random r = new Random(seed);
        int read = 0, declined = 0;
        for (int i = 0; i < BODIES; i++) {
            Spec spec = SPECS.get(i % SPECS.size());
            boolean plain = r.nextInt(3) == 0;
            String body = plain ? spec.body(r, false) : spec.flawed(r);
            Object fast = reader.read(spec.type(), body.getBytes(StandardCharsets.UTF_8));
            Object jackson;
            try {
                jackson = mapper.readValue(body, spec.type());
            } catch (JacksonException e) {
                assertThat(fast).as("Jackson refuses %s (%s)", body, e.getOriginalMessage()).isNull();
                declined++;
                continue;
            }
            if (plain) assertThat(fast).as(body).isNotNull();
            if (fast == null) declined++;
            else {
                assertThat(fast).as(body).isEqualTo(jackson);
                read++;
            }
        }
        assertThat(read).isGreaterThan(BODIES / 3);
        assertThat(declined).isGreaterThan(BODIES / 5);
    }

    /** A request type: its properties and how to write a plain value of each. */
    private record Spec(Class<?> type, Map<String, Value> properties) {
        String body(Random r, boolean anyWhitespace) {
            List<String> names = new ArrayList<>(properties.keySet());
            Collections.shuffle(names, r);
            names = names.subList(0, r.nextInt(names.size() + 1));
            StringBuilder sb = new StringBuilder(ws(r)).append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) sb.append(ws(r)).append(',');
                String value = r.nextInt(10) == 0 ? "null" : properties.get(names.get(i)).plain(r);
                sb.append(ws(r)).append('"').append(names.get(i)).append('"').append(ws(r)).append(':').append(ws(r)).append(value);
            }
            return sb.append(ws(r)).append('}').append(ws(r)).toString();
        }

        /** A body with one flaw or oddity. */
        String flawed(Random r) {
            String body = body(r, true);
            List<String> names = new ArrayList<>(properties.keySet());
            String name = names.get(r.nextInt(names.size()));
            String odd = ODD_VALUES[r.nextInt(ODD_VALUES.length)];
            int close = body.lastIndexOf('}');
            String inner = body.substring(0, close).strip();
            String comma = inner.endsWith("{") ? "" : ",";
            return switch (r.nextInt(8)) {
                case 0, 1, 2 -> inner + comma + "\"" + name + "\":" + odd + "}"; // an odd value (or a repeated name)
                case 3 -> inner + comma + "\"" + name + "\":" + properties.get(name).plain(r) + "}"; // maybe repeated
                case 4 -> inner + comma + "\"" + ODD_NAMES[r.nextInt(ODD_NAMES.length)] + "\":1}";
                case 5 -> body + TRAILERS[r.nextInt(TRAILERS.length)];
                case 6 -> body.substring(0, r.nextInt(body.length()));
                default -> "\ufeff" + body;
            };
        }

        private static String ws(Random r) {
            return switch (r.nextInt(6)) {
                case 0 -> " ";
                case 1 -> "\n\t \r";
                default -> "";
            };
        }
    }

    @FunctionalInterface
    private interface Value {
        String plain(Random r);
    }

    private static final String[] ODD_VALUES = {"01", "-0", "1.0", "1e3", "1E3", "-", "\"4096\"", "true", "false", "[]",
            "{}", "9223372036854775807", "99999999999999999999", "-9223372036854775808", "2147483648", "-2147483649",
            "1234567890", "\"0x7ffff7ffb000\"", "\"0X7ffff7ffb000\"", "\"0x\"", "\"0x00000000000000000\"", "\"007\"",
            "\"-1\"", "\"18446744073709551616\"", "\"18446744073709551615\"", "\"0x7fff\\u0066f7ffb000\"", "\"\"",
            "\"PROT_READ\"", "[\"PROT_READ\",\"PROT_READ\"]", "[\"PROT_R\\u0045AD\"]", "[\"prot_read\"]", "[null]",
            "[\"MAP_SHARED\",]", "[,]", "[\"FOLL_WRITE\" \"FOLL_GET\"]", "\"write\"", "\"WRITE\"", "\"wr\\u0069te\"",
            "\"unpin_user_pages\"", "\"pin_user_pages\"", "\"é\"", "\"a\tb\"", "nul", "nulll", "tru", "True", "0", "42"};
    private static final String[] ODD_NAMES = {"lenght", "LENGTH", "len\\u0067th", "", "x", "nrpages"};
    private static final String[] TRAILERS = {"x", "{}", "]", ",", "// c", "/* c */", "\u0000", "\u00a0", " 1"};

    private static Value number(long max) {
        return r -> switch (r.nextInt(4)) {
            case 0 -> "0";
            case 1 -> Long.toString(r.nextLong(max + 1));
            case 2 -> Long.toString(-r.nextLong(max + 1));
            default -> Long.toString(r.nextInt(5000));
        };
    }

    private static Value address() {
        return r -> {
            long v = r.nextInt(3) == 0 ? r.nextLong() : 0x7ffff7ff0000L + 4096L * r.nextInt(64);
            return switch (r.nextInt(3)) {
                case 0 -> "\"0x" + Long.toHexString(v) + "\"";
                case 1 -> "\"0x" + Long.toHexString(v).toUpperCase() + "\"";
                default -> "\"" + Long.toUnsignedString(v) + "\"";
            };
        };
    }

    private static Value bool() {
        return r -> Boolean.toString(r.nextBoolean());
    }

    private static <E extends Enum<E>> Value enumValue(Class<E> type) {
        return r -> "\"" + type.getEnumConstants()[r.nextInt(type.getEnumConstants().length)].name() + "\"";
    }

    private static <E extends Enum<E>> Value enumArray(Class<E> type) {
        Value one = enumValue(type);
        return r -> {
            List<String> names = new ArrayList<>();
            int n = r.nextInt(5);
            for (int i = 0; i < n; i++) names.add(one.plain(r)); // repeats too: an EnumSet keeps one
            return "[" + String.join(r.nextBoolean() ? "," : " , ", names) + "]";
        };
    }

    private static Map<String, Value> props(Object... nameAndValue) {
        Map<String, Value> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndValue.length; i += 2) m.put((String) nameAndValue[i], (Value) nameAndValue[i + 1]);
        return m;
    }

    private static final long LONG = 999_999_999_999_999_999L, INT = 999_999_999L;
    private static final List<Spec> SPECS = List.of(
            new Spec(Requests.MmapRequest.class, props("addr", address(), "length", number(LONG), "prot", enumArray(Prot.class),
                    "flags", enumArray(MapFlag.class), "fd", number(INT), "offset", number(LONG))),
            new Spec(Requests.AccessRequest.class, props("addr", address(), "length", number(LONG),
                    "access", enumValue(Requests.AccessKind.class), "value", number(LONG))),
            new Spec(Requests.GupCallRequest.class, props("call", enumValue(GupCall.class), "start", address(),
                    "nrPages", number(LONG), "gupFlags", enumArray(FollFlag.class), "pages", bool(), "vmas", bool(),
                    "locked", number(INT), "targetPid", number(INT))),
            new Spec(Requests.RangeRequest.class, props("addr", address(), "length", number(LONG))),
            new Spec(Requests.ReleaseRequest.class, props("how", enumValue(PinRelease.class), "makeDirty", bool())));
}
