package io.pinlab.api.json;

import java.util.regex.Pattern;

/**
 * Integers in paths and query strings ({@code /processes/{pid}}, {@code ?after=}), written one way
 * only: ASCII decimal digits, an optional leading minus, no leading zeros. Spring's default
 * conversion would also take {@code +1}, {@code 01}, {@code 0x2} and digits of other scripts
 * (Arabic-Indic, fullwidth), so that many spellings reached the same process.
 */
public final class CanonicalDecimal {
    private static final Pattern CANONICAL = Pattern.compile("0|-?[1-9][0-9]*");

    private CanonicalDecimal() {
    }

    public static long parseLong(String text) {
        return parse(text, Long.MIN_VALUE, Long.MAX_VALUE, "64-bit");
    }

    public static int parseInt(String text) {
        return (int) parse(text, Integer.MIN_VALUE, Integer.MAX_VALUE, "32-bit");
    }

    private static long parse(String text, long min, long max, String width) {
        if (text != null && text.length() <= 20 && CANONICAL.matcher(text).matches()) {
            try {
                long value = Long.parseLong(text);
                if (value >= min && value <= max) return value;
            } catch (NumberFormatException tooLarge) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a " + width + " decimal integer: ASCII digits"
                + " only, without '+', leading zeros or 0x");
    }
}
