package io.runtimed.execution;

import io.runtimed.kernel.RunningKernel;
import io.runtimed.protocol.EnvType;

/**
 * A kernel that answered its {@code kernel_info_request}, not yet bound to a room.
 * {@code afterFirstCell} runs once its room's first cell has finished (the kernel pool waits for it
 * before it starts a replacement, so the two do not compete for the CPU).
 */
record StartedKernel(RunningKernel kernel, KernelEnvironment environment, EnvType envType, ListenerSwitch events,
                     Runnable afterFirstCell) {

    StartedKernel(RunningKernel kernel, KernelEnvironment environment, EnvType envType, ListenerSwitch events) {
        this(kernel, environment, envType, events, () -> { });
    }

    StartedKernel withAfterFirstCell(Runnable action) {
        return new StartedKernel(kernel, environment, envType, events, action);
    }

    /** Stops the kernel (if it still runs) and deletes its environment. */
    void discard() {
        kernel.shutdown();
        environment.delete();
    }
}
