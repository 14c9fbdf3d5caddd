package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.paths.AtomicFiles;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.automerge.ChangeHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A path-backed room's base, kept next to its document ({@code <sha256>.file-base.json} in
 * notebook-docs) so that it outlives the daemon: the SHA-256 of the {@code .ipynb} file when the
 * room last loaded or saved it, and the document's heads then. At the next open it tells which side
 * changed while the daemon was away: the file (reload it), the document (save it), or both
 * (conflict).
 */
record FileBase(String fileHash, List<String> heads) {
    private static final Logger LOG = LoggerFactory.getLogger(FileBase.class);

    static List<String> hex(List<ChangeHash> heads) {
        List<String> out = new ArrayList<>();
        for (ChangeHash h : heads) {
            out.add(HexFormat.of().formatHex(h.getBytes()));
        }
        out.sort(null);
        return out;
    }

    /** The record for {@code documentFile} ({@code <sha256>.automerge}). */
    static Path pathFor(Path documentFile) {
        String name = documentFile.getFileName().toString();
        String stem = name.endsWith(".automerge") ? name.substring(0, name.length() - ".automerge".length()) : name;
        return documentFile.resolveSibling(stem + ".file-base.json");
    }

    static Optional<FileBase> read(Path record) {
        try {
            JsonNode n = Json.MAPPER.readTree(Files.readAllBytes(record));
            List<String> heads = new ArrayList<>();
            n.path("heads").forEach(h -> heads.add(h.asText()));
            return n.path("file_hash").isTextual() ? Optional.of(new FileBase(n.get("file_hash").asText(), heads))
                    : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("ignoring {}: {}", record, e.getMessage());
            return Optional.empty();
        }
    }

    void write(Path record) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("file_hash", fileHash);
        heads.forEach(n.putArray("heads")::add);
        try {
            AtomicFiles.write(record, Json.compact(n));
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", record, e.getMessage());
        }
    }
}
