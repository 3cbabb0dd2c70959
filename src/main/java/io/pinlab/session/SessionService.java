package io.pinlab.session;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.Profile;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** Creates, authorises and ends lab sessions. */
@Service
public class SessionService {
    private final SessionStore store;
    private final SessionProperties properties;
    private final SessionBudget budget;
    private final Clock clock;

    public SessionService(SessionStore store, SessionProperties properties, SessionBudget budget, Clock clock) {
        this.store = store;
        this.properties = properties;
        this.budget = budget;
        this.clock = clock;
    }

    /** A new session and its token; the token is not kept, only its hash. */
    public record Created(LabSession session, String token) {
    }

    /**
     * @param profileName null for the default profile
     * @param client      the creating client's address, counted against the per-client caps; null
     *                    for sessions those caps do not apply to (a course's, which has its own quota)
     * @throws UnknownProfileException for a profile name that does not exist
     * @throws SessionQuotaException   (429) the client is at its live or per-minute cap
     * @throws MemoryBudgetException   (503) the service-wide memory budget is nearly used
     * @throws SessionLimitException   when the store is full
     */
    public Created create(String profileName, String label, boolean movableZone, String client) {
        Profile profile = profileName == null ? Profile.defaultProfile()
                : Profile.byName(profileName).orElseThrow(() -> new UnknownProfileException(profileName));
        Kernel kernel = budget.admit(client, profile, movableZone);
        String token = Tokens.newToken();
        LabSession session = new LabSession(Tokens.newSessionId(), Tokens.sha256(token), profile, label,
                movableZone, clock.instant(), kernel, client);
        try {
            store.add(session);
        } catch (RuntimeException e) {
            budget.ended(session);
            throw e;
        }
        return new Created(session, token);
    }

    /**
     * The session {@code id} if {@code authorization} carries its token.
     *
     * @throws MissingTokenException    no or malformed bearer token (401)
     * @throws SessionNotFoundException unknown session or a token that does not match (404, same for both)
     */
    public LabSession authorize(String id, String authorization) {
        String token = Tokens.bearer(authorization);
        Optional<LabSession> found = store.find(id);
        // Hash even for an unknown id so that both failures cost the same.
        byte[] expected = found.map(LabSession::tokenHash).orElseGet(() -> new byte[32]);
        boolean ok = Tokens.matches(token, expected);
        if (found.isEmpty() || !ok) throw new SessionNotFoundException();
        LabSession session = found.get();
        session.touch(clock.instant());
        return session;
    }

    /** Ends the session (authorised like every other call). */
    public void delete(String id, String authorization) {
        authorize(id, authorization);
        store.remove(id);
    }

    /** Whether the session still exists (deleted or expired sessions do not); not an access. */
    public boolean isLive(LabSession session) {
        return store.exists(session.id());
    }

    /** When an untouched session expires. */
    public Instant expiresAt(LabSession session) {
        return session.lastAccess().plus(properties.idleTimeout());
    }

    /**
     * Session policy, not kernel behaviour: refuses one more process past the configured maximum.
     *
     * @throws ProcessLimitException (409)
     */
    public void checkProcessLimit(int liveProcesses) {
        if (liveProcesses >= properties.limits().maxProcesses())
            throw new ProcessLimitException(properties.limits().maxProcesses());
    }

    /**
     * Session policy: one call may touch at most {@code limits.maxTouchBytes}.
     *
     * @throws TouchLimitException (400 naming {@code field})
     */
    public void checkTouch(String field, long bytes) {
        long max = properties.limits().maxTouchBytes();
        if (bytes > max || bytes < 0) throw new TouchLimitException(field, max);
    }

    public SessionProperties.Limits limits() {
        return properties.limits();
    }

    public SessionProperties properties() {
        return properties;
    }
}
