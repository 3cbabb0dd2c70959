package io.pinlab.session;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pinlab.platform.AsciiDecimal;
import tools.jackson.databind.json.JsonMapper;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a step's JSON ({@link LoggedStep#encode}) byte for byte as the log's Jackson mapper
 * would, without a generator or a serialization context per step: a state-changing request
 * encodes one step, and Jackson's generator set-up and its per-context lookups of the args'
 * EnumSet serialisers cost more than the kernel call of a small mmap.
 *
 * <p>A value is written here when it is a record whose components are all of these kinds, and
 * neither the record nor a component carries a Jackson annotation (other than the mapper's own
 * {@code @JsonInclude(NON_NULL)}) or has a getter Jackson would add as a property: whole numbers
 * ({@code long}, {@code int} and their boxes), booleans, strings, enums (each constant's JSON taken
 * from the mapper once), EnumSets of such enums, and final types with a {@code @JsonValue} method
 * returning a string (addresses). Null components are left out, as the mapper's NON_NULL
 * inclusion does. Anything else (lists, nested records, JSON trees) is written by the mapper
 * itself, and so is a string with a character Jackson may escape. Not thread-safe: one per step.
 */
final class StepWriter {
    private final Shapes shapes;
    private byte[] buf = new byte[256];
    private int len;

    StepWriter(Shapes shapes) {
        this.shapes = shapes;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    StepWriter raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** {@code ,"name":} or, first in an object, {@code "name":}, for the envelope's ASCII names. */
    StepWriter name(String name, boolean first) {
        ensure(name.length() + 4);
        if (!first) buf[len++] = ',';
        buf[len++] = '"';
        for (int i = 0; i < name.length(); i++) buf[len++] = (byte) name.charAt(i);
        buf[len++] = '"';
        buf[len++] = ':';
        return this;
    }

    StepWriter number(long v) {
        ensure(AsciiDecimal.MAX_LENGTH);
        len = AsciiDecimal.write(buf, len, v);
        return this;
    }

    /** A string: printable ASCII other than quote and backslash as is; anything else as the mapper escapes it. */
    StepWriter string(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return bytes(shapes.mapper.writeValueAsBytes(s));
        }
        ensure(s.length() + 2);
        buf[len++] = '"';
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
        buf[len++] = '"';
        return this;
    }

    /** Any value as the mapper writes it (NON_NULL inclusion): a flat record here, the rest by the mapper. */
    StepWriter value(Object v) {
        Shape shape = shapes.byClass.get(v.getClass());
        if (shape == null) return bytes(shapes.mapper.writeValueAsBytes(v));
        boolean first = true;
        raw('{');
        for (Component c : shape.components) {
            Object x;
            try {
                x = (Object) c.accessor.invokeExact(v);
            } catch (Throwable e) {
                throw new IllegalStateException("reading a component of " + v.getClass().getName(), e);
            }
            if (x == null) continue;
            if (!first) raw(',');
            first = false;
            bytes(c.quotedName).raw(':');
            c.kind.write(this, x);
        }
        return raw('}');
    }

    private StepWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    // ---------------------------------------------------------------- which records are written here

    /** A component: its name as the mapper quotes it, its accessor and how its value is written. */
    private record Component(byte[] quotedName, MethodHandle accessor, Kind kind) {
    }

    /** The components of a record written here, in declaration order (the mapper's order for records). */
    private record Shape(Component[] components) {
    }

    @FunctionalInterface
    private interface Kind {
        void write(StepWriter w, Object value);
    }

    /** Which classes are written here and how, learnt once per class from a mapper (the log's, {@link LoggedStep}). */
    static final class Shapes {
        private final JsonMapper mapper;
        /** Per class: its shape, or null when the mapper writes it. */
        private final ClassValue<Shape> byClass = new ClassValue<>() {
            @Override
            protected Shape computeValue(Class<?> type) {
                return shapeOf(type);
            }
        };

        Shapes(JsonMapper mapper) {
            this.mapper = mapper;
        }

        private Shape shapeOf(Class<?> type) {
            // an interface may carry annotations (@JsonTypeInfo, @JsonIgnore on an accessor) that the
            // record's own reflection does not show: the mapper writes records that implement one
            if (!type.isRecord() || type.getInterfaces().length > 0 || hasJacksonAnnotation(type, true)
                    || hasExtraGetter(type)) return null;
            RecordComponent[] rc = type.getRecordComponents();
            Component[] out = new Component[rc.length];
            for (int i = 0; i < rc.length; i++) {
                RecordComponent c = rc[i];
                Field field;
                try {
                    field = type.getDeclaredField(c.getName());
                } catch (NoSuchFieldException e) {
                    return null;
                }
                if (hasJacksonAnnotation(c, false) || hasJacksonAnnotation(c.getAccessor(), false)
                        || hasJacksonAnnotation(field, false)) return null;
                Kind kind = kindOf(c.getType(), c.getGenericType());
                MethodHandle accessor = handle(c.getAccessor(), Object.class);
                if (kind == null || accessor == null) return null;
                out[i] = new Component(mapper.writeValueAsBytes(c.getName()), accessor, kind);
            }
            return new Shape(out);
        }

