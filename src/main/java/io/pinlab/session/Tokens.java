package io.pinlab.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** Random session ids and bearer tokens; tokens are kept only as SHA-256 hashes. */
final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    /**
     * A fresh SHA-256 digest is a clone of this one: {@code MessageDigest.getInstance} looks the
     * provider's service up on every call (every session request hashes its token), and a
     * per-thread digest would be one per request on virtual threads.
     */
    private static final MessageDigest SHA256 = sha256Instance();

    private Tokens() {
    }

    /** 256-bit token, base64url without padding (43 characters). */
    static String newToken() {
        return random(32);
    }

    /** 144-bit session id, base64url (24 characters): URL-safe and not guessable. */
    static String newSessionId() {
        return random(18);
    }

    /** A course join code: 12 characters of an unambiguous alphabet (about 60 bits), easy to dictate. */
    static String newJoinCode() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder b = new StringBuilder(14);
        for (int i = 0; i < 12; i++) {
            if (i == 4 || i == 8) b.append('-');
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return B64URL.encodeToString(b);
    }

    static byte[] sha256(String token) {
        MessageDigest md;
        try {
            md = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) { // a provider whose digest cannot be cloned
            md = sha256Instance();
        }
        return md.digest(token.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256Instance() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** Constant-time comparison of a presented token with a stored hash. */
    static boolean matches(String presented, byte[] storedHash) {
        return MessageDigest.isEqual(sha256(presented), storedHash);
    }

    /**
     * The token of an {@code Authorization} header value: the Bearer scheme (any case), spaces, and
     * an RFC 6750 b64token ({@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}) of
     * at most 512 characters. Scanned by hand: this runs on every session request.
     *
     * @throws MissingTokenException when the header is absent, not the Bearer scheme, or malformed
     */
    static String bearer(String authorization) {
        if (authorization == null || authorization.isBlank())
            throw new MissingTokenException("this call needs the header 'Authorization: Bearer <token>' "
                    + "with the token returned by POST /api/v1/sessions");
        String s = authorization.trim();
        if (s.length() < 8 || s.charAt(6) != ' ' || !s.regionMatches(true, 0, "Bearer", 0, 6))
            throw new MissingTokenException("the Authorization header must use the Bearer scheme: 'Bearer <token>'");
        int start = 7;
        while (s.charAt(start) == ' ') start++; // s is trimmed: a non-space follows
        if (s.length() - start > 512 || !isB64Token(s, start))
            throw new MissingTokenException("the bearer token is malformed");
        return s.substring(start);
    }

    private static boolean isB64Token(String s, int from) {
        int i = from;
        while (i < s.length() && isTokenChar(s.charAt(i))) i++;
        if (i == from) return false;
        while (i < s.length() && s.charAt(i) == '=') i++;
        return i == s.length();
    }

    /** The b64token characters, by ASCII code: one load per character of the token. */
    private static final boolean[] TOKEN_CHARS = new boolean[128];

    static {
        for (char c = 0; c < 128; c++)
            TOKEN_CHARS[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    private static boolean isTokenChar(char c) {
        return c < 128 && TOKEN_CHARS[c];
    }
}
