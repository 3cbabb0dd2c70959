package io.pinlab.api.web;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import jakarta.validation.executable.ExecutableValidator;
import jakarta.validation.groups.Default;
import jakarta.validation.metadata.BeanDescriptor;
import jakarta.validation.metadata.ConstraintDescriptor;
import jakarta.validation.metadata.PropertyDescriptor;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Bean Validation with a pre-check in front: a record whose constraints are all plain ones
 * ({@code @NotNull}, {@code @Positive}, {@code @PositiveOrZero}, {@code @Min}, {@code @Max} on
 * integers, {@code @Size} on strings and collections, in the default group, on its components) is
 * checked by reading its components once, which is what a lab call's body needs. A record that
 * passes has no violations; any other object, a record that fails a rule, or one with another
 * kind of constraint (cascaded, on container elements, class level, composed, in groups) goes to
 * the validator, so every violation, its field and its message are the validator's own.
 */
public final class PrecheckedValidator implements Validator {
    /** One rule of one component. */
    private record Check(MethodHandle component, Predicate<Object> rule) {
    }

    private static final MethodType READ = MethodType.methodType(Object.class, Object.class);

    private final Validator validator;
    /** The checks of a record type, or null when the type has no pre-check. */
    private final ClassValue<Check[]> checks = new ClassValue<>() {
        @Override
        protected Check[] computeValue(Class<?> type) {
            return checksOf(type);
        }
    };

    public PrecheckedValidator(Validator validator) {
        this.validator = validator;
    }

    /** Whether the pre-check alone finds {@code value} valid (false: only the validator can tell). */
    boolean passes(Object value) {
        Check[] cs = checks.get(value.getClass());
        if (cs == null) return false;
        try {
            for (Check c : cs)
                if (!c.rule().test(c.component().invokeExact(value))) return false;
        } catch (Throwable e) { // a record accessor does not throw
            throw new IllegalStateException(e);
        }
        return true;
    }

    /** Whether {@code type} has a pre-check (every one of its constraints is a plain one). */
    boolean prechecks(Class<?> type) {
        return checks.get(type) != null;
    }

    @Override
    public <T> Set<ConstraintViolation<T>> validate(T object, Class<?>... groups) {
        if (object != null && groups.length == 0 && passes(object)) return Set.of();
        return validator.validate(object, groups);
    }

    @Override
    public <T> Set<ConstraintViolation<T>> validateProperty(T object, String propertyName, Class<?>... groups) {
        return validator.validateProperty(object, propertyName, groups);
    }

    @Override
    public <T> Set<ConstraintViolation<T>> validateValue(Class<T> beanType, String propertyName, Object value, Class<?>... groups) {
        return validator.validateValue(beanType, propertyName, value, groups);
    }

    @Override
    public BeanDescriptor getConstraintsForClass(Class<?> clazz) {
        return validator.getConstraintsForClass(clazz);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        return validator.unwrap(type);
    }

    @Override
    public ExecutableValidator forExecutables() {
        return validator.forExecutables();
    }

    private Check[] checksOf(Class<?> type) {
        if (!type.isRecord()) return null;
        BeanDescriptor bean = validator.getConstraintsForClass(type);
        if (!bean.getConstraintDescriptors().isEmpty()) return null;
        Map<String, RecordComponent> components = new HashMap<>();
        for (RecordComponent c : type.getRecordComponents()) components.put(c.getName(), c);
        List<Check> out = new ArrayList<>();
        for (PropertyDescriptor p : bean.getConstrainedProperties()) {
            RecordComponent c = components.get(p.getPropertyName());
            if (c == null || p.isCascaded() || !p.getConstrainedContainerElementTypes().isEmpty()) return null;
            MethodHandle read;
            try {
                read = MethodHandles.publicLookup().unreflect(c.getAccessor()).asType(READ);
            } catch (IllegalAccessException e) {
                return null;
            }
            for (ConstraintDescriptor<?> d : p.getConstraintDescriptors()) {
                Predicate<Object> rule = d.getComposingConstraints().isEmpty() && d.getGroups().equals(Set.of(Default.class))
                        ? rule(d.getAnnotation(), c.getType()) : null;
                if (rule == null) return null;
                out.add(new Check(read, rule));
            }
        }
        return out.toArray(Check[]::new);
    }

    /** The rule of a plain constraint on a component of this type, as Hibernate Validator decides it; else null. */
    private static Predicate<Object> rule(Annotation a, Class<?> type) {
        boolean integer = type == Long.class || type == Integer.class || type == Short.class || type == Byte.class
                || type == long.class || type == int.class || type == short.class || type == byte.class;
        return switch (a) {
            // the validator checks the value inside an Optional (unwrapped by default), not the Optional
            case NotNull n when !type.getName().startsWith("java.util.Optional") -> v -> v != null;
            case Positive p when integer -> v -> v == null || ((Number) v).longValue() > 0;
            case PositiveOrZero p when integer -> v -> v == null || ((Number) v).longValue() >= 0;
            case Min m when integer -> v -> v == null || ((Number) v).longValue() >= m.value();
            case Max m when integer -> v -> v == null || ((Number) v).longValue() <= m.value();
            case Size s when type == String.class -> v -> v == null || within(((String) v).length(), s);
            case Size s when Collection.class.isAssignableFrom(type) -> v -> v == null || within(((Collection<?>) v).size(), s);
            default -> null;
        };
    }

    private static boolean within(int n, Size s) {
        return n >= s.min() && n <= s.max();
    }
}
