/**
 * Jupyter kernels as the daemon runs them (KERNELS.md §5).
 *
 * <ul>
 *   <li>{@link io.runtimed.kernel.KernelLauncher} starts one: {@link io.runtimed.kernel.ConnectionFile}
 *       (0600 in a 0700 directory), the process through setsid in its own group, output to a log,
 *       a {@link io.runtimed.kernel.KernelRegistry} entry, the kernel_info handshake.</li>
 *   <li>{@link io.runtimed.kernel.RunningKernel} is the handle: execute, request, sendShell,
 *       interrupt, shutdown; deaths are reported once through {@link io.runtimed.kernel.KernelListener}.</li>
 *   <li>{@code KernelIo} owns the ZeroMQ sockets on one thread per kernel; {@code WireCodec} and
 *       {@code MessageSigner} are the wire format and its HMAC.</li>
 * </ul>
 *
 * <p>Threads per kernel: {@code kernel-<id8>-io} (sockets, heartbeat; never runs user code) and
 * {@code kernel-<id8>-events} (listener callbacks and request futures, in arrival order).
 */
package io.runtimed.kernel;
