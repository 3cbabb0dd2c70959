package io.pinlab.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pinlab.platform.RateLimitFilter;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Courses: one class on one shared deployment. The instructor gets a join code and an instructor
 * token once (only their SHA-256 hashes are kept); students create sessions with the code and
 * their name; the instructor token reads every session of the course. Requests to course sessions
 * are rate-limited per course, not per client address (a class behind one NAT is one address).
 * Courses live in this replica's memory and expire like idle sessions.
 */
@Service
public class CourseService implements RateLimitFilter.Scopes {
    /** Courses one deployment keeps at most. */
    static final int MAX_COURSES = 10_000;

    private final SessionService sessions;
    private final Clock clock;
    private final Cache<String, Course> courses;
    /** hex(sha256(join code)) -> course id */
    private final Cache<String, String> byJoinCode;
    /** session id -> course id */
    private final Cache<String, String> bySession;

    public CourseService(SessionService sessions, Clock clock) {
        this.sessions = sessions;
        this.clock = clock;
        var idle = sessions.properties().idleTimeout();
        this.courses = Caffeine.newBuilder().maximumSize(MAX_COURSES).expireAfterAccess(idle).build();
        this.byJoinCode = Caffeine.newBuilder().maximumSize(MAX_COURSES).expireAfterAccess(idle).build();
        this.bySession = Caffeine.newBuilder().maximumSize(sessions.properties().maxSessions()).expireAfterAccess(idle).build();
    }

    /** A course; {@code sessions} are the ids of its students' sessions (some may have expired since). */
    public record Course(String id, String title, int maxSessions, Instant createdAt, byte[] instructorTokenHash,
                         Set<String> sessions) {
    }

    /** A course as created: join code and instructor token are shown only here. */
    public record Created(Course course, String joinCode, String instructorToken) {
    }

    public Created create(String title, int maxSessions) {
        String joinCode = Tokens.newJoinCode();
        String token = Tokens.newToken();
        Course c = new Course(Tokens.newSessionId(), title, maxSessions, clock.instant(), Tokens.sha256(token),
                ConcurrentHashMap.newKeySet());
        courses.put(c.id(), c);
        byJoinCode.put(HexFormat.of().formatHex(Tokens.sha256(joinCode)), c.id());
        return new Created(c, joinCode, token);
    }

    /**
     * The course a join code opens, with room for one more session.
     *
     * @throws CourseException 404 for a join code no course has, 409 when the course has
     *                         {@code maxSessions} live sessions
     */
    public Course join(String joinCode) {
        String cid = byJoinCode.getIfPresent(HexFormat.of().formatHex(Tokens.sha256(joinCode)));
        Course c = cid == null ? null : courses.getIfPresent(cid);
        if (c == null) throw CourseException.notFound("no course has this join code");
        c.sessions().removeIf(sid -> !sessions.exists(sid));
        if (c.sessions().size() >= c.maxSessions()) throw CourseException.full(c.maxSessions());
        return c;
    }

    /** Records a session made with the course's join code. */
    public void enrol(Course c, String sessionId) {
        c.sessions().add(sessionId);
        bySession.put(sessionId, c.id());
    }

    /**
     * The course if {@code authorization} carries its instructor token.
     *
     * @throws MissingTokenException    no or malformed bearer token (401)
     * @throws CourseException      404: unknown course or another token (the same for both)
     */
    public Course authorize(String courseId, String authorization) {
        String token = Tokens.bearer(authorization);
        Course c = courses.getIfPresent(courseId);
        boolean ok = Tokens.matches(token, c == null ? new byte[32] : c.instructorTokenHash());
        if (c == null || !ok) throw CourseException.notFound("no such course, or the token is not its instructor token");
        return c;
    }

    /** Whether {@code authorization} is the instructor token of the course that session {@code sid} belongs to. */
    public boolean isInstructorOf(String sid, String authorization) {
        String cid = bySession.getIfPresent(sid);
        if (cid == null) return false;
        try {
            authorize(cid, authorization);
            return true;
        } catch (CourseException | MissingTokenException e) {
            return false;
        }
    }

    /** Ends the course and every session of it. */
    public void delete(Course c) {
        for (String sid : c.sessions()) {
            sessions.remove(sid);
            bySession.invalidate(sid);
        }
        courses.invalidate(c.id());
        byJoinCode.asMap().values().removeIf(c.id()::equals);
    }

    /** The live sessions of a course, oldest first. */
    public List<LabSession> sessionsOf(Course c) {
        c.sessions().removeIf(sid -> !sessions.exists(sid));
        return c.sessions().stream().map(sessions::peek).flatMap(Optional::stream)
                .sorted(java.util.Comparator.comparing(LabSession::createdAt)).toList();
    }

    /** Rate-limit scope of a session: its course, so a class shares one budget instead of one per address. */
    @Override
    public String scopeOf(String sessionId) {
        String cid = bySession.getIfPresent(sessionId);
        return cid == null ? null : "course:" + cid;
    }
}
