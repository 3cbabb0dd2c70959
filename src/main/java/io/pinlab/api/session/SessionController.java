package io.pinlab.api.session;

import io.pinlab.api.openapi.ApiDocs;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Kernel;
import io.pinlab.session.LoggedStep;
import tools.jackson.databind.JsonNode;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.session.CourseService;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionProperties;
import io.pinlab.session.SessionService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.net.URI;
import java.time.Instant;
import java.util.List;

@Tag(name = "sessions", description = "Lab sessions: one simulated kernel each")
@RestController
@RequestMapping(path = "/api/v1/sessions", produces = MediaType.APPLICATION_JSON_VALUE)
class SessionController {
    private final SessionService sessions;
    private final Steps steps;
    private final CourseService courses;

    SessionController(SessionService sessions, Steps steps, CourseService courses) {
        this.sessions = sessions;
        this.steps = steps;
        this.courses = courses;
    }

    @Schema(description = "New session options; every field is optional")
    record CreateSessionRequest(
            @Schema(description = "kernel profile (GET /api/v1/profiles); default v6.18", example = "v6.5")
            String profile,
            @Schema(description = "free text shown back to you", example = "lab3")
            @Size(max = 64) @Pattern(regexp = "^[^\\x00-\\x1f\\x7f<>]*$", message = "must be text without control characters, < or >")
            String label,
            @Schema(description = "place user pages in ZONE_MOVABLE so FOLL_LONGTERM migration can be observed",
                    defaultValue = "false")
            Boolean movableZone,
            @Schema(description = "import: calls to replay into the new session, in order (API.md \"Steps\"); "
                    + "the session's state is what they give")
            List<Steps.StepJson> steps,
            @Schema(description = "a course's join code (POST /api/v1/courses): the session belongs to that course, "
                    + "label is then the student's name (required), and the course's quotas apply", example = "K7QH-2MXP-9RTA")
            @Size(max = 64) String joinCode) {
    }

    @Schema(description = "A session as created: the token is shown only here")
    record CreatedSession(String id,
                          @Schema(description = "bearer token for every other call; shown once, stored only as a hash")
                          String token,
                          String profile, String label, boolean movableZone, Instant createdAt, Instant expiresAt,
                          SessionProperties.Limits limits, int initPid) {
    }

    @Schema(description = "A session (never with its token)")
    record SessionView(String id, String profile, String label, boolean movableZone, Instant createdAt,
                       Instant lastAccess, Instant expiresAt, SessionProperties.Limits limits, int initPid,
                       Counts counts) {
    }

    @Schema(description = "objects in the session's kernel")
    record Counts(@Schema(description = "live processes") int processes,
                  @Schema(description = "VMAs over all processes") long vmas,
                  @Schema(description = "open file descriptors over all processes") long openFds,
                  @Schema(description = "pins the simulated driver still holds") long pins,
                  @Schema(description = "calls made so far: the steps of the session's history and event feed") long events,
                  @Schema(description = "bytes of heap the kernel has charged to its memory cgroup (limit: limits.maxMemory)") long memoryBytes) {
        static Counts of(Kernel k, long steps) {
            long vmas = 0, fds = 0;
            for (Task t : k.tasks.values()) {
                if (t.mm != null) vmas += t.mm.mapCount();
                fds += t.fds.size();
            }
            long pins = Pins.list(k).stream().filter(p -> !p.released()).count();
            return new Counts(k.tasks.size(), vmas, fds, pins, steps, k.memcg.usage());
        }
    }

