package io.pinlab.api.json;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Holder(Address addr) {
    }

    /** Round trip over edge values and 10,000 seeded random 64-bit values (reproducible, no framework). */
    @Test
    void hexOutputParsesBackForAny64BitValue() {
        java.util.Random random = new java.util.Random(0x5eed);
        java.util.List<Long> values = new java.util.ArrayList<>(java.util.List.of(0L, 1L, -1L, Long.MAX_VALUE,
                Long.MIN_VALUE, 0x7ffffffff000L, 0xffffffffff600000L));
        for (int i = 0; i < 10_000; i++) values.add(random.nextLong());
        for (long bits : values) {
            Address a = new Address(bits);
            assertThat(a.toString()).matches("0x[0-9a-f]{1,16}");
            assertThat(Address.parse(a.toString())).isEqualTo(a);
            assertThat(Address.parse(Long.toUnsignedString(bits))).isEqualTo(a);
        }
    }

    @Test
    void parsesHexAndDecimalUnsigned() {
        assertThat(Address.parse("0x7ffff7ff0000").value()).isEqualTo(0x7ffff7ff0000L);
        assertThat(Address.parse("0xABCdef").value()).isEqualTo(0xabcdefL);
        assertThat(Address.parse("0x0000000000001000").value()).isEqualTo(4096);
        assertThat(Address.parse("0").value()).isEqualTo(0);
        assertThat(Address.parse("4096").value()).isEqualTo(4096);
        assertThat(Address.parse("18446744073709551615").value()).isEqualTo(-1L);
        assertThat(Address.parse("0xffffffffffffffff").toString()).isEqualTo("0xffffffffffffffff");
    }

    @Test
    void rejectsWhatIsNotAnUnsigned64BitAddress() {
        for (String bad : new String[]{"", "0x", "-1", "+1", "0x-1", "1e3", "0x1ffffffffffffffff", "18446744073709551616",
                "0xg", " ", "0x 1", "1_000",
                // canonical ASCII only: no 0X, surrounding spaces, NUL, leading decimal zeros, other scripts' digits
                "0X10", " 0x1000", "0x1000 ", "0x1000\u0000", "04096", "0x\uff11\uff10\uff10\uff10",
                "\u0661\u0662", "\uff14\uff10\uff19\uff16", "0x\u0661"})
            assertThatThrownBy(() -> Address.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an address");
    }

    @Test
    void jsonIsAStringBothWays() {
        assertThat(JSON.writeValueAsString(new Holder(Address.of(0x7ffff7ff0000L)))).isEqualTo("{\"addr\":\"0x7ffff7ff0000\"}");
        assertThat(JSON.readValue("{\"addr\":\"0x10\"}", Holder.class).addr().value()).isEqualTo(16);
        assertThatThrownBy(() -> JSON.readValue("{\"addr\":16}", Holder.class))
                .isInstanceOf(InvalidFormatException.class).hasMessageContaining("JSON string");
        assertThatThrownBy(() -> JSON.readValue("{\"addr\":\"zz\"}", Holder.class))
                .isInstanceOf(InvalidFormatException.class).hasMessageContaining("not an address");
    }
}
