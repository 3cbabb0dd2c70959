package io.pinlab.clientlab;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs src/test/python/lab.py with the generated Python client (Debian's Python and its packages). */
class PythonClientLabTest {
    @Test
    void pythonLabRunsThroughTheGeneratedClient() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("pinlab.python", "/usr/bin/python3"),
                Path.of("src/test/python/lab.py").toAbsolutePath().toString(), JavaClientLabTest.BASE)
                .redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", System.getProperty("pinlab.pythonClient", "target/generated-python"));
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) p.destroyForcibly();
        assertTrue(done, "python lab timed out: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("python client lab: ok"), out);
    }
}
