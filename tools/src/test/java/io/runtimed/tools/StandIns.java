package io.runtimed.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stand-in executables for tools that cannot be installed on the test machines (uv, micromamba,
 * mamba, conda). Each records every invocation (one line: epoch millis, then the arguments,
 * tab-separated) and builds a REAL virtualenv with Debian's /usr/bin/python3 and its system
 * site-packages (python3-ipykernel), so the daemon's warm-up and import checks run for real.
 */
public final class StandIns {
    public static final String PYTHON = "/usr/bin/python3";

    private final Path bin;
    private final Path record;

    public StandIns(Path dir) throws IOException {
        this.bin = Files.createDirectories(dir.resolve("bin"));
        this.record = dir.resolve("invocations.tsv");
        Files.createFile(record);
    }

    public Path bin() {
        return bin;
    }

    /** A uv that builds a venv for {@code uv venv DIR} and accepts {@code uv pip install}. */
    public Path uv() throws IOException {
        return write("uv", """
                case "$1" in
                  --version) echo "uv 0.0.0 (stand-in)";;
                  venv) for a; do dir="$a"; done; exec %s -m venv --without-pip --system-site-packages "$dir";;
                  pip) [ -n "$STANDIN_BLOCK" ] && while [ ! -e "$STANDIN_BLOCK" ]; do sleep 0.05; done; exit 0;;
                  *) exit 3;;
                esac
                """.formatted(PYTHON));
    }

    /** A uv whose --version works but whose every build step fails. */
    public Path failingUv() throws IOException {
        return write("uv", """
                case "$1" in
                  --version) echo "uv 0.0.0 (stand-in)";;
                  *) echo "error: no network (stand-in)" >&2; exit 2;;
                esac
                """);
    }

    /**
     * A uv whose --version works and whose every build step waits until {@code gate} exists, then
     * prints {@code stderr} to stderr and fails: a test decides when the pool starts failing and
     * what uv said (KERNELS.md §11.2's package patterns).
     */
    public Path uvFailingOnceOpen(Path gate, String stderr) throws IOException {
        return write("uv", """
                case "$1" in
                  --version) echo "uv 0.0.0 (stand-in)";;
                  *) while [ ! -e '%s' ]; do sleep 0.05; done
                     cat >&2 <<'STANDIN_EOF'
                %s
                STANDIN_EOF
                     exit 2;;
                esac
                """.formatted(gate, stderr));
    }

    /** A conda-family tool: {@code create -y -p DIR ...} builds a venv at DIR. */
    public Path condaTool(String name) throws IOException {
        return write(name, """
                case "$1" in
                  --version) echo "%s 0.0.0 (stand-in)";;
                  create) dir=""; prev=""; for a; do [ "$prev" = "-p" ] && dir="$a"; prev="$a"; done
                          exec %s -m venv --without-pip --system-site-packages "$dir";;
                  *) exit 3;;
                esac
                """.formatted(name, PYTHON));
    }

    /** A python3 for the venv fallback: the real interpreter, recorded. */
    public Path python3() throws IOException {
        return write("python3", "exec " + PYTHON + " \"$@\"\n");
    }

    private Path write(String name, String body) throws IOException {
        Path p = bin.resolve(name);
        String script = "#!/bin/sh\n"
                + "{ printf '%s' \"$(date +%s%3N)\"; for a; do printf '\\t%s' \"$a\"; done; printf '\\n'; } >> '"
                + record + "'\n"
                + "echo $$ > '" + bin.resolve(name + ".pid") + "'\n"
                + body;
        Files.writeString(p, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** Every recorded invocation: element 0 is the time in millis, the rest are the arguments. */
    public List<List<String>> invocations() throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (String line : Files.readAllLines(record, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(new ArrayList<>(Arrays.asList(line.split("\t", -1))));
            }
        }
        return out;
    }

    /** The argument lists of invocations whose first argument is {@code verb}. */
    public List<List<String>> calls(String verb) throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (List<String> inv : invocations()) {
            if (inv.size() > 1 && inv.get(1).equals(verb)) {
                out.add(inv.subList(1, inv.size()));
            }
        }
        return out;
    }

    /** The times (millis) of invocations whose first argument is {@code verb}. */
    public List<Long> times(String verb) throws IOException {
        List<Long> out = new ArrayList<>();
        for (List<String> inv : invocations()) {
            if (inv.size() > 1 && inv.get(1).equals(verb)) {
                out.add(Long.parseLong(inv.get(0)));
            }
        }
        return out;
    }
}
