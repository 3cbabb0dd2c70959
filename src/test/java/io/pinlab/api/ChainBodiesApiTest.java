package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab chain's bodies answer the same whichever reader reads them: sent as {@code application/json}
 * (UTF-8: ChainRequestReader reads a plain body, Jackson any other) and as
 * {@code application/json;charset=ISO-8859-1} (always Jackson, through OpController's charset path
 * or Spring's resolver for release), every body gives the same status and the same answer or
 * problem (its errors, and the violations its detail lists, as sets). The bodies are ASCII, so the bytes are the same in both charsets.
 */
class ChainBodiesApiTest extends HttpTestSupport {
    private static final String UTF8 = "application/json", LATIN1 = "application/json;charset=ISO-8859-1";
    private static final String ADDR = "\"0x7ffff7ffb000\"";

    /** Path (after the session) and body: the chain, then bodies that are plain but invalid, then flawed ones. */
    private static final List<String[]> CALLS = List.of(
            new String[] {"/processes/1/mmap", "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}"},
            new String[] {"/processes/1/access", "{\"addr\":" + ADDR + ",\"length\":4096,\"access\":\"write\",\"value\":42}"},
            new String[] {"/processes/1/gup", "{\"call\":\"pin_user_pages_fast\",\"start\":" + ADDR + ",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}"},
            new String[] {"/pins/1/release", "{\"how\":\"unpin_user_pages\"}"},
            new String[] {"/processes/1/munmap", "{\"addr\":" + ADDR + ",\"length\":16384}"},
            // plain, read by hand, refused by validation or the session rules
            new String[] {"/processes/1/mmap", "{\"length\":-1,\"prot\":[],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"],\"offset\":-4096}"},
            new String[] {"/processes/1/mmap", "{}"},
            new String[] {"/processes/1/access", "{\"length\":4096,\"access\":\"read\",\"value\":1}"},
            new String[] {"/processes/1/gup", "{\"call\":\"pin_user_pages_fast\",\"start\":null,\"nrPages\":-1,\"gupFlags\":[\"FOLL_GET\",\"FOLL_PIN\"],\"targetPid\":0}"},
            new String[] {"/pins/1/release", "{}"},
            new String[] {"/processes/1/munmap", "{\"addr\":" + ADDR + "}"},
            // flawed: declined by the hand reader, refused by Jackson
            new String[] {"/processes/1/mmap", "{\"length\":016384,\"prot\":[],\"flags\":[]}"},
            new String[] {"/processes/1/access", "{\"addr\":" + ADDR + ",\"addr\":" + ADDR + ",\"length\":1,\"access\":\"write\"}"},
            new String[] {"/processes/1/gup", "{\"call\":\"pin_user_pages_fast\",\"start\":\"0X10\",\"nrPages\":1,\"gupFlags\":[]}"},
            new String[] {"/pins/1/release", "{\"how\":\"unpin_user_pages\",\"dirty\":true}"},
            new String[] {"/processes/1/munmap", "{\"addr\":" + ADDR + ",\"length\":\"16384\"}"},
            new String[] {"/processes/1/munmap", "{\"addr\":" + ADDR + ",\"length\":16384} {}"});

    @Test
    void eachBodyAnswersTheSameReadByHandOrByJackson() {
        Session byHand = newSession("v6.18"), byJackson = newSession("v6.18");
        for (String[] call : CALLS) {
            Res hand = send(method("POST", "/api/v1/sessions/" + byHand.id() + call[0], byHand.token(), call[1], UTF8));
            Res jackson = send(method("POST", "/api/v1/sessions/" + byJackson.id() + call[0], byJackson.token(), call[1], LATIN1));
            assertThat(hand.status()).as("%s %s: %s", call[0], call[1], hand.body()).isEqualTo(jackson.status());
            if (hand.status() == 200) {
                assertThat(hand.body()).as(call[1]).isEqualTo(jackson.body());
                continue;
            }
            for (String field : List.of("type", "title", "status"))
                assertThat(hand.json().path(field)).as("%s of %s", field, call[1]).isEqualTo(jackson.json().path(field));
            // several violations come in no fixed order (also on one path alone): compare them as sets
            assertThat(violations(hand.json())).as("detail of %s", call[1]).isEqualTo(violations(jackson.json()));
            assertThat(errors(hand.json())).as(call[1]).isEqualTo(errors(jackson.json()));
        }
    }

    private static Set<String> violations(JsonNode problem) {
        return Set.of(problem.path("detail").asString().replaceFirst("^invalid request: ", "").split("; "));
    }

    private static Set<JsonNode> errors(JsonNode problem) {
        Set<JsonNode> errors = new HashSet<>();
        problem.path("errors").forEach(errors::add);
        return errors;
    }
}
