package io.runtimed.cli.runtimed.doctor;

import io.runtimed.protocol.DaemonInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
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
    public CheckResult run() throws InterruptedException {
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

    /** Null when the server answers 200 "OK", else what went wrong. */
    private static String ask(URI health) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
        HttpRequest request = HttpRequest.newBuilder(health).timeout(ANSWER_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && response.body().equals("OK")) {
                return null;
            }
            return "answers " + response.statusCode() + " \"" + abbreviate(response.body()) + "\", not 200 \"OK\"";
        } catch (HttpConnectTimeoutException e) {
            return "does not accept a connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
        } catch (HttpTimeoutException e) {
            return "does not answer within " + ANSWER_TIMEOUT.toSeconds() + " s";
        } catch (ConnectException e) {
            return "refuses the connection: nothing listens on port " + health.getPort();
        } catch (IOException e) {
            return "fails: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "…";
    }
}
