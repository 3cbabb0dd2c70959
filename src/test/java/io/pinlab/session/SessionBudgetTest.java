package io.pinlab.session;

import io.pinlab.kernel.base.VirtAddr;
import com.github.benmanes.caffeine.cache.Ticker;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.UserAccess;
import io.pinlab.kernel.mm.Mmap;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service-wide budget and the per-client caps (of the in-memory store), through the service, with a fake clock. */
class SessionBudgetTest {
    final AtomicLong nanos = new AtomicLong(1);
    final Ticker ticker = nanos::get;

    SessionService service(long maxHeap, int maxLive, int perMinute) {
        SessionProperties p = new SessionProperties("memory", Duration.ofHours(1), 10_000, 10_000, 0.5,
                new SessionProperties.Limits(64, 1L << 32, 64L << 20, 1L << 20, 20_000), new SessionProperties.PerClient(maxLive, perMinute));
        SessionBudget budget = new SessionBudget(p, maxHeap);
        InMemorySessionStore store = new InMemorySessionStore(p, ticker, Clock.systemUTC());
        // these sessions log no steps (the kernel is driven directly), so nothing is ever replayed
        return new SessionService(store, p, budget, Clock.systemUTC(), (profile, step) -> {
            throw new IllegalStateException("no replay in this test");
        });
    }

    @Test
    void oneAddressHoldsAtMostMaxLiveAndGetsOneBackWhenItDeletesOne() {
        SessionService s = service(1L << 30, 3, 100);
        SessionService.Created first = s.create(null, null, false, "10.0.0.1");
        s.create(null, null, false, "10.0.0.1");
        s.create(null, null, false, "10.0.0.1");
        assertThatThrownBy(() -> s.create(null, null, false, "10.0.0.1"))
                .isInstanceOfSatisfying(SessionQuotaException.class, e -> assertThat(e.limit()).isEqualTo("pinlab.sessions.per-client.max-live"));
        assertThat(s.create(null, null, false, "10.0.0.2")).as("another address").isNotNull();
        assertThat(s.create(null, null, false, null)).as("a session without a client (a course's) is not counted").isNotNull();
        s.delete(first.session().id(), "Bearer " + first.token());
        assertThat(s.create(null, null, false, "10.0.0.1")).isNotNull();
    }

    @Test
    void creationsPerMinuteSlideWithTheClock() {
        SessionService s = service(1L << 30, 100, 2);
        s.create(null, null, false, "10.0.0.1");
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        s.create(null, null, false, "10.0.0.1");
        assertThatThrownBy(() -> s.create(null, null, false, "10.0.0.1"))
                .isInstanceOfSatisfying(SessionQuotaException.class, e -> {
                    assertThat(e.limit()).isEqualTo("pinlab.sessions.per-client.creations-per-minute");
                    assertThat(e.retryAfterSeconds()).isEqualTo(30); // the first creation leaves the window in 30 s
                });
        nanos.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(s.create(null, null, false, "10.0.0.1")).isNotNull();
    }

    /** Half of a 16 MiB heap is an 8 MiB budget: a session that charges most of it stops new ones; deleting it frees them. */
    @Test
    void aNewSessionNeedsATenthOfTheGlobalBudgetAndADeletedOneGivesItsChargeBack() {
        SessionService s = service(16L << 20, 100, 100);
        SessionService.Created big = s.create(null, null, false, "10.0.0.1");
        big.session().locked(k -> {
            long a = Mmap.doMmap(k, k.task(1), VirtAddr.of(0), 512L << 20, 3, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
            return UserAccess.access(k, k.task(1), VirtAddr.of(a), 400L << 20, true, 1L); // about 4.6 MB of the 8 MiB budget
        });
        s.create(null, null, false, "10.0.0.1");
        s.create(null, null, false, "10.0.0.1");
        big.session().locked(k -> {
            long a = Mmap.doMmap(k, k.task(1), VirtAddr.of(0), 512L << 20, 3, MapFlag.MAP_PRIVATE.value | MapFlag.MAP_ANONYMOUS.value, -1, 0).ret();
            return UserAccess.access(k, k.task(1), VirtAddr.of(a), 256L << 20, true, 1L);
        });
        assertThatThrownBy(() -> s.create(null, null, false, "10.0.0.1"))
                .isInstanceOfSatisfying(MemoryBudgetException.class, e -> assertThat(e.getMessage()).contains(MemCg.GLOBAL_LIMIT));
        s.delete(big.session().id(), "Bearer " + big.token());
        assertThat(s.create(null, null, false, "10.0.0.1")).isNotNull();
    }
}
