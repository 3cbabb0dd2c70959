package io.pinlab.api.teach;

import io.pinlab.session.CourseService;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
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

import java.time.Instant;
import java.util.List;

@Tag(name = "courses", description = "One class on one deployment: join code, progress, read-only access for the instructor")
@RestController
@RequestMapping(path = "/api/v1/courses", produces = MediaType.APPLICATION_JSON_VALUE)
class CourseController {
    static final String INSTRUCTOR = "instructorToken";
    static final int MAX_SESSIONS = 500;

    private final CourseService courses;
    private final ExerciseService exercises;

    CourseController(CourseService courses, ExerciseService exercises) {
        this.courses = courses;
        this.exercises = exercises;
    }

    @Schema(name = "CreateCourseRequest", description = "a new course")
    record CreateCourseRequest(@Schema(example = "OS lab, week 5") @NotBlank @Size(max = 120)
                               @Pattern(regexp = "^[^\\x00-\\x1f\\x7f<>]*$", message = "must be text without control characters, < or >")
                               String title,
                               @Schema(description = "live student sessions at most", example = "40", defaultValue = "100")
                               @Positive @Max(MAX_SESSIONS) Integer maxSessions) {
    }

    @Schema(name = "CreatedCourse", description = "a course as created: join code and instructor token are shown only here")
    record CreatedCourse(String id, String title, int maxSessions,
                         @Schema(description = "students create sessions with it (POST /api/v1/sessions with joinCode)",
                                 example = "K7QH-2MXP-9RTA") String joinCode,
                         @Schema(description = "bearer token for GET/DELETE /courses/{cid} and read-only access to "
                                 + "every session of the course; stored only as a hash") String instructorToken,
                         Instant createdAt) {
    }

    @Schema(name = "StudentSession", description = "one student's session, as the instructor sees it")
    record StudentSession(String id, @Schema(description = "the student's name") String label, String profile,
                          Instant createdAt, Instant lastActiveAt, @Schema(description = "calls made") long steps,
                          Progress exercises) {
    }

    @Schema(name = "ExerciseProgress")
    record Progress(int solved, int attempted) {
    }

    @Schema(name = "CourseView", description = "a course with its class")
    record CourseView(String id, String title, int maxSessions, Instant createdAt, List<StudentSession> sessions) {
    }

    @Operation(operationId = "createCourse", summary = "Create a course (join code and instructor token shown once)")
    @ApiResponse(responseCode = "201", description = "created")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<CreatedCourse> create(@RequestBody @Valid CreateCourseRequest req) {
        CourseService.Created c = courses.create(req.title(), req.maxSessions() == null ? 100 : req.maxSessions());
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{cid}")
                        .buildAndExpand(c.course().id()).toUri())
                .body(new CreatedCourse(c.course().id(), c.course().title(), c.course().maxSessions(), c.joinCode(),
                        c.instructorToken(), c.course().createdAt()));
    }

    @Operation(operationId = "getCourse", summary = "The class: sessions, progress, last activity",
            security = @SecurityRequirement(name = INSTRUCTOR))
    @GetMapping("/{cid}")
    CourseView get(@PathVariable String cid,
                   @Parameter(hidden = true) @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        CourseService.Course c = courses.authorize(cid, authorization);
        List<StudentSession> students = courses.sessionsOf(c).stream().map(this::student).toList();
        return new CourseView(c.id(), c.title(), c.maxSessions(), c.createdAt(), students);
    }

    @Operation(operationId = "deleteCourse", summary = "End the course and all its sessions",
            security = @SecurityRequirement(name = INSTRUCTOR))
    @ApiResponse(responseCode = "204", description = "ended")
    @DeleteMapping(path = "/{cid}", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<Void> delete(@PathVariable String cid,
                                @Parameter(hidden = true) @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        courses.delete(courses.authorize(cid, authorization));
        return ResponseEntity.noContent().build();
    }

    private StudentSession student(LabSession s) {
        int[] p = exercises.progress(s.id());
        return new StudentSession(s.id(), s.label(), s.profile().name(), s.createdAt(), s.lastAccess(), s.steps(),
                new Progress(p[0], p[1]));
    }
}
