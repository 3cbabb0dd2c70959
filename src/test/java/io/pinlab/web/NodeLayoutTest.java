package io.pinlab.web;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the page's JavaScript unit tests (src/test/js, the layout math: folded axis, runs) with
 * Node's built-in test runner. Skipped without node, except under CI=true where it must run.
 */
class NodeLayoutTest {

    static String node() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "node");
            if (f.canExecute()) return f.getAbsolutePath();
        }
        return null;
    }

    @Test
    void layoutMathPassesNodeTests() throws Exception {
        String node = node();
        if (node == null) {
            assertThat("true".equals(System.getenv("CI"))).as("CI=true: node must be installed to run src/test/js").isFalse();
            Assumptions.abort("node is not installed: the src/test/js tests are skipped");
        }
        Process p = new ProcessBuilder(node, "--test", "src/test/js/").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("# fail 0").containsPattern("# pass [1-9]");
    }
}
