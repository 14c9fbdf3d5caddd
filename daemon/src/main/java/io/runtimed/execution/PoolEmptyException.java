package io.runtimed.execution;

import io.runtimed.protocol.EnvType;

/** No environment of the wanted type was available (KERNELS.md §2: "UV pool empty - no environment available"). */
public final class PoolEmptyException extends Exception {
    private final EnvType type;

    public PoolEmptyException(EnvType type) {
        super((type == EnvType.CONDA ? "Conda" : "UV") + " pool empty - no environment available");
        this.type = type;
    }

    public EnvType type() {
        return type;
    }
}
