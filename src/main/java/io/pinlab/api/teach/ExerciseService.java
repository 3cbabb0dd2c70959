package io.pinlab.api.teach;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.steps.Answers;
import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.pinlab.platform.PinlabMetrics;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs exercises: a start runs the variant's setup in a throwaway kernel; an answer runs the
 * whole variant again and reads the expected values off that kernel. Attempts (which exercise,
 * how many tries, solved or not) are kept per session for as long as the session lives.
 */
@Service
public class ExerciseService {
    static final int TRIES_BEFORE_SOLUTION = 3;

    private final Steps steps;
    private final SessionService sessions;
    private final PinlabMetrics metrics;
    private final Clock clock;
    private final Cache<String, Map<String, Attempt>> attempts;

    ExerciseService(Steps steps, SessionService sessions, PinlabMetrics metrics, Clock clock) {
        this.steps = steps;
        this.sessions = sessions;
        this.metrics = metrics;
        this.clock = clock;
        this.attempts = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterAccess(sessions.properties().idleTimeout()).build();
    }

    /** One session's work on one exercise. */
    @Schema(name = "ExerciseAttempt", description = "a session's attempt at an exercise")
    public record Attempt(String exercise, @Schema(description = "how often it was started") int attempt,
                          Exercise.Variant variant, int tries, boolean solved, Instant startedAt,
                          @Schema(nullable = true) Instant lastAnswerAt) {
    }

    @Schema(name = "ExerciseSetupStep", description = "a step of the exercise's setup and what the kernel answered")
    record SetupStep(int index, String op, @Schema(nullable = true) Integer pid, JsonNode args, JsonNode result) {
    }

    @Schema(name = "ExerciseQuestion", description = "the question: predict what the probe steps will answer")
    record Question(String text, @Schema(description = "the steps whose answers you predict (not run yet)")
    List<Steps.StepJson> probe, List<Exercise.Ask> ask) {
    }

    @Schema(name = "ExerciseStart", description = "an exercise started: its variant, the setup as run, and the question")
    record Started(int attempt, Exercise.Variant variant, List<SetupStep> setup, Question question) {
    }

    @Schema(name = "ExerciseItem", description = "one predicted value")
    record Item(String name, boolean correct,
                @Schema(nullable = true, description = "the kernel's value; shown once solved or after 3 tries") Object expected) {
    }

    @Schema(name = "ExerciseCheck", description = "the check of an answer")
    record Checked(boolean correct, List<Item> items,
                   @Schema(description = "a hint while tries remain; the rule and the kernel's trace once solved or after 3 tries")
                   String explanation,
                   @Schema(description = "the kernel's checks of the probe steps, shown with the solution", nullable = true)
                   List<KernelAnswer.ExplainStep> trace,
                   int tries) {
    }

    Started start(LabSession session, Exercise e) {
        Exercise.Variant v = Exercise.Variant.of(e, session.id(), session.profile());
        Exercise.Script script = e.script().apply(v);
        Kernel k = boot(v, script);
        List<Steps.Outcome> setup;
        try {
            setup = steps.runAll(k, script.setup());
        } finally {
            sessions.discard(k);
        }
        Map<String, Attempt> mine = attempts.get(session.id(), id -> new ConcurrentHashMap<>());
        Attempt a = mine.compute(e.id(), (id, old) -> new Attempt(id, old == null ? 1 : old.attempt() + 1, v,
                old == null ? 0 : old.tries(), old != null && old.solved(), clock.instant(), old == null ? null : old.lastAnswerAt()));
        List<SetupStep> shown = setup.stream().map(o -> new SetupStep(o.index() + 1, o.op(), o.pid(), o.args(), o.result())).toList();
        return new Started(a.attempt(), v, shown, new Question(script.question(), script.probe(), script.ask()));
    }

