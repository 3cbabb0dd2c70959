package io.pinlab.api.common;

import io.pinlab.kernel.base.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** An explain step links its function only when the name is a C identifier (C11 6.4.2.1: a letter or _, then letters, digits, _). */
class KernelRefsTest {

    @Test
    void linksTheFunctionAtTheProfilesRelease() {
        assertThat(KernelRefs.ref(Profile.V6_18, "gup_fast")).isEqualTo("https://elixir.bootlin.com/linux/v6.18/A/ident/gup_fast");
        // the seed series was never merged: its functions are read in v6.3
        assertThat(KernelRefs.ref(Profile.SEED, "_Z9")).isEqualTo("https://elixir.bootlin.com/linux/v6.3/A/ident/_Z9");
        assertThat(KernelRefs.ref(Profile.V6_18, "a".repeat(128))).endsWith("/" + "a".repeat(128));
        assertThat(KernelRefs.ref(null, "gup_fast")).isNull();
        assertThat(KernelRefs.ref(Profile.V6_18, null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "9", "a-b", "mm/gup.c", "f()", "a b", "é", "ünpin", "a$", "gup_fast\n"})
    void anythingButAnIdentifierHasNoLink(String fn) {
        assertThat(KernelRefs.ref(Profile.V6_18, fn)).isNull();
    }

    @Test
    void longerThan128CharactersHasNoLink() {
        assertThat(KernelRefs.ref(Profile.V6_18, "a".repeat(129))).isNull();
    }
}
