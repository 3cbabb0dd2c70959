package io.pinlab.api.teach;

import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

@Tag(name = "teaching", description = "Compare kernels, and predict-then-check exercises judged by the kernel")
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class TeachController {
    private final Compare compare;
    private final ExerciseService exercises;

    TeachController(Compare compare, ExerciseService exercises) {
        this.compare = compare;
        this.exercises = exercises;
    }

    @Operation(operationId = "compare", summary = "Run steps under several profiles side by side",
            description = "Public. Each profile gets a throwaway kernel bounded like a session. Steps may refer to earlier "
                    + "results with \"\\${N.field}\" (addresses differ between profiles: v6.18 aligns anonymous mappings for "
                    + "THP). A step that no profile can make is a 400 naming steps[i]; one that only some profiles cannot "
                    + "make shows notRun there.")
    @PostMapping(path = "/compare", consumes = MediaType.APPLICATION_JSON_VALUE)
    Compare.Answer compare(@RequestBody @Valid Compare.Request req) {
        return compare.run(req.profiles(), req.steps(), false);
    }

    @Operation(operationId = "compareSession", summary = "Replay this session's history under other profiles",
            description = "Literal addresses, fds, pids and pin ids that came from earlier results are rewritten as "
                    + "references first (the answer's script shows them), so the history runs where addresses differ.")
    @PostMapping(path = "/sessions/{sid}/compare", consumes = MediaType.APPLICATION_JSON_VALUE)
    Compare.Answer compareSession(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                                  @RequestBody @Valid Compare.SessionRequest req) {
        return compare.runHistory(session, req.profiles());
    }

    @Schema(name = "ExerciseView", description = "an exercise of the catalog")
    record ExerciseView(String id, String title, String topic, List<String> profiles, String difficulty, String summary) {
        static ExerciseView of(Exercise e) {
            return new ExerciseView(e.id(), e.title(), e.topic(), e.profiles(), e.difficulty(), e.summary());
        }
    }

    @Schema(name = "ExerciseAnswerRequest", description = "predicted values, by the names the question asks for")
    record AnswerRequest(@Schema(example = "{\"refcount\": 1025, \"pincount\": 1}") @NotNull @Size(max = 16)
                         Map<String, JsonNode> answers) {
    }

    @Operation(operationId = "listExercises", summary = "The exercise catalog (public)")
    @GetMapping("/exercises")
    List<ExerciseView> catalog() {
        return Exercises.CATALOG.stream().map(ExerciseView::of).toList();
    }

    @Operation(operationId = "startExercise", summary = "Start an exercise: your variant, its setup as run, the question",
            description = "The variant (sizes, flags, file types) comes from the session id and the exercise id, so "
                    + "neighbours get different numbers. It runs in the session's profile when the exercise lists it.")
    @ApiResponse(responseCode = "201", description = "started")
    @PostMapping("/sessions/{sid}/exercises/{id}")
    ResponseEntity<ExerciseService.Started> start(@PathVariable String sid, @PathVariable String id,
                                                  @Parameter(hidden = true) LabSession session) {
        return ResponseEntity.status(HttpStatus.CREATED).body(exercises.start(session, exercise(id)));
    }

    @Operation(operationId = "answerExercise", summary = "Check a prediction against the kernel",
            description = "The expected values are computed by running the kernel on your variant, never stored. Hints "
                    + "come first; the expected values, the rule and the kernel's trace come once correct or after 3 tries.")
    @PostMapping(path = "/sessions/{sid}/exercises/{id}/answer", consumes = MediaType.APPLICATION_JSON_VALUE)
    ExerciseService.Checked answer(@PathVariable String sid, @PathVariable String id,
                                   @Parameter(hidden = true) LabSession session, @RequestBody @Valid AnswerRequest req) {
        return exercises.answer(session, exercise(id), req.answers());
    }

    @Operation(operationId = "listAttempts", summary = "This session's exercise attempts")
    @GetMapping("/sessions/{sid}/exercises")
    List<ExerciseService.Attempt> attempts(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return exercises.attempts(session);
    }

    private static Exercise exercise(String id) {
        Exercise e = Exercises.byId(id);
        if (e == null) throw ApiProblemException.notFound("no exercise '" + id + "' (GET /api/v1/exercises lists them)");
        return e;
    }
}
