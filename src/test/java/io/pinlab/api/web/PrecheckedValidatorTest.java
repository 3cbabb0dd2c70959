package io.pinlab.api.web;

import io.pinlab.api.json.Address;
import io.pinlab.api.steps.Op;
import io.pinlab.api.steps.Requests;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pre-check agrees with Hibernate Validator on every op body type it covers: over seeded
 * random bodies (components null, at and around the bounds the constraints name, or random),
 * a body passes the pre-check exactly when the validator finds no violation, and what
 * {@link PrecheckedValidator#validate} answers is the validator's set of violations.
 */
class PrecheckedValidatorTest {
    private static final Validator HIBERNATE = Validation.buildDefaultValidatorFactory().getValidator();
    private final PrecheckedValidator prechecked = new PrecheckedValidator(HIBERNATE);

    static Stream<Class<?>> bodyTypes() {
        Set<Class<?>> types = new java.util.LinkedHashSet<>();
        Op.ALL.values().forEach(op -> types.add(op.args()));
        types.add(Requests.ReleaseRequest.class);
        types.add(Requests.CreateProcessRequest.class);
        return types.stream();
    }

    @Test
    void theLabChainBodiesArePrechecked() {
        for (Class<?> t : List.of(Requests.MmapRequest.class, Requests.AccessRequest.class, Requests.GupCallRequest.class,
                Requests.ReleaseRequest.class, Requests.RangeRequest.class))
            assertThat(prechecked.prechecks(t)).as(t.getSimpleName()).isTrue();
    }

    @Test
    void cascadedAndContainerElementConstraintsAreLeftToTheValidator() {
        // EnterRequest: List<@Valid @NotNull SqeJson> sqes
        assertThat(prechecked.prechecks(Requests.EnterRequest.class)).isFalse();
        assertThat(prechecked.prechecks(String.class)).isFalse();
    }

    public record Named(@jakarta.validation.constraints.NotNull String name) {
    }

    public record MaybeNamed(@jakarta.validation.constraints.NotNull java.util.Optional<String> name) {
    }

    @Test
    void anOptionalIsLeftToTheValidator() {
        // Hibernate Validator may unwrap an Optional (its value extractor) before @NotNull: not a plain rule
        assertThat(prechecked.prechecks(Named.class)).isTrue();
        assertThat(prechecked.prechecks(MaybeNamed.class)).isFalse();
        for (MaybeNamed m : java.util.Arrays.asList(new MaybeNamed(null), new MaybeNamed(java.util.Optional.empty()),
                new MaybeNamed(java.util.Optional.of("x"))))
            assertThat(describe(prechecked.validate(m))).isEqualTo(describe(HIBERNATE.validate(m)));
        assertThat(prechecked.validate(new Named(null))).hasSize(1);
        assertThat(prechecked.validate(new Named("x"))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodyTypes")
    void agreesWithTheValidator(Class<?> type) throws Exception {
        if (!prechecked.prechecks(type)) return;
        Random random = new Random(type.getName().hashCode());
        RecordComponent[] components = type.getRecordComponents();
        Constructor<?> canonical = type.getDeclaredConstructor(Stream.of(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        canonical.setAccessible(true);
        int valid = 0, invalid = 0;
        for (int i = 0; i < 400; i++) {
            Object[] values = new Object[components.length];
            for (int c = 0; c < components.length; c++) values[c] = value(components[c].getGenericType(), random);
            Object body = canonical.newInstance(values);
            Set<ConstraintViolation<Object>> violations = HIBERNATE.validate(body);
            assertThat(prechecked.passes(body)).as("%s", body).isEqualTo(violations.isEmpty());
            assertThat(describe(prechecked.validate(body))).as("%s", body).isEqualTo(describe(violations));
            if (violations.isEmpty()) valid++; else invalid++;
        }
        assertThat(valid).as("valid bodies generated").isPositive();
        if (HIBERNATE.getConstraintsForClass(type).isBeanConstrained())
            assertThat(invalid).as("invalid bodies generated").isPositive();
    }

    private static Set<String> describe(Set<? extends ConstraintViolation<?>> violations) {
        return violations.stream().map(v -> v.getPropertyPath() + ": " + v.getMessage()).collect(Collectors.toSet());
    }

    private static final long[] LONGS = {Long.MIN_VALUE, Integer.MIN_VALUE, -2, -1, 0, 1, 2, 249, 4096, 4097,
            0xffff_ffffL, 0x1_0000_0000L, Integer.MAX_VALUE, Long.MAX_VALUE};
    private static final int[] LENGTHS = {0, 1, 2, 248, 249, 250, 1024, 1025, 1026, 4096, 4097};

    /** A value of this type: null one time in six, else a boundary or a random one. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object value(Type type, Random random) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (!raw.isPrimitive() && random.nextInt(6) == 0) return null;
        long n = random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong(-10, 10_000);
        if (raw == Long.class || raw == long.class) return n;
        if (raw == Integer.class || raw == int.class) return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n));
        if (raw == Boolean.class || raw == boolean.class) return random.nextBoolean();
        if (raw == Address.class) return Address.of(random.nextLong(0, Long.MAX_VALUE));
        if (raw == String.class) return "a".repeat(LENGTHS[random.nextInt(LENGTHS.length)]);
        if (raw.isEnum()) return raw.getEnumConstants()[random.nextInt(raw.getEnumConstants().length)];
        if (raw == EnumSet.class) {
            Class e = (Class) ((ParameterizedType) type).getActualTypeArguments()[0];
            EnumSet set = EnumSet.noneOf(e);
            for (Object c : e.getEnumConstants()) if (random.nextInt(4) == 0) set.add(c);
            return set;
        }
        if (raw == List.class) {
            List<Object> list = new ArrayList<>();
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            int size = LENGTHS[random.nextInt(LENGTHS.length)];
            for (int i = 0; i < size; i++) list.add(value(element, random));
            return Collections.unmodifiableList(list);
        }
        if (raw.isRecord()) {
            try {
                RecordComponent[] cs = raw.getRecordComponents();
                Constructor<?> k = raw.getDeclaredConstructor(Stream.of(cs).map(RecordComponent::getType).toArray(Class<?>[]::new));
                k.setAccessible(true);
                Object[] vs = new Object[cs.length];
                for (int i = 0; i < cs.length; i++) vs[i] = value(cs[i].getGenericType(), random);
                return k.newInstance(vs);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return null; // a type no body of the covered ops has: only null
    }
}
