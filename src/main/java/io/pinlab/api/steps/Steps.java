package io.pinlab.api.steps;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.problem.FieldProblem;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.Syscall;
import io.pinlab.platform.PinlabMetrics;
import io.pinlab.platform.Problems;
import io.pinlab.session.LabSession;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.SessionService;
import io.pinlab.session.TouchLimitException;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The step vocabulary (API.md "Steps") and the one way a call is made: controllers call
 * {@link #call}; import, compare and exercises call {@link #parse} and {@link #runAll}; the
 * session layer replays logs through {@link StepDecoder}. All of them map (op, args) to a
 * {@link Syscall} with {@link Op}.
 */
@Component
public class Steps {
    /** {@code ${N.field}} or {@code ${N.field}+0x1000} (offset hex or decimal). */
    private static final Pattern REF = Pattern.compile("\\$\\{([0-9]{1,9})\\.([A-Za-z][A-Za-z0-9_.]{0,63})}(?:\\+(0x[0-9a-fA-F]{1,16}|[0-9]{1,19}))?");

    private final ObjectMapper mapper;
    private final Validator validator;
    private final SessionService sessions;
    private final Clock clock;
    private final PinlabMetrics metrics;

    /** Without metrics (tests that build their own). */
    public Steps(ObjectMapper mapper, Validator validator, SessionService sessions, Clock clock) {
        this(mapper, validator, sessions, clock, new PinlabMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }

    @org.springframework.beans.factory.annotation.Autowired
    public Steps(ObjectMapper mapper, Validator validator, SessionService sessions, Clock clock, PinlabMetrics metrics) {
        this.mapper = mapper;
        this.validator = validator;
        this.sessions = sessions;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * A step as a client writes it: {@code { "op": "mmap", "pid": 1, "args": { ... } }}; pid and
     * args may hold references. {@code seq}, {@code result} and {@code time} are what history adds;
     * they are accepted and ignored so that a history imports unchanged.
     */
    @Schema(description = "one call: op is the endpoint's last path segment, args its request body; a string "
            + "\"${N.field}\" or \"${N.field}+0x1000\" in pid or args refers to the result of step N (1-based) of the same list")
    public record StepJson(@Schema(example = "mmap") String op,
                           @Schema(description = "the calling process (not for process, release, sysctl)", example = "1",
                                   oneOf = {Integer.class, String.class}) JsonNode pid,
                           @Schema(description = "the endpoint's request body", type = "object") JsonNode args,
                           @Schema(description = "ignored (history's numbering)") Long seq,
                           @Schema(description = "ignored (history's result: replay computes it)") JsonNode result,
                           @Schema(description = "ignored (history's call time: an import is made now)") String time) {
        public StepJson(String op, JsonNode pid, JsonNode args) {
            this(op, pid, args, null, null, null);
        }
    }

    /** The check that decided a call: the last step of its explain trace. */
    public record Decisive(String fn, String file) {
    }

    /**
     * One step run by {@link #runAll}.
     *
     * @param index    0-based position in the list
     * @param pid      the resolved pid (null for ops without one)
     * @param args     the resolved args (references replaced)
     * @param answer   the JSON answer the endpoint would give (for gup, also when the arguments broke is_valid_gup_args())
     * @param result   the short result that history shows and references resolve against: ret, errno, and addr (mmap),
     *                 pid (process, fork), pin.id (gup), signal (access), invalidArgs (gup)
     * @param decisive the check that decided the call, or null
     * @param logged   the step as the session log stores it
     */
    public record Outcome(int index, String op, Integer pid, JsonNode args, Object answer, ObjectNode result,
                          Decisive decisive, byte[] logged) {
    }

    /** A step parsed and mapped, not yet applied. */
    public record Parsed(Op<?, ?, ?> op, Integer pid, Object args, Syscall<?> syscall) {
    }

    // ---------------------------------------------------------------- one call of a live session

    /**
     * Makes one call in a session: maps {@code args} (already validated by the controller) to its
     * syscall, applies it under the session lock, appends the step to the log and returns the answer.
     */
    public <Q, R, A> A call(LabSession session, Op<Q, R, A> op, Integer pid, Q args) {
        Syscall<R> call = op.syscall(new Requests.Ctx(pid == null ? 0 : pid, session.profile(), sessions.limits()), args);
        return sessions.execute(session, call, (t, r) -> encode(op, pid, t, args, r), (k, r) -> {
            var errno = Syscall.errno(r);
            metrics.syscall(op.name(), errno == null ? null : errno.name(), k.profile.name());
            return op.present(k, args, r);
        });
    }

    /** The 422 {@code invalid-gup-args} problem of a GUP answer whose arguments broke is_valid_gup_args(), or null. */
    public static ApiProblemException invalidGupArgs(Answers.GupAnswer a) {
        var v = a.invalidArgs();
        if (v == null) return null;
        Map<String, Object> props = new java.util.LinkedHashMap<>();
        props.put("rule", v.rule());
        props.put("kernelRet", v.kernelRet());
        props.put("warning", v.warning());
        return new ApiProblemException(HttpStatus.UNPROCESSABLE_CONTENT, Problems.INVALID_GUP_ARGS,
                v.call() + ": is_valid_gup_args() rejects the arguments (" + v.rule() + "): " + v.detail()
                        + "; in this kernel the call returns " + v.kernelRet(), List.of(), props);
    }

    // ---------------------------------------------------------------- steps as data

    /**
     * Parses one step whose references are already resolved: the op, its pid and its args
     * (Bean Validation and the session rules included).
     *
     * @param field prefix for the fields named in problems, e.g. {@code "steps[3]"} (or "")
     * @throws ApiProblemException 400 naming {@code field.op}, {@code field.pid} or {@code field.args.x}
     */
    public Parsed parse(Profile profile, String op, Integer pid, JsonNode args, String field) {
        String at = field.isEmpty() ? "" : field + ".";
        Op<?, ?, ?> o = op == null ? null : Op.ALL.get(op);
        if (o == null)
            throw ApiProblemException.badField(at + "op", (op == null ? "is required" : "unknown op '" + op + "'")
                    + "; one of " + String.join(", ", Op.ALL.keySet()));
        if (o.hasPid() && pid == null) throw ApiProblemException.badField(at + "pid", "op " + op + " needs the calling process");
        if (!o.hasPid() && pid != null) throw ApiProblemException.badField(at + "pid", "op " + op + " takes no pid");
        if (pid != null && pid <= 0) throw ApiProblemException.badField(at + "pid", "must be a positive process id");
        if (args != null && !args.isObject() && !args.isNull()) throw ApiProblemException.badField(at + "args", "expected a JSON object");
        Object q;
        try {
            q = mapper.treeToValue(args == null || args.isNull() ? mapper.createObjectNode() : args, o.args());
        } catch (JacksonException e) {
            throw ApiProblemException.badField(at + "args" + path(e), describe(e));
        }
        Set<ConstraintViolation<Object>> violations = validator.validate(q);
        if (!violations.isEmpty()) {
            List<FieldProblem> errors = violations.stream()
                    .map(v -> new FieldProblem(at + "args." + v.getPropertyPath(), v.getMessage()))
                    .sorted(FieldProblem.ORDER).toList();
            throw invalid(errors);
        }
        try {
            return new Parsed(o, pid, q, o.syscallOf(new Requests.Ctx(pid == null ? 0 : pid, profile, sessions.limits()), q));
        } catch (ApiProblemException e) {
            throw invalid(e.errors().stream().map(f -> new FieldProblem(at + "args." + f.field(), f.message())).toList());
        } catch (TouchLimitException e) {
            throw ApiProblemException.badField(at + "args." + e.field(), e.getMessage());
        }
    }

    /**
     * Runs a list of steps on {@code k} (a kernel of their profile, usually fresh from
     * {@code SessionService.boot}), resolving {@code ${N.field}} references against the results of
     * earlier steps. A step the kernel fails is an answer like any other; a step that cannot be
     * made (malformed, refers to a later step or a missing field, names a process or pin that
     * does not exist, breaks a session limit) stops the run with a 400 naming {@code steps[i]}.
     */
    public List<Outcome> runAll(Kernel k, List<StepJson> steps) {
        long t = clock.millis();
        return run(k.profile, steps, (p, pid) -> {
            if (p.syscall() instanceof Syscall.CreateProcess || p.syscall() instanceof Syscall.Fork) {
                if (p.syscall() instanceof Syscall.Fork f) k.task(f.pid());
                sessions.checkProcessLimit(k.tasks.size());
            }
            Object r = p.syscall().apply(k);
            return new Ran(p.op().presentOf(k, p.args(), r), r, encode(p.op(), pid, t, p.args(), r));
        });
    }

    /**
     * Makes the steps as calls of {@code session} (import): each one is applied and logged like a
     * call of the API, with references resolved as in {@link #runAll}; the same 400s.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<Outcome> importInto(LabSession session, List<StepJson> steps) {
        return run(session.profile(), steps, (p, pid) -> {
            Object[] kernelAnswer = new Object[1];
            byte[][] logged = new byte[1][];
            Object answer = sessions.execute(session, (Syscall) p.syscall(), (t, r) -> {
                kernelAnswer[0] = r;
                return logged[0] = encode(p.op(), pid, t, p.args(), r);
            }, (k, r) -> p.op().presentOf(k, p.args(), r));
            return new Ran(answer, kernelAnswer[0], logged[0]);
        });
    }

    /** One step made: the JSON answer, the kernel's answer, the step as logged. */
    private record Ran(Object answer, Object kernelAnswer, byte[] logged) {
    }

    @FunctionalInterface
    private interface Runner {
        Ran run(Parsed step, Integer pid);
    }

    private List<Outcome> run(Profile profile, List<StepJson> steps, Runner runner) {
        List<Outcome> out = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            String field = "steps[" + i + "]";
            StepJson s = steps.get(i);
            if (s == null) throw ApiProblemException.badField(field, "must be a step object");
            JsonNode pidNode = s.pid() == null || s.pid().isNull() ? null : resolve(s.pid(), out, i, field + ".pid");
            Integer pid = null;
            if (pidNode != null) {
                if (!pidNode.isIntegralNumber() || !pidNode.canConvertToInt())
                    throw ApiProblemException.badField(field + ".pid", "expected a process id (JSON integer) or a reference");
                pid = pidNode.intValue();
            }
            JsonNode args = s.args() == null ? null : resolve(s.args(), out, i, field + ".args");
            Parsed p = parse(profile, s.op(), pid, args, field);
            Ran ran;
            try {
                ran = runner.run(p, pid);
            } catch (NoSuchObjectException | StateConflictException | io.pinlab.session.ProcessLimitException e) {
                throw ApiProblemException.badField(field, e.getMessage());
            } catch (io.pinlab.kernel.base.NotSimulatedException e) {
                throw ApiProblemException.badField(field + ".args." + e.field(), e.getMessage());
            }
            LoggedStep ls = LoggedStep.decode(ran.logged());
            out.add(new Outcome(i, p.op().name(), pid, ls.args() == null ? mapper.createObjectNode() : ls.args(), ran.answer(),
                    result(ls), decisive(ran.kernelAnswer()), ran.logged()));
        }
        return out;
    }

    /**
     * The short result of a logged step, as history shows it and references resolve against:
     * {@code ret} and {@code errno} as the answer has them (mmap: {@code addr} in hex instead of
     * ret on success), plus {@code pid} (process, fork), {@code pin.id} (gup), {@code signal} (access),
     * {@code invalidArgs} (gup: the is_valid_gup_args() rule broken).
     */
    public static ObjectNode result(LoggedStep s) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        boolean ok = s.errno() == null;
        if (s.op().equals("mmap") && ok) {
            n.putNull("ret");
            n.put("addr", Address.of(s.ret()).toString());
        } else {
            n.put("ret", s.ret());
        }
        if (ok) n.putNull("errno");
        else n.put("errno", s.errno());
        if (ok && (s.op().equals("process") || s.op().equals("fork"))) n.put("pid", s.ret());
        if (s.x() != null) for (Map.Entry<String, JsonNode> e : s.x().properties()) {
            if (e.getKey().equals("pin")) n.set("pin", JsonNodeFactory.instance.objectNode().put("id", e.getValue().asLong()));
            else n.set(e.getKey(), e.getValue());
        }
        return n;
    }

    // ---------------------------------------------------------------- encoding

    /** What a step keeps of an answer besides ret/errno: what later steps may refer to. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record GupExtra(Long pin, String invalidArgs) {
    }

    private record AccessExtra(String signal) {
    }

    private static byte[] encode(Op<?, ?, ?> op, Integer pid, long t, Object args, Object r) {
        Object extra = switch (r) {
            case GupResult g -> g.pin() == null && g.invalidArgs() == null ? null
                    : new GupExtra(g.pin() == null ? null : g.pin().id(), g.invalidArgs() == null ? null : g.invalidArgs().rule());
            case AccessResult a -> a.signal() == null ? null : new AccessExtra(a.signal());
            default -> null;
        };
        var errno = Syscall.errno(r);
        return LoggedStep.encode(op.name(), op.hasPid() ? pid : null, t, args, Syscall.ret(r),
                errno == null ? null : errno.name(), extra);
    }

    private static Decisive decisive(Object r) {
        List<io.pinlab.kernel.base.Step> explain = switch (r) {
            case SysResult s -> s.explain();
            case GupResult g -> g.explain();
            case AccessResult a -> a.explain();
            case EnterResult e -> e.explain();
            case io.pinlab.kernel.mm.ProcessVm.MemResult m -> m.result().explain();
            default -> List.of();
        };
        if (explain.isEmpty()) return null;
        io.pinlab.kernel.base.Step last = explain.get(explain.size() - 1);
        return new Decisive(last.fn(), last.file());
    }

    // ---------------------------------------------------------------- references

    /** A copy of {@code node} with every reference string replaced by the value it names. */
    private JsonNode resolve(JsonNode node, List<Outcome> done, int index, String field) {
        if (node.isString()) {
            String text = node.asString();
            if (!text.startsWith("${")) return node;
            Matcher m = REF.matcher(text);
            if (!m.matches())
                throw ApiProblemException.badField(field, "malformed reference '" + text + "'; write \"${N.field}\" or \"${N.field}+0x1000\"");
            int n = Integer.parseInt(m.group(1));
            if (n < 1 || n > index)
                throw ApiProblemException.badField(field, "refers to step " + n + ", but only steps 1.." + index
                        + " come before step " + (index + 1) + " (references are 1-based, to earlier steps)");
            JsonNode value = done.get(n - 1).result();
            for (String part : m.group(2).split("\\.")) value = value == null ? null : value.get(part);
            if (value == null || value.isNull())
                throw ApiProblemException.badField(field, "step " + n + " (" + done.get(n - 1).op() + ") has no '" + m.group(2)
                        + "' in its result " + done.get(n - 1).result());
            if (m.group(3) == null) return value;
            long off = m.group(3).startsWith("0x") ? Long.parseUnsignedLong(m.group(3).substring(2), 16) : Long.parseLong(m.group(3));
            if (value.isString()) {
                try {
                    return JsonNodeFactory.instance.stringNode(Address.of(Address.parse(value.asString()).value() + off).toString());
                } catch (IllegalArgumentException e) {
                    throw ApiProblemException.badField(field, "step " + n + "'s " + m.group(2) + " is not an address");
                }
            }
            if (value.isIntegralNumber() && value.canConvertToLong())
                return JsonNodeFactory.instance.numberNode(value.longValue() + off);
            throw ApiProblemException.badField(field, "step " + n + "'s " + m.group(2) + " is not a number");
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties())
                copy.set(e.getKey(), resolve(e.getValue(), done, index, field + "." + e.getKey()));
            return copy;
        }
        if (node.isArray()) {
            var copy = JsonNodeFactory.instance.arrayNode(node.size());
            for (int i = 0; i < node.size(); i++) copy.add(resolve(node.get(i), done, index, field + "[" + i + "]"));
            return copy;
        }
        return node;
    }

    // ---------------------------------------------------------------- problems

    private static ApiProblemException invalid(List<FieldProblem> errors) {
        String detail = "invalid request: " + errors.stream().map(e -> e.field() + ": " + e.message())
                .collect(java.util.stream.Collectors.joining("; "));
        return new ApiProblemException(HttpStatus.BAD_REQUEST, Problems.VALIDATION_FAILED, detail, errors, Map.of());
    }

    private static String path(JacksonException e) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) b.append('.').append(r.getPropertyName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }

    /** A parser failure in words, without class names or parser internals. */
    private static String describe(JacksonException e) {
        if (e instanceof PropertyBindingException p) {
            Collection<Object> known = p.getKnownPropertyIds();
            return "unknown field" + (known == null ? "" : "; accepted: " + String.join(", ",
                    new TreeSet<>(known.stream().map(String::valueOf).toList())));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> target = m.getTargetType();
            if (target.isEnum()) return "expected one of " + Arrays.toString(target.getEnumConstants());
            if (target == Address.class) return m.getOriginalMessage();
            if (target == long.class || target == Long.class) return "expected a JSON integer (64-bit)";
            if (target == int.class || target == Integer.class) return "expected a JSON integer (32-bit)";
            if (target == boolean.class || target == Boolean.class) return "expected true or false";
            if (target == String.class) return "expected a JSON string";
            if (Collection.class.isAssignableFrom(target)) return "expected a JSON array";
            if (target.isRecord()) return "expected a JSON object";
        }
        return "invalid value";
    }
}
