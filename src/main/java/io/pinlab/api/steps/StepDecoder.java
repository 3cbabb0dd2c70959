package io.pinlab.api.steps;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.Syscall;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.SessionProperties;
import io.pinlab.session.SyscallDecoder;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Replays logged steps through the same mapping per op ({@link Op}) as the controllers. */
@Component
public class StepDecoder implements SyscallDecoder {
    /** A logged step passed the session's limits when it was made; replay does not judge it again. */
    private static final SessionProperties.Limits REPLAY = new SessionProperties.Limits(Integer.MAX_VALUE, Long.MAX_VALUE,
            Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);

    private final ObjectMapper mapper;

    public StepDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public Syscall<?> decode(Profile profile, LoggedStep step) {
        Op<?, ?, ?> op = Op.ALL.get(step.op());
        if (op == null) throw new IllegalStateException("logged step with unknown op '" + step.op() + "'");
        try {
            JsonNode args = step.args() == null ? mapper.createObjectNode() : step.args();
            Object q = mapper.treeToValue(args, op.args());
            int pid = step.pid() == null ? 0 : step.pid();
            return op.syscallOf(new Requests.Ctx(pid, profile, REPLAY), q);
        } catch (RuntimeException e) {
            throw new IllegalStateException("logged " + step.op() + " step no longer maps to a call: " + e.getMessage(), e);
        }
    }
}
