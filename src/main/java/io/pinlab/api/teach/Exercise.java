package io.pinlab.api.teach;

import io.pinlab.api.steps.Steps;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.Profile;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A "predict, then check" exercise: a script of steps built from a {@link Variant}, a question
 * about what the last steps (the probe) will answer, and how the expected answer is read off the
 * kernel after running the script. Nothing expected is stored: {@link #expected} runs the kernel.
 *
 * @param id         stable id (URL segment)
 * @param profiles   the profiles the exercise makes sense in; it runs in the session's profile when
 *                   listed, else in the first one
 * @param contrast   two profiles in which the rule it asks about differs, or null when the rule is
 *                   the same everywhere and the variant's {@code flip} changes what the rule meets
 * @param hints      shown one per wrong try, before the solution
 */
record Exercise(String id, String title, String topic, List<String> profiles, String difficulty, String summary,
                List<String> contrast, List<String> hints, Function<Variant, Script> script) {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** What one student's copy of the exercise looks like: derived from session id and exercise id. */
    @Schema(name = "ExerciseVariant")
    record Variant(@Schema(description = "kernel profile the variant runs in", example = "v6.5") String profile,
                   @Schema(description = "a size, in pages", example = "4") int pages,
                   @Schema(description = "a second number the script uses (offset, page count, megabytes)", example = "2") int pick,
                   @Schema(description = "which side of the rule the variant meets") boolean flip,
                   @Schema(description = "the seed the variant comes from (session id + exercise id)") long seed) {

        static Variant of(Exercise e, String sessionId, Profile sessionProfile) {
            long seed = seed(sessionId + "/" + e.id());
            Random r = new Random(seed);
            String profile = e.profiles().contains(sessionProfile.name()) ? sessionProfile.name() : e.profiles().get(0);
            return new Variant(profile, 2 + r.nextInt(7), 1 + r.nextInt(4), r.nextBoolean(), seed);
        }

        Variant with(String profile, boolean flip) {
            return new Variant(profile, pages, pick, flip, seed);
        }

        private static long seed(String s) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
                long v = 0;
                for (int i = 0; i < 6; i++) v = (v << 8) | (d[i] & 0xff);
                return v; // 48 bits: exact as a JSON number in every client (JavaScript's are doubles)
            } catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }

    /** One thing to predict. */
    @Schema(name = "ExerciseAsk")
    record Ask(@Schema(example = "ret") String name,
               @Schema(allowableValues = {"int", "errno", "bool", "choice"}) String kind,
               @Schema(nullable = true) List<String> choices,
               @Schema(description = "what it is") String about) {
        static Ask integer(String name, String about) { return new Ask(name, "int", null, about); }

        static Ask errno(String name, String about) { return new Ask(name, "errno", null, about); }

        static Ask bool(String name, String about) { return new Ask(name, "bool", null, about); }

        static Ask choice(String name, List<String> choices, String about) { return new Ask(name, "choice", choices, about); }
    }

    /** How the expected answer is read off the kernel after the whole script ran. */
    @FunctionalInterface
    interface Reading {
        Map<String, Object> read(Kernel k, List<Steps.Outcome> outcomes);
    }

    /**
     * @param setup       steps run and shown with their results
     * @param probe       steps shown without results: the student predicts what they answer
     * @param movableZone boot the exercise kernel with user pages in ZONE_MOVABLE
     * @param solution    the rule in words, shown with the kernel's trace once solved or after 3 tries
     */
    record Script(List<Steps.StepJson> setup, List<Steps.StepJson> probe, boolean movableZone, String question,
                  List<Ask> ask, Reading reading, String solution) {
        List<Steps.StepJson> all() {
            List<Steps.StepJson> all = new ArrayList<>(setup);
            all.addAll(probe);
            return all;
        }
    }

    /** A step as a client writes it; {@code args} is JSON text. */
    static Steps.StepJson step(String op, Integer pid, String args) {
        return new Steps.StepJson(op, pid == null ? null : JSON.getNodeFactory().numberNode(pid),
                args == null ? null : JSON.readTree(args));
    }

    static JsonNode node(String json) {
        return JSON.readTree(json);
    }
}
