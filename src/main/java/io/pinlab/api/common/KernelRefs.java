package io.pinlab.api.common;

import io.pinlab.kernel.base.Profile;

import java.util.regex.Pattern;

/**
 * Where a kernel function of an explain step can be read: an identifier search on a public kernel
 * cross-reference, at the release the session's profile simulates. The seed profile is v6.3 plus
 * a series that was never merged, so its functions are read in v6.3.
 */
public final class KernelRefs {
    static final String BASE = "https://elixir.bootlin.com/linux/";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    private KernelRefs() {
    }

    /** The release tag whose sources the profile follows. */
    public static String version(Profile p) {
        return p == Profile.SEED ? "v6.3" : p.name();
    }

    /** The identifier search for {@code fn} at the profile's release, or null when fn is not a C identifier. */
    public static String ref(Profile p, String fn) {
        if (p == null || fn == null || !IDENTIFIER.matcher(fn).matches()) return null;
        return BASE + version(p) + "/A/ident/" + fn;
    }
}
