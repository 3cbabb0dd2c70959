package io.pinlab.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokensTest {

    @Test
    void tokenIs256BitBase64Url() {
        String t = Tokens.newToken();
        assertThat(t).matches("[A-Za-z0-9_-]{43}");
        assertThat(java.util.Base64.getUrlDecoder().decode(t)).hasSize(32);
    }

    @Test
    void onlyTheHashMatches() {
        String t = Tokens.newToken();
        byte[] h = Tokens.sha256(t);
        assertThat(h).hasSize(32);
        assertThat(Tokens.matches(t, h)).isTrue();
        assertThat(Tokens.matches(t + "x", h)).isFalse();
    }

    @Test
    void bearerParsing() {
        assertThat(Tokens.bearer("Bearer abc-_")).isEqualTo("abc-_");
        assertThat(Tokens.bearer("bearer abc")).isEqualTo("abc");
        assertThatThrownBy(() -> Tokens.bearer(null)).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Basic abc")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearer ")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearer a\"b")).isInstanceOf(MissingTokenException.class);
    }
}
