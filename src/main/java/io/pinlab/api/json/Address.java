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
    public static final String PATTERN = "^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$";
    public static final String EXAMPLE = "0x7ffff7ff0000";

    public static Address of(long value) {
        return new Address(value);
    }

    /**
     * Parses hex ({@code 0x} prefix) or decimal, unsigned 64-bit.
     *
     * @throws IllegalArgumentException with a message fit for a client
     */
    public static Address parse(String text) {
        if (text == null) throw new IllegalArgumentException("an address is required");
        String s = text.trim();
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                String digits = s.substring(2);
                if (digits.isEmpty() || digits.length() > 16 || !allDigits(digits, 16)) throw new NumberFormatException();
                return new Address(Long.parseUnsignedLong(digits, 16));
            }
            if (s.isEmpty() || !allDigits(s, 10)) throw new NumberFormatException();
            return new Address(Long.parseUnsignedLong(s, 10));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an address: use hex like \"" + EXAMPLE
                    + "\" or unsigned decimal, at most 64 bits");
        }
    }

    // a loop, not a stream: 16,384 iovecs parse 16,384 addresses per request
    private static boolean allDigits(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 'f' || Character.digit(c, radix) < 0) return false;
        }
        return true;
    }

    @JsonValue
    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
