package io.pinlab;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** issue 10 item 10: an unknown pinlab.sessions.store stops the start and names the valid values. */
class StoreSelectionTest {
    @Test
    void anUnknownStoreFailsTheStartListingTheValidValues() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(PinlabApplication.class)
                .run("--server.port=0", "--pinlab.sessions.store=mongodb", "--spring.main.banner-mode=off", "--logging.level.root=OFF"))
                .rootCause()
                .hasMessage("pinlab.sessions.store: unknown value 'mongodb'; valid values: memory, redis");
    }
}
