package io.runtimed.cli.runtimed.doctor;

import io.runtimed.protocol.DaemonInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * BLOBS.md §5–6: the blob HTTP server at daemon.json's {@code blob_port} answers
 * {@code GET /health} with 200 "OK". Checked whenever daemon.json names a live daemon, even one that
 * does not answer on its socket.
 */
final class BlobServerCheck implements Check {
    static final String NAME = "blob server";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(3);

    private final DaemonFacts facts;

    BlobServerCheck(DaemonFacts facts) {
        this.facts = facts;
    }

    @Override
    public CheckResult run() {
        if (facts.info().isEmpty()) {
            return CheckResult.skip(NAME, "no readable daemon.json to find the port in");
        }
        if (facts.liveDaemonPid().isEmpty()) {
            return CheckResult.skip(NAME, "daemon.json names no running daemon");
        }
        DaemonInfo info = facts.info().get();
        if (info.blobPort() == null) {
            // DAEMON.md §5 step 5: a server that fails to start is only logged
            return CheckResult.fail(NAME, "the daemon (pid " + info.pid() + ") runs without a blob server "
                            + "(daemon.json has no blob_port)",
                    "see why in the daemon's log (its terminal, the journal, or " + facts.paths().logFile()
                            + "), then " + Fixes.RESTART_DAEMON);
        }
        URI health = URI.create("http://127.0.0.1:" + info.blobPort() + "/health");
        String problem = ask(health);
        if (problem == null) {
            return CheckResult.ok(NAME, health + " answers OK");
        }
        return CheckResult.fail(NAME, health + " " + problem, Fixes.RESTART_DAEMON);
    }

    /**
     * Null when the server answers 200 "OK", else what went wrong. ({@code HttpURLConnection}, not
     * {@code java.net.http.HttpClient}: that one sets up TLS and reads every trusted certificate
     * when it is built, a second of a one-shot command, even for a plain {@code http://} request.)
     */
    private static String ask(URI health) {
        HttpURLConnection http = null;
        try {
            http = (HttpURLConnection) health.toURL().openConnection(Proxy.NO_PROXY);
            http.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            http.setReadTimeout((int) ANSWER_TIMEOUT.toMillis());
            http.setUseCaches(false);
            int status = http.getResponseCode();
            InputStream body = status >= 400 ? http.getErrorStream() : http.getInputStream();
            String text = body == null ? "" : new String(body.readNBytes(4096), StandardCharsets.UTF_8);
            if (status == 200 && text.equals("OK")) {
                return null;
            }
            return "answers " + status + " \"" + abbreviate(text) + "\", not 200 \"OK\"";
        } catch (SocketTimeoutException e) {
            return http != null && isConnectTimeout(e) ? "does not accept a connection within " + CONNECT_TIMEOUT.toSeconds() + " s"
                    : "does not answer within " + ANSWER_TIMEOUT.toSeconds() + " s";
        } catch (ConnectException e) {
            return "refuses the connection: nothing listens on port " + health.getPort();
        } catch (IOException e) {
            return "fails: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        } finally {
            if (http != null) {
                http.disconnect();
            }
        }
    }

    /** The JDK words a connect timeout "Connect timed out" and a read timeout "Read timed out". */
    private static boolean isConnectTimeout(SocketTimeoutException e) {
        return e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).startsWith("connect");
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "…";
    }
}
