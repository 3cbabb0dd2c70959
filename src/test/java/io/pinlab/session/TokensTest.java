package io.pinlab.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        assertThat(Tokens.bearer("  BEARER   ab.c~+/9==  ")).isEqualTo("ab.c~+/9==");
        assertThatThrownBy(() -> Tokens.bearer("Bearer ==")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearer a=b")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearer a b")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearer\tabc")).isInstanceOf(MissingTokenException.class);
        assertThatThrownBy(() -> Tokens.bearer("Bearerx abc")).isInstanceOf(MissingTokenException.class);
        assertThat(Tokens.bearer("Bearer " + "a".repeat(512))).hasSize(512);
        assertThatThrownBy(() -> Tokens.bearer("Bearer " + "a".repeat(513))).isInstanceOf(MissingTokenException.class);
    }

    /** The hand-written scanner accepts exactly RFC 6750's grammar: the regex of the RFC is the oracle. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void bearerAcceptsExactlyTheRfc6750Grammar(long seed) {
        java.util.regex.Pattern rfc = java.util.regex.Pattern.compile("(?i:bearer) +([A-Za-z0-9._~+/-]+=*)");
        String alphabet = "aZ09-._~+/= \t\"é";
        java.util.Random rnd = new java.util.Random(seed);
        for (int n = 0; n < 2000; n++) {
            StringBuilder b = new StringBuilder(rnd.nextBoolean() ? "Bearer" : "bEaReR").append(" ".repeat(rnd.nextInt(0, 3)));
            for (int i = rnd.nextInt(0, 8); i > 0; i--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String header = b.toString();
            java.util.regex.Matcher m = rfc.matcher(header.trim());
            if (m.matches()) assertThat(Tokens.bearer(header)).as(header).isEqualTo(m.group(1));
            else assertThatThrownBy(() -> Tokens.bearer(header)).as(header).isInstanceOf(MissingTokenException.class);
        }
    }
}
