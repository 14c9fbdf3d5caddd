package io.runtimed.kernel;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;

/**
 * What a kernel's connection file says (KERNELS.md §5.5): where its five sockets listen and the
 * key that signs every message. The property order is the file's key order.
 */
@JsonPropertyOrder({"ip", "transport", "shell_port", "iopub_port", "stdin_port", "control_port", "hb_port",
        "key", "signature_scheme", "kernel_name"})
public record ConnectionInfo(String ip, String transport, int shellPort, int iopubPort, int stdinPort,
                             int controlPort, int hbPort, String key, String signatureScheme, String kernelName) {

    static final String LOCALHOST = "127.0.0.1";

    /**
     * Reserves five ports on 127.0.0.1 in the reference's order (stdin, control, hb, shell, iopub)
     * and a fresh key. A port may be taken by someone else before the kernel binds it; the
     * launcher retries once when that happens (§5.5 (ours)).
     */
    public static ConnectionInfo reserve(String kernelName) {
        int[] ports = freePorts(5);
        return withPorts(kernelName, ports);
    }

    /** ports in the order stdin, control, hb, shell, iopub. */
    static ConnectionInfo withPorts(String kernelName, int[] ports) {
        return new ConnectionInfo(LOCALHOST, "tcp", ports[3], ports[4], ports[0], ports[1], ports[2],
                UUID.randomUUID().toString(), "hmac-sha256", kernelName);
    }

    static int[] freePorts(int n) {
        int[] ports = new int[n];
        try {
            InetAddress loopback = InetAddress.getByName(LOCALHOST);
            for (int i = 0; i < n; i++) {
                try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
                    ports[i] = s.getLocalPort();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reserve a port on " + LOCALHOST, e);
        }
        return ports;
    }

    /** {@code tcp://127.0.0.1:<port>} for ZeroMQ. */
    String endpoint(int port) {
        return transport + "://" + ip + ":" + port;
    }
}
