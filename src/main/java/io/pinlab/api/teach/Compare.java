package io.pinlab.api.teach;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.problem.FieldProblem;
import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same steps under several profiles, each in a throwaway kernel bounded like a session
 * (its process, touch and step limits, and the kernel's own work budget), answered side by side
 * with the check that decided each step.
 */
@Component
public class Compare {
    /** Steps one compare may run per profile (public endpoint: each profile replays them all). */
    static final int MAX_STEPS = 500;
    private static final Pattern STEP_FIELD = Pattern.compile("^steps\\[(\\d+)]");
    private static final Set<String> FD_OPS = Set.of("open", "memfd_create", "memfd_secret", "io_uring_setup");

    private final Steps steps;
    private final SessionService sessions;

    Compare(Steps steps, SessionService sessions) {
        this.steps = steps;
        this.sessions = sessions;
    }

    @Schema(name = "CompareRequest", description = "steps to run under each profile, in a fresh kernel per profile")
    record Request(@Schema(description = "profile names (GET /api/v1/profiles), 1 to 5, no repeats", example = "[\"v6.3\",\"v6.4\"]")
                   @NotNull @Size(min = 1, max = 5) List<String> profiles,
                   @Schema(description = "at most " + MAX_STEPS + " steps; \"${N.field}\" refers to step N's result")
                   @NotNull @Size(min = 1, max = MAX_STEPS) List<Steps.StepJson> steps) {
    }

    @Schema(name = "CompareSessionRequest", description = "profiles to replay this session's own history under")
    record SessionRequest(@Schema(example = "[\"v6.4\",\"v6.5\"]") @NotNull @Size(min = 1, max = 5) List<String> profiles) {
    }

    @Schema(name = "CompareResult", description = "one step under one profile")
    record Result(@Schema(nullable = true, description = "ret (null for a successful mmap, see addr)") Long ret,
                  @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                  @Schema(nullable = true, description = "mmap: the address returned") String addr,
                  @Schema(nullable = true, description = "the check that decided the call: the last of its explain trace")
                  Steps.Decisive decisive,
                  @Schema(nullable = true, description = "why the step could not be made in this profile (an earlier "
                          + "result it refers to is missing, a flag this kernel does not define, ...)") String notRun) {
    }

    @Schema(name = "StepComparison", description = "one step across the profiles")
    record StepComparison(@Schema(description = "1-based, as in ${N.field}") int index, String op,
                          Map<String, Result> results,
                          @Schema(description = "ret or errno (for mmap: success or failure) differ between profiles")
                          boolean differs) {
    }

    @Schema(name = "CompareAnswer", description = "the steps side by side")
    record Answer(List<String> profiles, List<StepComparison> steps,
                  @Schema(description = "indexes (1-based) of the steps that differ") List<Integer> differing,
                  @Schema(description = "the steps as run: for a session, its history with literal addresses, fds, "
                          + "pids and pin ids of earlier results rewritten as references") List<Steps.StepJson> script) {
    }

    /**
     * Runs the session's own history under each profile, as a script whose literals from earlier
     * results are references ({@link #asScript}).
     */
    Answer runHistory(io.pinlab.session.LabSession session, List<String> profileNames) {
        List<LoggedStep> history = sessions.steps(session, 0, MAX_STEPS + 1);
        if (history.isEmpty()) throw ApiProblemException.badField("history", "this session has made no calls yet");
        if (history.size() > MAX_STEPS)
            throw ApiProblemException.badField("history", "at most " + MAX_STEPS + " steps can be compared; this session has more");
        return run(profileNames, asScript(history), session.movableZone());
    }

    /** Runs {@code script} under each profile. */
    Answer run(List<String> profileNames, List<Steps.StepJson> script, boolean movableZone) {
        List<Profile> profiles = profiles(profileNames);
        if (script.size() > MAX_STEPS)
            throw ApiProblemException.badField("steps", "at most " + MAX_STEPS + " steps per compare (got " + script.size() + ")");
        Map<String, Run> runs = new LinkedHashMap<>();
        for (Profile p : profiles) runs.put(p.name(), runOne(p, script, movableZone));
        // a step no profile can make is bad input, not a difference
        ApiProblemException common = null;
        int firstFailure = -1;
        for (Run r : runs.values()) {
            if (r.problem == null) { common = null; firstFailure = -1; break; }
            if (firstFailure == -1 || firstFailure == r.failedAt) { firstFailure = r.failedAt; common = common == null ? r.problem : common; }
            else { common = null; break; }
        }
        if (common != null) throw common;

        List<StepComparison> out = new ArrayList<>(script.size());
        List<Integer> differing = new ArrayList<>();
        for (int i = 0; i < script.size(); i++) {
            Map<String, Result> results = new LinkedHashMap<>();
            for (Map.Entry<String, Run> e : runs.entrySet()) results.put(e.getKey(), e.getValue().result(i));
            boolean differs = results.values().stream().map(Compare::signature).distinct().count() > 1;
            if (differs) differing.add(i + 1);
            out.add(new StepComparison(i + 1, script.get(i).op(), results, differs));
        }
        return new Answer(profiles.stream().map(Profile::name).toList(), out, differing, script);
    }

    /** What "differs" compares: errno, and ret except for addresses (mmap), which legitimately move between profiles. */
    private static List<Object> signature(Result r) {
        if (r.notRun() != null) return List.of("not run");
        return java.util.Arrays.asList(r.errno(), r.addr() != null ? "addr" : r.ret());
    }

    private static List<Profile> profiles(List<String> names) {
        List<Profile> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            Profile p = n == null ? null : Profile.byName(n).orElse(null);
            if (p == null)
                throw ApiProblemException.badField("profiles[" + i + "]", "unknown profile '" + n + "'; one of " + String.join(", ", Profile.names()));
            if (!seen.add(n)) throw ApiProblemException.badField("profiles[" + i + "]", "'" + n + "' is listed twice");
            out.add(p);
        }
        return out;
    }

    private final class Run {
        List<Steps.Outcome> outcomes = List.of();
        ApiProblemException problem;
        int failedAt = Integer.MAX_VALUE;

        Result result(int i) {
            if (i < outcomes.size()) {
                ObjectNode r = outcomes.get(i).result();
                return new Result(r.path("ret").isNull() ? null : r.path("ret").asLong(),
                        r.path("errno").isNull() ? null : r.path("errno").asString(),
                        r.has("addr") ? r.path("addr").asString() : null, outcomes.get(i).decisive(), null);
            }
            String why = i == failedAt ? problem.getMessage() : "not run: step " + (failedAt + 1) + " could not be made";
            return new Result(null, null, null, null, why);
        }
    }

    private Run runOne(Profile p, List<Steps.StepJson> script, boolean movableZone) {
        Run run = new Run();
        try {
            run.outcomes = runIn(p, movableZone, script);
        } catch (ApiProblemException e) {
            run.problem = e;
            run.failedAt = failedStep(e, script.size());
            // the steps before the one that could not be made, on a fresh kernel
            run.outcomes = run.failedAt == 0 ? List.of() : runIn(p, movableZone, script.subList(0, run.failedAt));
        }
        return run;
    }

    /** The steps in a throwaway kernel, charged to the service's memory budget while it runs. */
    private List<Steps.Outcome> runIn(Profile p, boolean movableZone, List<Steps.StepJson> script) {
        Kernel k = sessions.boot(p, movableZone);
        try {
            return steps.runAll(k, script);
        } finally {
            sessions.discard(k);
        }
    }

    private static int failedStep(ApiProblemException e, int n) {
        for (FieldProblem f : e.errors()) {
            Matcher m = STEP_FIELD.matcher(f.field());
            if (m.find()) return Math.min(Integer.parseInt(m.group(1)), n);
        }
        return 0;
    }

    // ---------------------------------------------------------------- a session's history as a script

    /**
     * The session's history as steps that run under any profile: a literal that came from an
     * earlier result becomes a reference to it. Addresses inside a mapping an earlier mmap returned
     * become {@code ${N.addr}+0x..}; fds returned by open/memfd_create/memfd_secret/io_uring_setup
     * become {@code ${N.ret}}; pids of created or forked processes {@code ${N.pid}}; pin ids
     * {@code ${N.pin.id}}.
     */
    static List<Steps.StepJson> asScript(List<LoggedStep> history) {
        List<Steps.StepJson> out = new ArrayList<>(history.size());
        List<long[]> maps = new ArrayList<>();   // {step (1-based), start, end}
        Map<Long, Integer> fds = new LinkedHashMap<>(), pids = new LinkedHashMap<>(), pins = new LinkedHashMap<>();
        for (int i = 0; i < history.size(); i++) {
            LoggedStep s = history.get(i);
            JsonNode pid = s.pid() == null ? null : ref(pids, s.pid());
            JsonNode args = s.args() == null ? null : rewrite(s.args(), null, maps, fds, pids, pins);
            out.add(new Steps.StepJson(s.op(), pid, args));
            int n = i + 1;
            boolean ok = s.errno() == null;
            if (!ok) continue;
            switch (s.op()) {
                case "mmap" -> {
                    long len = s.args() == null ? 0 : s.args().path("length").asLong();
                    maps.add(new long[]{n, s.ret(), s.ret() + Math.max(len, 1)});
                }
                case "process", "fork" -> pids.put(s.ret(), n);
                case "gup" -> { if (s.x() != null && s.x().has("pin")) pins.put(s.x().path("pin").asLong(), n); }
                default -> { if (FD_OPS.contains(s.op())) fds.put(s.ret(), n); }
            }
        }
        return out;
    }

    private static JsonNode ref(Map<Long, Integer> from, long value) {
        Integer step = from.get(value);
        return step == null ? JsonNodeFactory.instance.numberNode(value) : JsonNodeFactory.instance.stringNode("${" + step + ".pid}");
    }

    private static JsonNode rewrite(JsonNode node, String key, List<long[]> maps, Map<Long, Integer> fds,
                                    Map<Long, Integer> pids, Map<Long, Integer> pins) {
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties())
                copy.set(e.getKey(), rewrite(e.getValue(), e.getKey(), maps, fds, pids, pins));
            return copy;
        }
        if (node.isArray()) {
            var copy = JsonNodeFactory.instance.arrayNode(node.size());
            for (JsonNode c : node) copy.add(rewrite(c, key, maps, fds, pids, pins));
            return copy;
        }
        if (node.isString() && key != null && (key.equals("addr") || key.equals("start") || key.equals("base"))) {
            long a;
            try {
                a = Address.parse(node.asString()).value();
            } catch (IllegalArgumentException e) {
                return node;
            }
            for (int i = maps.size() - 1; i >= 0; i--) {
                long[] m = maps.get(i);
                if (Long.compareUnsigned(a, m[1]) >= 0 && Long.compareUnsigned(a, m[2]) < 0)
                    return JsonNodeFactory.instance.stringNode("${" + m[0] + ".addr}" + (a == m[1] ? "" : "+0x" + Long.toHexString(a - m[1])));
            }
            return node;
        }
        if (node.isIntegralNumber() && key != null) {
            long v = node.asLong();
            Integer step = switch (key) {
                case "fd" -> fds.get(v);
                case "targetPid" -> pids.get(v);
                case "pinId" -> pins.get(v);
                default -> null;
            };
            if (step != null) {
                String field = switch (key) { case "fd" -> "ret"; case "targetPid" -> "pid"; default -> "pin.id"; };
                return JsonNodeFactory.instance.stringNode("${" + step + "." + field + "}");
            }
        }
        return node;
    }
}
