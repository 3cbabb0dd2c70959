package io.pinlab.api.json;

import com.fasterxml.jackson.annotation.JsonValue;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A user virtual address in JSON: an unsigned 64-bit value written as a string, {@code "0x7ffff7ff0000"}
 * (hex with 0x) or {@code "140737354072064"} (decimal) on input, always lowercase {@code 0x…} hex on
 * output. {@link #value()} holds the 64 bits (compare with {@link Long#compareUnsigned}).
 */
@JsonDeserialize(using = AddressDeserializer.class)
public record Address(long value) {
    /** The accepted forms: lowercase {@code 0x} and 1-16 hex digits, or decimal without leading zeros. */
    public static final String PATTERN = "^(0x[0-9a-fA-F]{1,16}|0|[1-9][0-9]{0,19})$";
    public static final String EXAMPLE = "0x7ffff7ff0000";

    public static Address of(long value) {
        return new Address(value);
    }

    /**
     * Parses hex ({@code 0x} prefix) or decimal, unsigned 64-bit, ASCII only and exactly as written:
     * no spaces, signs, {@code 0X}, leading decimal zeros, or digits of other scripts (Java's own
     * parsers accept fullwidth and Arabic-Indic digits).
     *
     * @throws IllegalArgumentException with a message fit for a client
     */
    public static Address parse(String text) {
        if (text == null) throw new IllegalArgumentException("an address is required");
        boolean hex = text.startsWith("0x");
        String digits = hex ? text.substring(2) : text;
        boolean ok = !digits.isEmpty() && digits.length() <= (hex ? 16 : 20)
                && digits.chars().allMatch(c -> c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'))
                && (hex || digits.length() == 1 || digits.charAt(0) != '0');
        try {
            if (ok) return new Address(Long.parseUnsignedLong(digits, hex ? 16 : 10));
        } catch (NumberFormatException tooLarge) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not an address: use hex like \"" + EXAMPLE
                + "\" (lowercase 0x) or unsigned decimal without leading zeros, ASCII digits, at most 64 bits");
    }

    @JsonValue
    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
