package io.pinlab.api.steps;

import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.mm.GupArgsViolation;
import io.pinlab.kernel.mm.GupCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written chain answers are byte for byte what the service's JsonMapper writes: over
 * seeded random answers of each type (nulls, empty and long lists, strings that need escaping,
 * non-ASCII, surrogate pairs and lone surrogates, extreme numbers and addresses), and over
 * answers long enough to be written in several parts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ChainAnswerWriterTest {
    private static final int ANSWERS = 2_000;

    @Autowired
    JsonMapper mapper;

    private final ChainAnswerWriter writer = new ChainAnswerWriter();

    static List<Long> seeds() {
        return LongStream.range(0, 8).map(s -> 0x9e3779b97f4a7c15L * (s + 1)).boxed().toList();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void writesWhatTheJsonMapperWrites(long seed) throws IOException {
        Gen g = new Gen(new Random(seed));
        List<Supplier<Object>> types = List.of(g::mmap, g::access, g::gup, g::kernel);
        for (int i = 0; i < ANSWERS; i++) {
            Object answer = types.get(i % types.size()).get();
            assertSameBytes(answer);
        }
    }

    @Test
    void aLongAnswerIsWrittenInParts() throws IOException {
        Gen g = new Gen(new Random(7));
        List<Long> pfns = LongStream.range(0, Pfns.MAX_LISTED).map(i -> 1_048_576 + 3 * i).boxed().toList();
        List<Pfns.Run> runs = LongStream.range(0, Pfns.MAX_RUNS).mapToObj(i -> new Pfns.Run(i * 1000, 2, -1)).toList();
        Answers.PinView pin = new Answers.PinView(1, "pin_user_pages", 1, Address.of(0x7ffff7ff0000L), 512,
                g.flags(), pfns, true, runs, true, false, null, "FOLL_PIN");
        List<KernelAnswer.ExplainStep> explain = g.list(() -> g.step(), 40);
        byte[] json = assertSameBytes(new Answers.GupAnswer(512, null, pin, explain, List.of("x".repeat(5_000)), null));
        assertThat(json.length).isGreaterThan(10_000); // several times the writer's buffer
    }

    @Test
    void longStringsThatNeedEscapesAreWrittenInParts() throws IOException { // JsonBytes.string() making room as it goes
        Gen g = new Gen(new Random(11));
        for (int shift = 0; shift < 64; shift++) { // the long strings start at 64 places in the writer's buffer
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 3_000) sb.append(g.string());
            assertSameBytes(new KernelAnswer(-1, "E".repeat(shift), null,
                    List.of(sb.toString(), "\u0001".repeat(700 + shift), "x".repeat(shift * 17) + "\u00e9".repeat(600), "\ud83d\ude00".repeat(400))));
        }
    }

    @Test
    void theInvalidArgsOfAGupAnswerStayOutOfItsJson() throws IOException {
        var violation = new GupArgsViolation("FOLL_PIN|FOLL_GET", -22, "WARN", GupCall.pin_user_pages, "both");
        assertSameBytes(new Answers.GupAnswer(-22, "EINVAL", null, List.of(), List.of(), violation));
    }

    @Test
    void writesOnlyTheChainAnswers() {
        assertThat(writer.types()).containsExactlyInAnyOrder(Answers.MmapAnswer.class, Answers.AccessAnswer.class,
                Answers.GupAnswer.class, KernelAnswer.class);
    }

    private byte[] assertSameBytes(Object answer) throws IOException {
        byte[] jackson = mapper.writeValueAsBytes(answer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(answer, out);
        assertThat(new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8)).as(answer.toString())
                .isEqualTo(new String(jackson, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(out.toByteArray()).as(answer.toString()).isEqualTo(jackson);
        return jackson;
    }

    /** Random answers: each component null (where a record allows it), empty, typical or extreme. */
    private record Gen(Random r) {
        private static final String[] PIECES = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f",
                "\u0000", "\u001f", "\u007f", "\u0080", "é", "ß", "\u07ff", "\u0800", "ℵ", "中文", "\u2028", "\ufffd",
                "\uffff", "😀", "\ud83d", "\ude00", "\ude00\ud83d", "</script>", "mm/gup.c", "__get_unmapped_area",
                "https://elixir.bootlin.com/linux/v6.18/A/ident/gup_fast"};
        private static final long[] NUMBERS = {0, 1, -1, 9, 10, -10, 99, 100, 4096, 1_048_576, Integer.MAX_VALUE,
                Integer.MIN_VALUE, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE,
                Long.MIN_VALUE + 1};

        Answers.MmapAnswer mmap() {
            return new Answers.MmapAnswer(nullable(this::address), nullable(this::number), nullable(this::string),
                    nullable(() -> list(this::step, 4)), nullable(() -> list(this::string, 3)), nullable(this::flags),
                    nullable(this::flags));
        }

        Answers.AccessAnswer access() {
            return new Answers.AccessAnswer(number(), nullable(this::string), nullable(this::string),
                    nullable(this::address), (int) number(), nullable(() -> list(() -> nullable(this::number), 5)),
                    nullable(() -> list(this::step, 3)));
        }

        Answers.GupAnswer gup() {
            return new Answers.GupAnswer(number(), nullable(this::string), nullable(this::pin),
                    nullable(() -> list(this::step, 4)), nullable(() -> list(this::string, 3)),
                    r.nextBoolean() ? null : new GupArgsViolation(string(), number(), string(), GupCall.pin_user_pages_fast, string()));
        }

        KernelAnswer kernel() {
            return new KernelAnswer(number(), nullable(this::string), nullable(() -> list(this::step, 4)),
                    nullable(() -> list(this::string, 3)));
        }

        Answers.PinView pin() {
            return new Answers.PinView(number(), nullable(this::string), (int) number(), nullable(this::address),
                    number(), nullable(this::flags), nullable(() -> list(() -> nullable(this::number), 6)),
                    r.nextBoolean(), nullable(() -> list(() -> nullable(this::run), 3)), r.nextBoolean(),
                    r.nextBoolean(), nullable(this::string), nullable(this::string));
        }

        Pfns.Run run() {
            return new Pfns.Run(number(), number(), number());
        }

        KernelAnswer.ExplainStep step() {
            return r.nextInt(20) == 0 ? null : new KernelAnswer.ExplainStep(nullable(this::string), nullable(this::string),
                    nullable(this::string), nullable(this::string), nullable(this::string));
        }

        FlagSet flags() {
            return new FlagSet(nullable(() -> list(this::string, 4)), number(), nullable(this::string));
        }

        Address address() {
            return Address.of(number());
        }

        long number() {
            return switch (r.nextInt(3)) {
                case 0 -> NUMBERS[r.nextInt(NUMBERS.length)];
                case 1 -> r.nextInt(100_000) - 50_000;
                default -> r.nextLong() >> r.nextInt(64);
            };
        }

        String string() {
            StringBuilder sb = new StringBuilder();
            int pieces = r.nextInt(8);
            for (int i = 0; i < pieces; i++) {
                if (r.nextInt(4) == 0) sb.append((char) r.nextInt(0x10000)); // any UTF-16 unit, surrogates too
                else sb.append(PIECES[r.nextInt(PIECES.length)]);
            }
            return sb.toString();
        }

        <T> List<T> list(Supplier<T> element, int max) {
            List<T> list = new ArrayList<>();
            int n = r.nextInt(max + 1);
            for (int i = 0; i < n; i++) list.add(element.get());
            return list;
        }

        <T> T nullable(Supplier<T> value) {
            return r.nextInt(6) == 0 ? null : value.get();
        }
    }
}
