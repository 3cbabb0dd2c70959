package io.pinlab.api.common;

import io.pinlab.kernel.base.Profile;

/**
 * Where a kernel function of an explain step can be read: an identifier search on a public kernel
 * cross-reference, at the release the session's profile simulates. The seed profile is v6.3 plus
 * a series that was never merged, so its functions are read in v6.3.
 */
public final class KernelRefs {
    static final String BASE = "https://elixir.bootlin.com/linux/";

    private KernelRefs() {
    }

    /** The release tag whose sources the profile follows. */
    public static String version(Profile p) {
        return p == Profile.SEED ? "v6.3" : p.name();
    }

    /** The identifier search for {@code fn} at the profile's release, or null when fn is not a C identifier. */
    public static String ref(Profile p, String fn) {
        if (p == null || fn == null || !isIdentifier(fn)) return null;
        return BASE + version(p) + "/A/ident/" + fn;
    }

    /** A C identifier of at most 128 characters (a scan: every explain step of every answer asks). */
    private static boolean isIdentifier(String s) {
        if (s.isEmpty() || s.length() > 128) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean letter = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_';
            if (!letter && (i == 0 || c < '0' || c > '9')) return false;
        }
        return true;
    }
}
