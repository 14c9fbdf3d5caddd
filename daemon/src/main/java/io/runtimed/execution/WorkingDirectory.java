package io.runtimed.execution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** KERNELS.md §5.4: where a notebook's kernel runs. */
final class WorkingDirectory {
    private WorkingDirectory() {
    }

    /**
     * The notebook's directory when {@code notebookPath} (else the id) is an absolute path whose
     * parent exists (§1.1 (ours): only absolute ids are files); else {@code ~/notebooks}, created if
     * missing; else the temporary directory.
     */
    static Path forNotebook(String notebookPath, String notebookId) {
        for (String candidate : new String[] {notebookPath, notebookId}) {
            if (candidate == null || candidate.isEmpty()) {
                continue;
            }
            try {
                Path p = Path.of(candidate);
                if (p.isAbsolute() && p.getParent() != null && Files.isDirectory(p.getParent())) {
                    return p.getParent();
                }
            } catch (RuntimeException e) {
                // not a path on this system
            }
        }
        Path notebooks = Path.of(System.getProperty("user.home"), "notebooks");
        try {
            Files.createDirectories(notebooks);
            return notebooks;
        } catch (IOException e) {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }
    }
}
