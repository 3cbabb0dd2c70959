package io.pinlab.platform;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdFilterTest {

    @Test
    void generatedIdsAreDistinctVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = RequestIdFilter.newId();
            UUID u = UUID.fromString(id);
            // RFC 9562 section 5.4: version 4, variant 10xx
            assertThat(u.version()).isEqualTo(4);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(u.toString()).isEqualTo(id);
            assertThat(seen.add(id)).isTrue();
        }
    }

    @Test
    void onlyShortPrintableIdsAreSane() {
        assertThat(RequestIdFilter.sane("lab-42")).isTrue();
        assertThat(RequestIdFilter.sane("a.b_c:d-E9")).isTrue();
        assertThat(RequestIdFilter.sane("x".repeat(128))).isTrue();
        assertThat(RequestIdFilter.sane("x".repeat(129))).isFalse();
        assertThat(RequestIdFilter.sane("")).isFalse();
        assertThat(RequestIdFilter.sane("bad;id<x>")).isFalse();
        assertThat(RequestIdFilter.sane("two words")).isFalse();
        assertThat(RequestIdFilter.sane("\u0001evil")).isFalse();
        assertThat(RequestIdFilter.sane("caf\u00e9")).isFalse();
    }
}
