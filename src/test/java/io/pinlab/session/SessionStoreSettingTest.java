package io.pinlab.session;

import io.pinlab.PinlabApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Issue 10, item 10: an unknown pinlab.sessions.store stops the start and names the valid values. */
class SessionStoreSettingTest {

    @Test
    void unknownStoreFailsAtStartListingTheValidValues() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(PinlabApplication.class)
                .run("--server.port=0", "--pinlab.sessions.store=mongo").close());
        assertThat(failure).isNotNull();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) messages.append(t.getMessage()).append('\n');
        assertThat(messages.toString()).contains("pinlab.sessions.store").contains("mongo")
                .contains("valid values: memory, redis");
    }
}
