package io.pinlab.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Random session ids and bearer tokens; tokens are kept only as SHA-256 hashes. */
final class Tokens {
    /** RFC 6750 b64token syntax. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

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
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** Constant-time comparison of a presented token with a stored hash. */
    static boolean matches(String presented, byte[] storedHash) {
        return MessageDigest.isEqual(sha256(presented), storedHash);
    }

    /**
     * The token of an {@code Authorization} header value.
     *
     * @throws MissingTokenException when the header is absent, not the Bearer scheme, or malformed
     */
    static String bearer(String authorization) {
        if (authorization == null || authorization.isBlank())
            throw new MissingTokenException("this call needs the header 'Authorization: Bearer <token>' "
                    + "with the token returned by POST /api/v1/sessions");
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer"))
            throw new MissingTokenException("the Authorization header must use the Bearer scheme: 'Bearer <token>'");
        if (!B64TOKEN.matcher(parts[1]).matches() || parts[1].length() > 512)
            throw new MissingTokenException("the bearer token is malformed");
        return parts[1];
    }
}
