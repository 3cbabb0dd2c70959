package io.pinlab.api.observe;

import io.pinlab.api.json.Address;
import io.pinlab.api.steps.Steps;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.SessionService;
import tools.jackson.databind.JsonNode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.session.LabSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.time.Instant;
import java.util.List;

@Tag(name = "observability", description = "dmesg, the event feed, mounts")
@RestController
@RequestMapping("/api/v1/sessions/{sid}")
class ObservabilityController {
    private final EventStreams streams;
    private final SessionService sessions;

    ObservabilityController(EventStreams streams, SessionService sessions) {
        this.streams = streams;
        this.sessions = sessions;
    }

    /** Events per answer at most; page on with {@code after}. */
    static final int MAX_EVENTS = 5000;

    @Schema(description = "one call of the session (a step of its history) and its answer, presented as the call's "
            + "request and answer are: hex addresses, flag names")
    record EventView(@Schema(example = "12") long seq, Instant time,
                     @Schema(nullable = true, example = "1", description = "the calling process (null for process, sysctl, release)") Integer pid,
                     @Schema(example = "mmap", description = "the step's op") String call,
                     @Schema(description = "the request body as sent") JsonNode args,
                     @Schema(nullable = true, description = "as the answer has it (mmap: null on success, see addr)") Long ret,
                     @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                     @Schema(nullable = true, description = "mmap: the address returned, in hex") Address addr) {
        static EventView of(long seq, LoggedStep s) {
            JsonNode r = Steps.result(s);
            Address addr = r.hasNonNull("addr") ? Address.parse(r.get("addr").asString()) : null;
            return new EventView(seq, Instant.ofEpochMilli(s.t()), s.pid(), s.op(), s.args(),
                    r.get("ret").isNull() ? null : r.get("ret").longValue(), s.errno(), addr);
        }
    }

    /** The session's calls after step {@code after}, as events (at most MAX_EVENTS). */
    static List<EventView> events(SessionService sessions, LabSession session, long after) {
        List<LoggedStep> log = sessions.steps(session, after, MAX_EVENTS);
        List<EventView> out = new java.util.ArrayList<>(log.size());
        for (int i = 0; i < log.size(); i++) out.add(EventView.of(after + i + 1, log.get(i)));
        return out;
    }

    @Schema(description = "one line of the mount table")
    record MountView(@Schema(example = "/mnt/ext4") String path, @Schema(example = "EXT4") String fs,
                     @Schema(example = "/dev/vdb") String device, @Schema(example = "rw,relatime") String options,
                     @Schema(description = "fsdax (-o dax)") boolean dax) {
        static MountView of(Mount m) {
            return new MountView(m.path(), m.fs().name(), m.device(), m.options(), m.dax());
        }
    }

    @Operation(operationId = "getDmesg", summary = "The session's kernel log (dmesg)")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.TEXT_PLAIN_VALUE,
            schema = @Schema(type = "string", example = "[    0.001000] Linux version 6.18 (pinlab) profile v6.18\n")))
    // Generated clients (python's select_header_accept) may send Accept: application/problem+json
    // alone, the media type of this operation's errors: the log is still text/plain.
    @GetMapping(path = "/dmesg", produces = {MediaType.TEXT_PLAIN_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<String> dmesg(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(session.locked(k -> k.log.text()));
    }

    @Operation(operationId = "listEvents", summary = "Calls made in this session, after sequence number N")
    @GetMapping(path = "/events", produces = MediaType.APPLICATION_JSON_VALUE)
    List<EventView> events(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                           @Parameter(description = "return events with seq > after", example = "0")
                           @RequestParam(defaultValue = "0") @PositiveOrZero long after) {
        return events(sessions, session, after);
    }

    @Operation(operationId = "streamEvents", summary = "The event feed as server-sent events (event: kernel-event, id: seq); reconnect with ?after=lastSeq")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
            schema = @Schema(implementation = EventView.class)))
    @GetMapping(path = "/events/stream", produces = {MediaType.TEXT_EVENT_STREAM_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    SseEmitter stream(@PathVariable String sid, @Parameter(hidden = true) LabSession session,
                      @RequestParam(defaultValue = "0") @PositiveOrZero long after, HttpServletRequest request) {
        return streams.open(session, request.getRemoteAddr(), after);
    }

    @Operation(operationId = "listMounts", summary = "The mount table (ext4, xfs, tmpfs, hugetlbfs, fsdax, devices)")
    @GetMapping(path = "/mounts", produces = MediaType.APPLICATION_JSON_VALUE)
    List<MountView> mounts(@PathVariable String sid, @Parameter(hidden = true) LabSession session) {
        return session.locked(k -> k.mounts.stream().map(MountView::of).toList());
    }
}
