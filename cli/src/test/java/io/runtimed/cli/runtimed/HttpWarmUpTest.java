package io.runtimed.cli.runtimed;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.testkit.JavaProcess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** doctor's warm-up thread: the JDK's http URL handler and connection class are set up by it, without a connection. */
class HttpWarmUpTest {

    @Test
    void theHttpClassesAreSetUpBeforeTheCheckNeedsThem() throws Exception {
        List<String> cmd = List.of(JavaProcess.javaBinary().toString(), "-Xlog:class+load", "-cp", JavaProcess.classPath(),
                Probe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        int warmed = out.indexOf("probe: warmed");
        assertThat(warmed).as("the probe ran:\n%s", out).isPositive();
        String before = out.substring(0, warmed);
        assertThat(before).contains("java.net.spi.URLStreamHandlerProvider") // the search, done here
                .contains("sun.net.www.protocol.http.Handler")
                .contains("sun.net.www.protocol.http.HttpURLConnection")
                .doesNotContain("sun.net.www.http.HttpClient"); // what a connection would have needed
    }

    /** Runs in a JVM of its own. */
    public static final class Probe {
        public static void main(String[] args) {
            HttpWarmUp.run();
            System.out.println("probe: warmed");
        }
    }
}