    @Operation(operationId = "createSession", summary = "Create a lab session",
            description = "Returns the bearer token once. A new session has process pid 1 (comm \"lab\", uid 1000).")
    @ApiResponse(responseCode = "201", description = "created; Location is the session URL")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiResponse(responseCode = "429", description = "the client address is at its live-session or per-minute cap (the problem names it)")
    @ApiResponse(responseCode = "503", description = "the service holds its maximum of sessions, or its memory budget is nearly used")
    ResponseEntity<CreatedSession> create(@RequestBody(required = false) @Valid CreateSessionRequest body,
                                          HttpServletRequest request) {
        CreateSessionRequest req = body != null ? body : new CreateSessionRequest(null, null, null, null, null);
        CourseService.Course course = null;
        if (req.joinCode() != null) {
            if (req.label() == null || req.label().isBlank())
                throw ApiProblemException.badField("label", "the student's name is required with joinCode");
            course = courses.join(req.joinCode());
        }
        int max = sessions.limits().maxSteps();
        if (req.steps() != null && req.steps().size() > max)
            throw ApiProblemException.badField("steps", "at most " + max + " steps (pinlab.sessions.limits.max-steps)");
        SessionService.Created created = sessions.create(req.profile(), req.label(),
                Boolean.TRUE.equals(req.movableZone()), course != null ? null : request.getRemoteAddr()); // a course has its own quota
        if (req.steps() != null) {
            try {
                steps.importInto(created.session(), req.steps());
            } catch (RuntimeException e) {
                sessions.abandon(created.session()); // no half-imported session
                throw e;
            }
        }
        LabSession s = created.session();
        if (course != null) courses.enrol(course, s.id());
        URI location = ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{sid}").buildAndExpand(s.id()).toUri();
        return ResponseEntity.created(location).body(new CreatedSession(s.id(), created.token(), s.profile().name(),
                s.label(), s.movableZone(), s.createdAt(), sessions.expiresAt(s), sessions.limits(), ApiDocs.INIT_PID));
    }

    @Operation(operationId = "getSession", summary = "Show a session", security = @SecurityRequirement(name = ApiDocs.BEARER))
    @GetMapping("/{sid}")
    SessionView get(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        long made = session.steps();
        Counts counts = session.locked(k -> Counts.of(k, made));
        return new SessionView(session.id(), session.profile().name(), session.label(), session.movableZone(),
                session.createdAt(), session.lastAccess(), sessions.expiresAt(session), sessions.limits(),
                ApiDocs.INIT_PID, counts);
    }

    @Schema(description = "one call of the session, as a step (API.md \"Steps\") with its result")
    record HistoryStep(@Schema(example = "1") long seq, @Schema(example = "mmap") String op,
                       @Schema(nullable = true, example = "1") Integer pid,
                       @Schema(description = "the request body as sent (hex addresses, flag names)") JsonNode args,
                       @Schema(description = "ret and errno as the answer has them, plus addr (mmap), pid (process, fork), "
                               + "pin.id (gup), signal (access), invalidArgs (gup rejected by is_valid_gup_args())") JsonNode result,
                       @Schema(description = "when the call was made") Instant time) {
    }

    @Schema(description = "the session's log: replaying these steps under the profile rebuilds its state")
    record History(@Schema(example = "v6.18") String profile, boolean movableZone, List<HistoryStep> steps) {
    }

    @Operation(operationId = "getHistory", summary = "Every call that reached the kernel, in order, as steps",
            description = "Includes calls the kernel failed and GUP calls answered 422 invalid-gup-args (their WARN is "
                    + "kernel state). POST /api/v1/sessions with these steps rebuilds the session.",
            security = @SecurityRequirement(name = ApiDocs.BEARER))
    @GetMapping("/{sid}/history")
    History history(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        List<LoggedStep> log = sessions.steps(session, 0, Integer.MAX_VALUE);
        List<HistoryStep> out = new java.util.ArrayList<>(log.size());
        for (int i = 0; i < log.size(); i++) {
            LoggedStep s = log.get(i);
            out.add(new HistoryStep(i + 1, s.op(), s.pid(), s.args(), Steps.result(s), Instant.ofEpochMilli(s.t())));
        }
        return new History(session.profile().name(), session.movableZone(), out);
    }

    @Operation(operationId = "deleteSession", summary = "End a session and drop its kernel state",
            security = @SecurityRequirement(name = ApiDocs.BEARER))
    @ApiResponse(responseCode = "204", description = "deleted")
    @DeleteMapping(path = "/{sid}", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<Void> delete(@PathVariable String sid,
                                @Parameter(hidden = true) @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false)
                                String authorization) {
        try {
            sessions.delete(sid, authorization);
        } catch (io.pinlab.session.SessionNotFoundException e) {
            if (courses.isInstructorOf(sid, authorization))
                throw new ApiProblemException(org.springframework.http.HttpStatus.FORBIDDEN, io.pinlab.platform.Problems.FORBIDDEN,
                        "the instructor token reads the sessions of its course; DELETE /api/v1/courses/{cid} ends them all",
                        List.of(), java.util.Map.of());
            throw e;
        }
        return ResponseEntity.noContent().build();
    }
}
