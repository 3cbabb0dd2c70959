package io.pinlab.api.steps;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pids;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.api.process.ProcessView;
import io.pinlab.api.web.PrecheckedValidator;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Conventions;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.validation.DataBinder;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every call a session makes over HTTP: the endpoint of every op that has its own
 * ({@link Op.Endpoint}: {@code POST /api/v1/sessions/{sid}/processes/{pid}/{op}} and {@code POST
 * /api/v1/sessions/{sid}/{op}}), and the calls that are a resource's POST or DELETE (create a
 * process, exit, release a pin). sysctl's PUT stays beside its GET in SysctlController; the other
 * controllers only read.
 * <p>
 * An op's body is its args record, read and checked as Spring reads a {@code @RequestBody @Valid}
 * record (415 unless JSON, 400 for a missing, malformed or invalid body, with Spring's exceptions
 * so that the problems are the same; the lab chain's plain bodies by {@link ChainRequestReader}, the
 * rest by Jackson); an op without args ({@link Requests.NoArgs}) takes an empty
 * body or {@code {}}. The OpenAPI document describes each op as its own operation
 * (io.pinlab.api.openapi.OpEndpoints).
 */
@RestController
@RequestMapping(path = "/api/v1/sessions/{sid}", produces = MediaType.APPLICATION_JSON_VALUE)
class OpController {
    private static final List<MediaType> JSON = List.of(MediaType.APPLICATION_JSON);
    /** The body parameter, which Spring's 400 for an invalid body names. */
    private static final MethodParameter BODY;

