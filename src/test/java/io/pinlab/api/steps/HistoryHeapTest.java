package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.session.InMemorySessionStore;
import io.pinlab.session.LabSession;
import io.pinlab.session.SessionRecord;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 goal 2: a session that ran 5,000 steps costs at most 200 KB of heap for its history
 * (the log in the in-memory store, which is also the event feed).
 */
class HistoryHeapTest {

    /** Live heap after full GCs; the smallest of a few readings, so that stray allocations of other threads do not count. */
    static long heapUsedAfterGc() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            min = Math.min(min, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    /** The mixed lab chain of issue 13: mmap 16 KiB, write, pin 1 page, release, munmap; 1,000 times. */
    static List<byte[]> labLog(int chains) {
        StepsFixture f = new StepsFixture();
        LabSession s = f.sessions.create("v6.18", null, false, null).session();
        for (int i = 0; i < chains; i++) {
            Answers.MmapAnswer m = f.steps.call(s, Op.MMAP, 1, new Requests.MmapRequest(null, 16384L,
                    EnumSet.of(Prot.PROT_READ, Prot.PROT_WRITE), EnumSet.of(MapFlag.MAP_PRIVATE, MapFlag.MAP_ANONYMOUS), null, null));
            Address a = m.addr();
            f.steps.call(s, Op.ACCESS, 1, new Requests.AccessRequest(a, 16384L, Requests.AccessKind.write, (long) i));
            Answers.GupAnswer g = f.steps.call(s, Op.GUP, 1, new Requests.GupCallRequest(GupCall.pin_user_pages_fast, a, 1L,
                    EnumSet.of(FollFlag.FOLL_WRITE, FollFlag.FOLL_LONGTERM), null, null, null, null));
            f.steps.call(s, Op.RELEASE, null, new Requests.ReleaseArgs(g.pin().id(), PinRelease.unpin_user_pages, null));
            f.steps.call(s, Op.MUNMAP, 1, new Requests.RangeRequest(a, 16384L));
        }
        return f.store.stepsAfter(s.id(), 0);
    }

    @Test
    void fiveThousandStepsCostAtMost200KB() {
        List<byte[]> log = labLog(1000);
        assertThat(log).hasSize(5000);
        long raw = log.stream().mapToLong(b -> b.length).sum();

        InMemorySessionStore store = new InMemorySessionStore(new StepsFixture().sessions.properties());
        long before = heapUsedAfterGc();
        store.create(new SessionRecord("s", new byte[32], "v6.18", null, false, Instant.EPOCH, Instant.EPOCH, 0, null));
        for (int i = 0; i < log.size(); i++) assertThat(store.append("s", i, log.get(i))).isEqualTo(i);
        long after = heapUsedAfterGc();
        long retained = after - before;
        System.out.printf("5,000-step history: %d bytes of JSON steps, %d bytes retained by the store (%.1f B/step)%n",
                raw, retained, retained / 5000.0);
        assertThat(retained).as("heap retained by a 5,000-step log").isLessThanOrEqualTo(200 * 1024);
        assertThat(store.stepsAfter("s", 4990)).hasSize(10);
    }
}