    Checked answer(LabSession session, Exercise e, Map<String, JsonNode> answers) {
        Map<String, Attempt> mine = attempts.getIfPresent(session.id());
        Attempt a = mine == null ? null : mine.get(e.id());
        if (a == null)
            throw new ApiProblemException(HttpStatus.CONFLICT, "exercise-not-started",
                    "start the exercise first: POST /api/v1/sessions/{sid}/exercises/" + e.id(), List.of(), Map.of());
        Exercise.Script script = e.script().apply(a.variant());
        for (String name : answers.keySet())
            if (script.ask().stream().noneMatch(q -> q.name().equals(name)))
                throw ApiProblemException.badField("answers." + name, "not asked; the question asks for "
                        + String.join(", ", script.ask().stream().map(Exercise.Ask::name).toList()));
        Expected exp = expected(e, a.variant());
        List<Item> items = new ArrayList<>();
        boolean all = true;
        for (Exercise.Ask q : script.ask()) {
            boolean ok = matches(q, answers.get(q.name()), exp.values().get(q.name()));
            all &= ok;
            items.add(new Item(q.name(), ok, null));
        }
        boolean correct = all;
        Attempt done = mine.compute(e.id(), (id, old) -> new Attempt(id, old.attempt(), old.variant(), old.tries() + 1,
                old.solved() || correct, old.startedAt(), clock.instant()));
        metrics.exerciseAnswer(e.id(), correct);
        boolean reveal = correct || done.tries() >= TRIES_BEFORE_SOLUTION;
        if (reveal) items = items.stream().map(i -> new Item(i.name(), i.correct(), exp.values().get(i.name()))).toList();
        String explanation = reveal ? script.solution()
                : "Hint " + done.tries() + ": " + e.hints().get(Math.min(done.tries(), e.hints().size()) - 1)
                + (done.tries() + 1 >= TRIES_BEFORE_SOLUTION ? " (the solution comes with the next answer)" : "");
        return new Checked(correct, items, explanation, reveal ? exp.trace() : null, done.tries());
    }

    /** The expected values and the probe's kernel trace: the variant run again, in a fresh kernel. */
    record Expected(Map<String, Object> values, List<KernelAnswer.ExplainStep> trace) {
    }

    Expected expected(Exercise e, Exercise.Variant v) {
        Exercise.Script script = e.script().apply(v);
        Kernel k = boot(v, script);
        try {
            return expected(k, script);
        } finally {
            sessions.discard(k);
        }
    }

    private Expected expected(Kernel k, Exercise.Script script) {
        List<Steps.Outcome> all = new ArrayList<>(steps.runAll(k, script.setup()));
        List<KernelAnswer.ExplainStep> trace = new ArrayList<>();
        for (Steps.StepJson probe : script.probe()) {
            Steps.Outcome o;
            try {
                o = steps.runAll(k, List.of(probe)).get(0);
            } catch (ApiProblemException notMade) { // e.g. a parameter this kernel's prototype does not have
                String fn = probe.args() != null && probe.args().has("call") ? probe.args().path("call").asString() : probe.op();
                trace.add(new KernelAnswer.ExplainStep(fn, "include/linux/mm.h", "not made", notMade.getMessage(),
                        io.pinlab.api.common.KernelRefs.ref(k.profile, fn)));
                break;
            }
            all.add(o);
            trace.addAll(explain(o.answer()));
        }
        return new Expected(new LinkedHashMap<>(script.reading().read(k, all)), trace);
    }

    List<Attempt> attempts(LabSession session) {
        Map<String, Attempt> mine = attempts.getIfPresent(session.id());
        return mine == null ? List.of() : List.copyOf(mine.values());
    }

    /** solved, attempted: for the course overview. */
    public int[] progress(String sessionId) {
        Map<String, Attempt> mine = attempts.getIfPresent(sessionId);
        if (mine == null) return new int[2];
        return new int[]{(int) mine.values().stream().filter(Attempt::solved).count(), mine.size()};
    }

    private Kernel boot(Exercise.Variant v, Exercise.Script script) {
        return sessions.boot(Profile.byName(v.profile()).orElseThrow(), script.movableZone());
    }

    private static List<KernelAnswer.ExplainStep> explain(Object answer) {
        return switch (answer) {
            case KernelAnswer a -> a.explain();
            case Answers.GupAnswer a -> a.explain();
            case Answers.EnterAnswer a -> a.explain();
            case Answers.MmapAnswer a -> a.explain();
            case Answers.AccessAnswer a -> a.explain();
            case Answers.FlaggedAnswer a -> a.explain();
            default -> List.of();
        };
    }

    /** Whether a predicted value equals the kernel's, by the kind of the question. */
    static boolean matches(Exercise.Ask q, JsonNode given, Object expected) {
        if (given == null || given.isMissingNode()) return false;
        return switch (q.kind()) {
            case "int" -> given.isIntegralNumber() && expected instanceof Number n && given.asLong() == n.longValue();
            case "bool" -> given.isBoolean() && Boolean.valueOf(given.asBoolean()).equals(expected);
            case "errno" -> {
                String g = given.isNull() ? "" : given.asString("").trim().toUpperCase(Locale.ROOT).replaceFirst("^-", "");
                boolean none = g.isEmpty() || g.equals("NONE") || g.equals("0") || g.equals("NULL");
                yield expected == null ? none : g.equals(expected);
            }
            case "choice" -> given.isString() && given.asString().equalsIgnoreCase(String.valueOf(expected));
            default -> false;
        };
    }
}
