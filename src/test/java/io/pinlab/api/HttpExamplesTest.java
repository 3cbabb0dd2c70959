package io.pinlab.api;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every file in http-examples/ top to bottom against the app, the way a student runs it in
 * VS Code REST Client, IntelliJ or httpyac: {@code {{base}}} from the environment file
 * (http-client.env.json), named requests ({@code # @name x}) and request variables
 * ({@code {{x.response.body.$.id}}}) written inline, never as file variables that httpyac would
 * evaluate before the request ran. A full run deletes every session it made. Every request must
 * succeed (2xx) unless it declares {@code # expect-status: <code>} (a lab may show a 422 on
 * purpose), every {@code # expect: <path> == <json>} line must hold on the JSON body, and every
 * {@code # expect-text: <text>} must occur in the body, so the labs stay true as the code changes.
 */
class HttpExamplesTest extends HttpTestSupport {
    private static final Pattern VAR = Pattern.compile("\\{\\{\\s*([^}]+?)\\s*}}");
    private static final Pattern EXPECT = Pattern.compile("#\\s*expect:\\s*(\\S+)\\s*==\\s*(.+)");
    private static final Pattern EXPECT_STATUS = Pattern.compile("#\\s*expect-status:\\s*(\\d{3})");
    private static final Pattern EXPECT_TEXT = Pattern.compile("#\\s*expect-text:\\s*(.+)");

    record Request(String title, String name, String method, String url, Map<String, String> headers, String body,
                   List<String[]> expects, int status, List<String> texts) {}

    @TestFactory
    Stream<DynamicTest> everyExampleRunsAsWritten() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("http-examples"))) {
            files = s.filter(p -> p.toString().endsWith(".http")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    /** {{base}} is not hard-coded: every client reads it from the "local" environment. */
    @org.junit.jupiter.api.Test
    void baseComesFromTheEnvironmentFile() throws IOException {
        JsonNode env = JSON.readTree(Files.readString(Path.of("http-examples/http-client.env.json")));
        assertThat(env.path("local").path("base").asString()).isEqualTo("http://localhost:8080/api/v1");
        JsonNode vscode = JSON.readTree(Files.readString(Path.of(".vscode/settings.json")));
        assertThat(vscode.path("rest-client.environmentVariables").path("local").path("base").asString())
                .isEqualTo(env.path("local").path("base").asString());
    }

    private void run(Path file) throws Exception {
        Map<String, String> fileVars = new HashMap<>();
        Map<String, JsonNode> responses = new HashMap<>();
        String source = Files.readString(file);
        assertThat(source).as("%s: no file variables (httpyac evaluates them before the requests run)", file)
                .doesNotContainPattern("(?m)^@");
        List<Request> requests = parse(source, fileVars);
        fileVars.put("base", "http://localhost:" + port + "/api/v1");
        List<String[]> created = new ArrayList<>();
        assertThat(requests).as("requests in %s", file).isNotEmpty();
        for (Request r : requests) {
            String where = file.getFileName() + " / " + r.title() + " " + r.method() + " " + r.url();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(resolve(r.url(), fileVars, responses)));
            r.headers().forEach((k, v) -> b.header(k, resolve(v, fileVars, responses)));
            b.method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(resolve(r.body(), fileVars, responses)));
            HttpResponse<String> res = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.status() != 0) assertThat(res.statusCode()).as("%s answered %s", where, res.body()).isEqualTo(r.status());
            else assertThat(res.statusCode()).as("%s answered %s", where, res.body()).isBetween(200, 299);
            for (String text : r.texts()) assertThat(res.body()).as("%s body", where).contains(resolve(text, fileVars, responses));
            boolean isJson = res.headers().firstValue("Content-Type").orElse("").contains("json");
            JsonNode json = isJson && !res.body().isBlank() ? JSON.readTree(res.body()) : null;
            if (r.name() != null) responses.put(r.name(), json);
            if (r.method().equals("POST") && r.url().equals("{{base}}/sessions") && res.statusCode() == 201)
                created.add(new String[]{json.path("id").asString(), json.path("token").asString()});
            for (String[] e : r.expects()) {
                JsonNode actual = at(json, e[0]);
                JsonNode expected = JSON.readTree(e[1]);
                assertThat(same(actual, expected)).as("%s: %s == %s, but it is %s in %s", where, e[0], e[1], actual, res.body()).isTrue();
            }
        }
        assertThat(created).as("sessions made by %s", file).isNotEmpty();
        for (String[] s : created)
            assertThat(get("/api/v1/sessions/" + s[0], s[1]).status()).as("%s deletes session %s", file, s[0]).isEqualTo(404);
    }

    /** The REST Client subset the examples use: ### separators, # comments, request line, headers, blank line, body. */
    static List<Request> parse(String text, Map<String, String> fileVars) {
        List<Request> out = new ArrayList<>();
        String[] blocks = text.split("(?m)^###");
        for (String block : blocks) {
            String[] lines = block.split("\n", -1);
            String title = lines[0].trim(), name = null, method = null, url = null;
            Map<String, String> headers = new HashMap<>();
            List<String[]> expects = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            int status = 0;
            StringBuilder body = null;
            boolean inHeaders = false;
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                if (method == null) {
                    String t = line.trim();
                    if (t.isEmpty()) continue;
                    if (t.startsWith("@") && t.contains("=")) {
                        fileVars.put(t.substring(1, t.indexOf('=')).trim(), t.substring(t.indexOf('=') + 1).trim());
                        continue;
                    }
                    if (t.startsWith("#") || t.startsWith("//")) {
                        Matcher m = EXPECT.matcher(t), ms = EXPECT_STATUS.matcher(t), mt = EXPECT_TEXT.matcher(t);
                        if (m.matches()) expects.add(new String[]{m.group(1), m.group(2).trim()});
                        else if (ms.matches()) status = Integer.parseInt(ms.group(1));
                        else if (mt.matches()) texts.add(mt.group(1).trim());
                        else if (t.matches("#\\s*@name\\s+\\S+")) name = t.replaceFirst("#\\s*@name\\s+", "");
                        continue;
                    }
                    String[] parts = t.split("\\s+");
                    method = parts[0];
                    url = parts[1];
                    inHeaders = true;
                } else if (inHeaders) {
                    if (line.isBlank()) { inHeaders = false; body = new StringBuilder(); continue; }
                    headers.put(line.substring(0, line.indexOf(':')).trim(), line.substring(line.indexOf(':') + 1).trim());
                } else {
                    body.append(line).append('\n');
                }
            }
            if (method == null) continue;
            String b = body == null || body.toString().isBlank() ? null : body.toString().strip();
            out.add(new Request(title, name, method, url, headers, b, expects, status, texts));
        }
        return out;
    }

    private static String resolve(String s, Map<String, String> fileVars, Map<String, JsonNode> responses) {
        for (int round = 0; round < 5 && s.contains("{{"); round++) {
            Matcher m = VAR.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = m.group(1);
                String value;
                if (fileVars.containsKey(v)) value = fileVars.get(v);
                else {
                    // name.response.body.$.path
                    String[] p = v.split("\\.response\\.body\\.", 2);
                    assertThat(p).as("variable %s", v).hasSize(2);
                    assertThat(responses).as("request %s ran before it is used", p[0]).containsKey(p[0]);
                    JsonNode n = at(responses.get(p[0]), p[1]);
                    assertThat(n).as("%s in the response of %s", p[1], p[0]).isNotNull();
                    value = n.isString() ? n.asString() : n.toString();
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            s = sb.toString();
        }
        return s;
    }

    /** A JSON path of the form $.a.b[2].c; null when absent. */
    static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        Matcher m = Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)|\\[(\\d+)]").matcher(path.substring(1));
        while (n != null && m.find()) {
            n = m.group(1) != null ? n.get(m.group(1)) : n.get(Integer.parseInt(m.group(2)));
        }
        return n;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a == null) return b == null || b.isNull();
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        return a.equals(b);
    }
}
