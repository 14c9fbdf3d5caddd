package io.runtimed.execution;

import io.runtimed.kernel.RunningKernel;
import io.runtimed.protocol.EnvType;

/** A kernel that answered its {@code kernel_info_request}, not yet bound to a room. */
record StartedKernel(RunningKernel kernel, KernelEnvironment environment, EnvType envType, ListenerSwitch events) {

    /** Stops the kernel (if it still runs) and deletes its environment. */
    void discard() {
        kernel.shutdown();
        environment.delete();
    }
}