        private Kind kindOf(Class<?> t, Type generic) {
            if (t == long.class || t == Long.class || t == int.class || t == Integer.class)
                return (w, v) -> w.number(((Number) v).longValue());
            if (t == boolean.class || t == Boolean.class) return (w, v) -> w.bytes((Boolean) v ? TRUE : FALSE);
            if (t == String.class) return (w, v) -> w.string((String) v);
            if (t.isEnum()) {
                byte[][] json = enumJson(t);
                return json == null ? null : (w, v) -> w.bytes(json[((Enum<?>) v).ordinal()]);
            }
            if (t == EnumSet.class && generic instanceof ParameterizedType p
                    && p.getActualTypeArguments()[0] instanceof Class<?> e && e.isEnum()) {
                byte[][] json = enumJson(e);
                return json == null ? null : (w, v) -> {
                    w.raw('[');
                    boolean first = true;
                    for (Enum<?> x : (EnumSet<?>) v) {
                        if (!first) w.raw(',');
                        first = false;
                        w.bytes(json[x.ordinal()]);
                    }
                    w.raw(']');
                };
            }
            Method jsonValue = stringJsonValue(t);
            MethodHandle h = jsonValue == null ? null : handle(jsonValue, String.class);
            if (h == null) return null;
            return (w, v) -> {
                String s;
                try {
                    s = (String) h.invokeExact(v);
                } catch (Throwable e) {
                    throw new IllegalStateException("@JsonValue of " + t.getName(), e);
                }
                if (s == null) w.bytes(NULL);
                else w.string(s);
            };
        }

        /** Each constant's JSON as the mapper writes it, by ordinal; null for an enum with Jackson annotations on its members. */
        private byte[][] enumJson(Class<?> e) {
            for (var f : e.getDeclaredFields()) if (hasJacksonAnnotation(f, false)) return null;
            for (var m : e.getDeclaredMethods()) if (hasJacksonAnnotation(m, false)) return null;
            if (hasJacksonAnnotation(e, false)) return null;
            Object[] constants = e.getEnumConstants();
            byte[][] out = new byte[constants.length][];
            for (int i = 0; i < constants.length; i++) out[i] = mapper.writeValueAsBytes(constants[i]);
            return out;
        }
    }

    /** {@code m} as a handle taking an Object and returning {@code returns}, or null when it cannot be made accessible. */
    private static MethodHandle handle(Method m, Class<?> returns) {
        try {
            m.setAccessible(true); // the accessors of a private record (the api's step extras)
            return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(returns, Object.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    /**
     * The public no-argument {@code @JsonValue} method returning a String of a final class without
     * other Jackson annotations on its type, or null.
     */
    private static Method stringJsonValue(Class<?> t) {
        if (!Modifier.isFinal(t.getModifiers()) || !Modifier.isPublic(t.getModifiers()) || t.isArray() || t.isPrimitive())
            return null;
        Method found = null;
        for (Method m : t.getMethods()) {
            JsonValue v = m.getAnnotation(JsonValue.class);
            if (v == null) continue;
            if (!v.value() || found != null || m.getParameterCount() != 0 || m.getReturnType() != String.class
                    || Modifier.isStatic(m.getModifiers())) return null;
            found = m;
        }
        for (var f : t.getDeclaredFields()) if (f.isAnnotationPresent(JsonValue.class)) return null;
        for (Annotation a : t.getAnnotations())
            if (isJackson(a) && !a.annotationType().getSimpleName().equals("JsonDeserialize")) return null;
        return found;
    }

    /** A record Jackson would give a property beyond its components: a public getX() or isX() method. */
    private static boolean hasExtraGetter(Class<?> type) {
        Set<String> accessors = new HashSet<>();
        for (RecordComponent c : type.getRecordComponents()) accessors.add(c.getName());
        for (Method m : type.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class
                    || m.getDeclaringClass() == Record.class || accessors.contains(m.getName())) continue;
            String n = m.getName();
            if (n.startsWith("get") && n.length() > 3 && m.getReturnType() != void.class) return true;
            if (n.startsWith("is") && n.length() > 2 && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class))
                return true;
            if (hasJacksonAnnotation(m, false)) return true;
        }
        return false;
    }

    /**
     * Whether {@code e} carries an annotation of Jackson's; with {@code allowNonNull}, a
     * {@code @JsonInclude(NON_NULL)} (the mapper's own inclusion) does not count.
     */
    private static boolean hasJacksonAnnotation(AnnotatedElement e, boolean allowNonNull) {
        for (Annotation a : e.getAnnotations()) {
            if (!isJackson(a)) continue;
            if (allowNonNull && a instanceof JsonInclude i && i.value() == JsonInclude.Include.NON_NULL
                    && (i.content() == JsonInclude.Include.USE_DEFAULTS || i.content() == JsonInclude.Include.NON_NULL)
                    && i.valueFilter() == Void.class && i.contentFilter() == Void.class) continue;
            return true;
        }
        return false;
    }

    /** Jackson's own annotations, and annotations of the project's that bundle some (@JacksonAnnotationsInside). */
    private static boolean isJackson(Annotation a) {
        Class<? extends Annotation> type = a.annotationType();
        String p = type.getPackageName();
        return p.startsWith("com.fasterxml.jackson.") || p.startsWith("tools.jackson.")
                || type.isAnnotationPresent(JacksonAnnotationsInside.class);
    }
}
