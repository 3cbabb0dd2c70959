package io.pinlab.session;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The Redis that tests use where Docker is missing: the redis-server on 127.0.0.1:6379 that
 * .ci/run starts. It is shared with other test runs, so every run uses its own key prefix and
 * deletes its keys. Without it, tests are skipped, except under CI=true, where they fail.
 */
public final class LocalRedis {
    public static final String HOST = "127.0.0.1";
    public static final int PORT = 6379;

    private LocalRedis() {}

    /** Aborts the test when no Redis answers PING, or fails it when CI=true. */
    public static void require() {
        if (answers()) return;
        if ("true".equals(System.getenv("CI")))
            Assertions.fail("CI=true and no Redis answers on " + HOST + ":" + PORT + " (.ci/run starts redis-server) and no Docker");
        Assumptions.abort("no Redis on " + HOST + ":" + PORT + " and no Docker");
    }

    static boolean answers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, PORT), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = new byte[5];
            return in.readNBytes(b, 0, 5) == 5 && new String(b, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (Exception e) {
            return false;
        }
    }

    public static LettuceConnectionFactory factory(String host, int port) {
        LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        f.afterPropertiesSet();
        f.start();
        return f;
    }

    /** A key prefix no other test run uses. */
    public static String uniquePrefix() {
        return "pinlab-test-" + UUID.randomUUID().toString().substring(0, 12) + ":";
    }

    /** Deletes every key under {@code prefix}. */
    public static void deleteKeys(LettuceConnectionFactory f, String prefix) {
        StringRedisTemplate t = new StringRedisTemplate(f);
        List<String> keys = new ArrayList<>();
        try (Cursor<String> c = t.scan(ScanOptions.scanOptions().match(prefix + "*").count(1000).build())) {
            c.forEachRemaining(keys::add);
        }
        if (!keys.isEmpty()) t.delete(keys);
    }
}
