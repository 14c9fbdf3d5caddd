package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.tools.DetectedBackend;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StepFailedException;
import java.nio.file.Path;
import java.util.Optional;

/** No tool to build this pool's environments; the pool stays empty and status says why. */
public final class UnavailableBackend implements EnvBackend {
    private final EnvType type;
    private final String reason;

    public UnavailableBackend(EnvType type, String reason) {
        this.type = type;
        this.reason = reason;
    }

    @Override
    public EnvType type() {
        return type;
    }

    @Override
    public String describe() {
        return DetectedBackend.Kind.UNAVAILABLE.describe(null);
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.of(reason);
    }

    @Override
    public void create(Path dir, PoolSettings settings, ProcessRunner runner) throws StepFailedException {
        throw new StepFailedException(reason);
    }

    @Override
    public String warmupScript() {
        return "";
    }
}