    static {
        try {
            BODY = new MethodParameter(OpController.class.getDeclaredMethod("call", String.class, String.class,
                    LabSession.class, byte[].class, HttpServletRequest.class), 3);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Steps steps;
    private final SpringValidatorAdapter validator;
    private final ClassValue<ObjectReader> readers;
    private final ChainRequestReader chainRequests;
    /** Each op's own path, as the request's matching pattern: request metrics keep one uri per op. */
    private final Map<Op<?, ?, ?>, PathPattern> paths = new HashMap<>();

    OpController(Steps steps, JsonMapper mapper, jakarta.validation.Validator validator, ChainRequestReader chainRequests) {
        this.steps = steps;
        this.chainRequests = chainRequests;
        this.validator = new SpringValidatorAdapter(new PrecheckedValidator(validator));
        this.readers = new ClassValue<>() {
            @Override
            protected ObjectReader computeValue(Class<?> type) {
                return mapper.readerFor(type);
            }
        };
        for (Op<?, ?, ?> op : Op.ALL.values())
            if (op.endpoint() != null) paths.put(op, PathPatternParser.defaultInstance.parse(op.path()));
    }

    @Operation(hidden = true)
    @PostMapping("/processes/{pid}/{op}")
    Object call(@PathVariable String sid, @PathVariable int pid, @PathVariable String op, LabSession session,
                @RequestBody(required = false) byte[] body, HttpServletRequest request) throws Exception {
        Op<?, ?, ?> o = endpoint(op, true, request);
        Object args = args(o.args(), body, request);
        return answer(sid, o, call(session, o, Pids.check(pid), args));
    }

    @Operation(hidden = true)
    @PostMapping("/{op}")
    Object call(@PathVariable String sid, @PathVariable String op, LabSession session,
                @RequestBody(required = false) byte[] body, HttpServletRequest request) throws Exception {
        Op<?, ?, ?> o = endpoint(op, false, request);
        return answer(sid, o, call(session, o, null, args(o.args(), body, request)));
    }

    @Tag(name = "processes")
    @Operation(operationId = "createProcess", summary = "Create a process (pid assigned by the kernel, ppid 0)")
    @ApiResponse(responseCode = "201", description = "created")
    @PostMapping(path = "/processes", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ProcessView> create(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                                       @RequestBody @Valid Requests.CreateProcessRequest body) {
        ProcessView created = steps.call(session, Op.PROCESS, null, body);
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{pid}")
                .buildAndExpand(created.pid()).toUri()).body(created);
    }

    @Tag(name = "processes")
    @Operation(operationId = "exitProcess", summary = "exit: the mm is torn down, descriptors and rings closed",
            description = "Frames a pin still holds stay allocated until the pin is released.")
    @ApiResponse(responseCode = "204", description = "the process exited")
    @DeleteMapping(path = "/processes/{pid}", produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<Void> exit(@PathVariable String sid, @PathVariable int pid,
                              @Parameter(hidden = true) LabSession session) {
        steps.call(session, Op.EXIT, Pids.check(pid), new Requests.NoArgs());
        return ResponseEntity.noContent().build();
    }

    @Tag(name = "gup")
    @Operation(operationId = "releasePin", summary = "Release a pin the way the driver would",
            description = "A second release, or a release that does not match how the pin was taken, is 409.")
    @PostMapping(path = "/pins/{id}/release", consumes = MediaType.APPLICATION_JSON_VALUE)
    KernelAnswer release(@PathVariable String sid, @PathVariable long id, @Parameter(hidden = true) LabSession session,
                         @RequestBody @Valid Requests.ReleaseRequest req) {
        return steps.call(session, Op.RELEASE, null, Requests.ReleaseArgs.of(id, req));
    }

    private <Q> Object call(LabSession session, Op<Q, ?, ?> op, Integer pid, Object args) {
        return steps.call(session, op, pid, op.args().cast(args));
    }

    /** The op named by the path, if it has its own endpoint there; else a 404 naming it. */
    private Op<?, ?, ?> endpoint(String name, boolean withPid, HttpServletRequest request) {
        Op<?, ?, ?> op = Op.ALL.get(name);
        if (op == null || op.endpoint() == null || op.hasPid() != withPid) {
            String named = name.matches("[A-Za-z0-9_]{1,40}") ? "no op '" + name + "'" : "no such op";
            throw ApiProblemException.notFound(named + (withPid ? " of a process" : " of a session") + "; ops here: "
                    + String.join(", ", Op.ALL.values().stream()
                    .filter(o -> o.endpoint() != null && o.hasPid() == withPid).map(Op::name).toList()));
        }
        request.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, paths.get(op));
        return op;
    }

    /** The HTTP answer: a GUP call whose arguments broke is_valid_gup_args() is a 422; fork is a 201 or 409. */
    private static Object answer(String sid, Op<?, ?, ?> op, Object answer) {
        if (answer instanceof Answers.GupAnswer gup) {
            // the call is in the history and its WARN in dmesg; the endpoint answers the broken rule as a 422
            ApiProblemException rejected = Steps.invalidGupArgs(gup);
            if (rejected != null) throw rejected;
        }
        if (op != Op.FORK) return answer;
        // a failed fork is a step of the history; there is no child to show
        if (answer instanceof KernelAnswer a)
            throw new ApiProblemException(HttpStatus.CONFLICT, "fork-failed", "fork: the kernel returned " + a.ret(),
                    List.of(), Map.of("kernelRet", a.ret(), "errno", String.valueOf(a.errno())));
        ProcessView child = (ProcessView) answer;
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentContextPath()
                .path("/api/v1/sessions/{sid}/processes/{pid}").buildAndExpand(sid, child.pid()).toUri()).body(child);
    }

    /** The args record from the body, or the 415/400 Spring answers for a {@code @RequestBody @Valid} record. */
    private Object args(Class<?> type, byte[] body, HttpServletRequest request) throws Exception {
        boolean empty = blank(body);
        if (type == Requests.NoArgs.class && empty) return new Requests.NoArgs();
        Charset charset = StandardCharsets.UTF_8;
        if (type != Requests.NoArgs.class) {
            MediaType contentType = contentType(request);
            if (empty) throw new HttpMessageNotReadableException("Required request body is missing",
                    new ServletServerHttpRequest(request));
            if (contentType.getCharset() != null) charset = contentType.getCharset();
        }
        boolean utf8 = charset.equals(StandardCharsets.UTF_8);
        Object args = utf8 ? chainRequests.read(type, body) : null; // null: not a plain chain body, Jackson reads it
        if (args == null) try {
            ObjectReader reader = readers.get(type);
            args = utf8 ? reader.readValue(body) : reader.readValue(new String(body, charset));
        } catch (InvalidDefinitionException e) {
            throw e; // a mapping bug, not the client's: the 500 of any unexpected failure
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                    new ServletServerHttpRequest(request));
        }
        if (args == null) {
            if (type == Requests.NoArgs.class) return new Requests.NoArgs();
            throw new HttpMessageNotReadableException("Required request body is missing", new ServletServerHttpRequest(request));
        }
        if (!validator.validate(args).isEmpty()) {
            DataBinder binder = new DataBinder(args, Conventions.getVariableName(args));
            binder.setValidator(validator);
            binder.validate();
            throw new MethodArgumentNotValidException(BODY, binder.getBindingResult());
        }
        return args;
    }

    /** No body, or only JSON whitespace (what {@code String.isBlank} would say of it, without decoding it). */
    private static boolean blank(byte[] body) {
        if (body == null) return true;
        for (byte b : body)
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') return false;
        return true;
    }

    /** The request's Content-Type when it is JSON; else the 415 of a mapping that consumes only JSON. */
    private static MediaType contentType(HttpServletRequest request) throws HttpMediaTypeNotSupportedException {
        String header = request.getContentType();
        if (MediaType.APPLICATION_JSON_VALUE.equalsIgnoreCase(header)) return MediaType.APPLICATION_JSON; // what clients send
        MediaType contentType;
        try {
            contentType = header == null || header.isEmpty() ? null : MediaType.parseMediaType(header);
        } catch (InvalidMediaTypeException e) {
            throw new HttpMediaTypeNotSupportedException(e.getMessage(), JSON);
        }
        if (contentType == null || !MediaType.APPLICATION_JSON.includes(contentType))
            throw new HttpMediaTypeNotSupportedException(contentType, JSON, HttpMethod.POST);
        return contentType;
    }
}
