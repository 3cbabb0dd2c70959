package io.pinlab.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port to a Redis, for tests of a Redis that stops answering:
 * {@link #cut} closes the listening socket and every connection (clients see the connection
 * lost, then refused), {@link #resume} listens on the same port again,
 * {@link #dropAnswerTo} loses a connection after Redis has run a command, before its answer,
 * {@link #holdAnswers} keeps Redis's answers back until {@link #passAnswers}, and
 * {@link #count} counts a text in what clients send.
 */
public final class CuttableProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    /** Set: the answer to the next command that contains this text is dropped. */
    private volatile String dropMarker;
    /** The next bytes from Redis are the answer to drop. */
    private final AtomicBoolean dropNext = new AtomicBoolean();
    /** Empty Redis's script cache before dropping, as a restart would. */
    private volatile boolean flushScripts;
    /** Set: answers wait for it to open before they are passed on (or dropped). */
    private volatile CountDownLatch held;
    /** Set: the text {@link #counted} counts in what clients send. */
    private volatile String countedText;
    private final AtomicInteger counted = new AtomicInteger();

    public CuttableProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = listen(0);
        this.port = server.getLocalPort();
        accept(server);
    }

    public int port() { return port; }

    private ServerSocket listen(int p) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
        return s;
    }

    private void accept(ServerSocket s) {
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket redis = new Socket(targetHost, targetPort);
                    open.add(client);
                    open.add(redis);
                    pipe(client, redis, true);
                    pipe(redis, client, false);
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    /** Copies one direction of a connection: client to Redis ({@code toRedis}), or back. */
    private void pipe(Socket from, Socket to, boolean toRedis) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    String marker = dropMarker, chunk = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
                    String text = countedText;
                    if (toRedis && text != null)
                        for (int i = chunk.indexOf(text); i >= 0; i = chunk.indexOf(text, i + text.length())) counted.incrementAndGet();
                    CountDownLatch gate = held;
                    if (!toRedis && gate != null) gate.await();
                    if (toRedis && marker != null && chunk.contains(marker)) {
                        dropMarker = null;
                        dropNext.set(true); // before Redis can answer
                    }
                    if (!toRedis && dropNext.get() && !chunk.startsWith(NOSCRIPT) && dropNext.compareAndSet(true, false)) {
                        if (flushScripts) flushScripts();
                        return; // closed below, unanswered
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException | InterruptedException closed) {
                // cut, or one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
    }

    /** Redis's answer to an EVALSHA of a script it does not hold: the client sends EVAL next (not what is to be dropped). */
    private static final String NOSCRIPT = "-NOSCRIPT";

    private void flushScripts() throws IOException {
        try (Socket redis = new Socket(targetHost, targetPort)) {
            redis.getOutputStream().write("SCRIPT FLUSH\r\n".getBytes(StandardCharsets.US_ASCII));
            redis.getInputStream().readNBytes(5); // +OK\r\n
        }
    }

    /**
     * The answer to the next command whose bytes contain {@code marker} is not passed on: its
     * connection is closed instead, after Redis has run the command (the client sees the
     * connection lost, unanswered). With {@code flushScripts}, Redis's script cache is emptied
     * first, as a restart empties it. For a client that waits for each answer before its next
     * command (the next bytes from Redis on that connection are that answer); a NOSCRIPT answer
     * is passed on, and the drop waits for the EVAL that follows it.
     */
    public void dropAnswerTo(String marker, boolean flushScripts) {
        this.flushScripts = flushScripts;
        dropMarker = marker;
    }

    /** Nothing is to be dropped (any drop still armed is forgotten). */
    public void clearDrop() {
        dropMarker = null;
        dropNext.set(false);
    }

    /** From now on, Redis's answers wait until {@link #passAnswers}. */
    public void holdAnswers() {
        held = new CountDownLatch(1);
    }

    /** Passes on the answers held back, and those that follow. */
    public void passAnswers() {
        CountDownLatch gate = held;
        held = null;
        if (gate != null) gate.countDown();
    }

    /** From now on, counts how often {@code text} occurs in what clients send (within one read: for short texts). */
    public void count(String text) {
        counted.set(0);
        countedText = text;
    }

    /** How often the text of {@link #count} occurred since. */
    public int counted() {
        return counted.get();
    }

    /** Stops listening and drops every connection. */
    public synchronized void cut() throws IOException {
        server.close();
        for (Socket s : open) s.close();
        open.clear();
    }

    /** Listens on the same port again (nothing when it listens). */
    public synchronized void resume() throws IOException {
        if (!server.isClosed()) return;
        server = listen(port);
        accept(server);
    }

    @Override
    public void close() throws IOException {
        passAnswers();
        cut();
    }
}
