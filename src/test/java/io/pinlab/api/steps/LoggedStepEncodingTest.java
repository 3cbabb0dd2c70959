package io.pinlab.api.steps;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.pinlab.api.json.Address;
import io.pinlab.session.LoggedStep;
import org.junit.jupiter.api.Test;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LoggedStep#encode} writes the args records of the ops itself (StepWriter); its bytes must
 * be the log mapper's JSON of the step, byte for byte, so that logs written before and after read
 * the same and a step's bytes do not depend on which path wrote them. The reference is the
 * mapper's own rendering: {@link LoggedStep#tree} of the step record.
 */
class LoggedStepEncodingTest {
    private static final long[] LONGS = {0, 1, -1, 9, 10, 16384, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L,
            Long.MAX_VALUE, Long.MIN_VALUE, 0x7ffff7ff0000L, -4096};
    private static final int[] INTS = {0, 1, -3, 42, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final String[] STRINGS = {"lab", "/mnt/ext4/data", "", "quote\" back\\slash", "tab\t nl\n ctl\u0001 del\u007f",
            "ünï©ødé €", "line\u2028sep", "emoji \uD83D\uDE00", "${1.addr}+0x1000", "<script>&'"};

    /** The mapper's JSON of a step, as the log reads it back. */
    private static String reference(String op, Integer pid, long t, Object args, long ret, String errno, Object x) {
        return LoggedStep.tree(new LoggedStep(op, pid, t, args == null ? null : LoggedStep.tree(args), ret, errno,
                x == null ? null : LoggedStep.tree(x))).toString();
    }

    private static String encoded(String op, Integer pid, long t, Object args, long ret, String errno, Object x) {
        return new String(LoggedStep.encode(op, pid, t, args, ret, errno, x), StandardCharsets.UTF_8);
    }

    @Test
    void everyOpsArgsAreEncodedAsTheMapperWritesThem() throws Exception {
        int checked = 0;
        for (Op<?, ?, ?> op : Op.ALL.values()) {
            for (Object args : samples(op.args())) {
                for (int v = 0; v < 3; v++) {
                    Integer pid = v == 1 ? null : 1 + v;
                    long t = 1764400000000L + v;
                    long ret = LONGS[(v * 5 + checked) % LONGS.length];
                    String errno = v == 2 ? "EFAULT" : null;
                    assertThat(encoded(op.name(), pid, t, args, ret, errno, null))
                            .as("%s %s", op.name(), args)
                            .isEqualTo(reference(op.name(), pid, t, args, ret, errno, null));
                }
                checked++;
            }
        }
        assertThat(checked).as("args samples checked").isGreaterThan(Op.ALL.size() * 5);
    }

    /** What Steps logs besides ret/errno: an instance of its private extras record {@code name}. */
    private static Object extra(String name, Object... values) throws Exception {
        Constructor<?> canonical = Class.forName(Steps.class.getName() + "$" + name).getDeclaredConstructors()[0];
        canonical.setAccessible(true);
        return canonical.newInstance(values);
    }

    /** A record of a kind that would hide its Jackson annotations from the record's own reflection. */
    interface Typed {
        @JsonIgnore
        default String secret() { return "pw"; }
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
    interface Tagged {
    }

    @Retention(RetentionPolicy.RUNTIME)
    @JacksonAnnotationsInside
    @JsonIgnore
    @interface Hidden {
    }

    record WithInterfaceAccessor(String secret, long n) implements Typed {
    }

    record WithTypeInfo(long n) implements Tagged {
    }

    record WithBundledIgnore(@Hidden String secret, long n) {
    }

    @Test
    void recordsWhoseAnnotationsLieElsewhereAreLeftToTheMapper() {
        Object[] args = {new WithInterfaceAccessor("pw", 1), new WithTypeInfo(2), new WithBundledIgnore("pw", 3)};
        for (Object a : args)
            assertThat(encoded("mmap", 1, 5, a, 0, null, null)).as("%s", a).isEqualTo(reference("mmap", 1, 5, a, 0, null, null))
                    .doesNotContain("\"pw\"");
        assertThat(encoded("mmap", 1, 5, args[1], 0, null, null)).contains("\"@type\"");
    }

    @Test
    void extrasAndTreesAreEncodedAsTheMapperWritesThem() throws Exception {
        Object[] extras = {extra("GupExtra", 7L, null), extra("GupExtra", null, "FOLL_PIN and FOLL_GET"), extra("GupExtra", null, null),
                LoggedStep.tree(extra("GupExtra", 3L, "x")), extra("AccessExtra", "SIGSEGV"), extra("AccessExtra", (Object) null),
                java.util.Map.of("signal", "SIGSEGV")};
        for (Object x : extras)
            assertThat(encoded("gup", 1, 5, null, 1, null, x)).isEqualTo(reference("gup", 1, 5, null, 1, null, x));
        Object tree = LoggedStep.tree(new Requests.RangeRequest(Address.of(0x1000), 4096L));
        assertThat(encoded("munmap", 1, 5, tree, 0, null, null)).isEqualTo(reference("munmap", 1, 5, tree, 0, null, null));
    }

    /**
     * The bytes the Jackson-generator encoder of earlier versions wrote for the steps of the mixed
     * lab chain: logs written by it and by this encoder are the same bytes.
     */
    @Test
    void theLabChainIsEncodedAsBefore() throws Exception {
        Address a = Address.of(0x7ffff7ff0000L);
        assertThat(encoded("mmap", 1, 1764400000000L, new Requests.MmapRequest(null, 16384L, RW, ANON, null, null),
                0x7ffff7ff0000L, null, null)).isEqualTo("{\"op\":\"mmap\",\"pid\":1,\"t\":1764400000000,\"args\":{\"length\":16384,"
                + "\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]},\"ret\":140737354072064}");
        assertThat(encoded("gup", 1, 1764400000000L, new Requests.GupCallRequest(io.pinlab.kernel.mm.GupCall.pin_user_pages_fast, a, 1L,
                EnumSet.of(io.pinlab.kernel.mm.FollFlag.FOLL_WRITE, io.pinlab.kernel.mm.FollFlag.FOLL_LONGTERM), null, null, null, null),
                1, null, extra("GupExtra", 12L, null))).isEqualTo("{\"op\":\"gup\",\"pid\":1,\"t\":1764400000000,\"args\":{\"call\":"
                + "\"pin_user_pages_fast\",\"start\":\"0x7ffff7ff0000\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]},"
                + "\"ret\":1,\"x\":{\"pin\":12}}");
        assertThat(encoded("access", 1, 1764400000000L, new Requests.AccessRequest(a, 4096L, Requests.AccessKind.write, 42L), 1, null, null))
                .isEqualTo("{\"op\":\"access\",\"pid\":1,\"t\":1764400000000,\"args\":{\"addr\":\"0x7ffff7ff0000\",\"length\":4096,"
                        + "\"access\":\"write\",\"value\":42},\"ret\":1}");
    }

    private static final EnumSet<io.pinlab.kernel.mm.Prot> RW =
            EnumSet.of(io.pinlab.kernel.mm.Prot.PROT_READ, io.pinlab.kernel.mm.Prot.PROT_WRITE);
    private static final EnumSet<io.pinlab.kernel.mm.MapFlag> ANON =
            EnumSet.of(io.pinlab.kernel.mm.MapFlag.MAP_PRIVATE, io.pinlab.kernel.mm.MapFlag.MAP_ANONYMOUS);

    // ---------------------------------------------------------------- samples of every args record

    /** Instances of a record: every component varied through its samples, and each nullable one null in turn. */
    private static List<Object> samples(Class<?> type) throws Exception {
        RecordComponent[] rc = type.getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) types[i] = rc[i].getType();
        Constructor<?> canonical = type.getDeclaredConstructor(types);
        canonical.setAccessible(true);
        List<Object> out = new ArrayList<>();
        for (int variant = 0; variant < 12 + rc.length; variant++) {
            Object[] values = new Object[rc.length];
            for (int i = 0; i < rc.length; i++) {
                boolean nulled = variant >= 12 && variant - 12 == i && !types[i].isPrimitive();
                values[i] = nulled ? null : sample(types[i], rc[i].getGenericType(), variant + i);
            }
            try {
                out.add(canonical.newInstance(values));
            } catch (java.lang.reflect.InvocationTargetException refused) {
                // a record that checks its components: this combination is not a value
            }
        }
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object sample(Class<?> t, Type generic, int n) throws Exception {
        if (t == long.class || t == Long.class) return LONGS[n % LONGS.length];
        if (t == int.class || t == Integer.class) return INTS[n % INTS.length];
        if (t == boolean.class || t == Boolean.class) return n % 2 == 0;
        if (t == String.class) return STRINGS[n % STRINGS.length];
        if (t == Address.class) return Address.of(LONGS[n % LONGS.length]);
        if (t.isEnum()) {
            Object[] c = t.getEnumConstants();
            return c[n % c.length];
        }
        if (t == EnumSet.class) {
            Class e = (Class) ((ParameterizedType) generic).getActualTypeArguments()[0];
            Object[] c = e.getEnumConstants();
            return switch (n % 3) {
                case 0 -> EnumSet.noneOf(e);
                case 1 -> EnumSet.allOf(e);
                default -> EnumSet.of((Enum) c[n % c.length]);
            };
        }
        if (t.isRecord()) return samples(t).get(n % samples(t).size());
        if (t == List.class) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            return List.of(sample((Class<?>) element, element, n), sample((Class<?>) element, element, n + 1));
        }
        return null; // a type with its own serialiser (IovecArray): the mapper writes the record
    }
}
