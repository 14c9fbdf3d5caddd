package io.runtimed.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A uv for benches on machines without one: {@code uv venv DIR} builds a real venv with Debian's
 * python3 and its site-packages (python3-ipykernel), {@code uv pip install} accepts and does
 * nothing (there is no network), so a pool fills in a fraction of a second per environment.
 */
final class StandInUv {
    static final String PYTHON = "/usr/bin/python3";

    private StandInUv() {
    }

    /** Writes the stand-in as {@code dir/uv} and returns its path. */
    static Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path uv = dir.resolve("uv");
        Files.writeString(uv, """
                #!/bin/sh
                case "$1" in
                  --version) echo "uv 0.0.0 (bench stand-in)";;
                  venv) for a; do dir="$a"; done; exec %s -m venv --without-pip --system-site-packages "$dir";;
                  pip) exit 0;;
                  *) exit 3;;
                esac
                """.formatted(PYTHON), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(uv, PosixFilePermissions.fromString("rwxr-xr-x"));
        return uv;
    }
}
