package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionService;
import io.pinlab.session.SessionNotFoundException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two replicas (two SessionServices, each with its own kernel cache) share one store. A replica
 * whose cached kernel is behind loses the compare-and-set append, rebuilds from the log and
 * retries: no step is lost or applied twice, and both replicas end in the replayed state.
 */
class ReplicaConflictTest {
    private static final Requests.MmapRequest MMAP = new Requests.MmapRequest(null, 8192L,
            EnumSet.of(Prot.PROT_READ, Prot.PROT_WRITE), EnumSet.of(MapFlag.MAP_PRIVATE, MapFlag.MAP_ANONYMOUS), null, null);

    @Test
    void aStaleReplicaCatchesUpAndRetries() {
        StepsFixture f = new StepsFixture();
        SessionService.Created created = f.sessions.create("v6.18", null, false, null);
        String bearer = "Bearer " + created.token();
        SessionService other = new SessionService(f.store, f.sessions.properties(), f.budget, Clock.systemUTC(), new StepDecoder(f.mapper));
        Steps otherSteps = new Steps(f.mapper, jakarta.validation.Validation.buildDefaultValidatorFactory().getValidator(),
                other, Clock.systemUTC());

        LabSession a = f.sessions.authorize(created.session().id(), bearer);
        LabSession b = other.authorize(created.session().id(), bearer); // b has seen version 0
        Address first = f.steps.call(a, Op.MMAP, 1, MMAP).addr();
        // b still believes the log has 0 steps: its append at version 0 must fail, then succeed at 1
        Address second = otherSteps.call(b, Op.MMAP, 1, MMAP).addr();
        assertThat(second).as("b's mmap ran after a's, on the caught-up kernel").isNotEqualTo(first);

        assertThat(f.store.find(created.session().id()).orElseThrow().version()).isEqualTo(2);
        LabSession a2 = f.sessions.authorize(created.session().id(), bearer);
        List<Views.MapEntry> viaA = a2.locked(k -> Views.maps(k, k.task(1)));
        List<Views.MapEntry> viaB = b.locked(k -> Views.maps(k, k.task(1)));
        assertThat(viaA).isEqualTo(viaB).hasSize(2); // both mappings merged into one VMA, plus [stack]
        assertThat(viaA.get(0).end() - viaA.get(0).start()).isEqualTo(16384);
        List<Views.MapEntry> replayed = a2.at(2).locked(k -> Views.maps(k, k.task(1)));
        assertThat(replayed).isEqualTo(viaA);
    }

    @Test
    void aCallOnADeletedSessionIsNotFound() {
        StepsFixture f = new StepsFixture();
        SessionService.Created created = f.sessions.create("v6.18", null, false, null);
        LabSession s = created.session();
        f.store.remove(s.id());
        assertThatThrownBy(() -> f.steps.call(s, Op.MMAP, 1, MMAP)).isInstanceOf(SessionNotFoundException.class);
    }
}
