package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;

// TEMPORARY STUB: replaced by the nbjson branch
public final class NbformatJson {
    public static ObjectNode read(byte[] bytes) throws NotebookFileException {
        try {
            return (ObjectNode) Json.MAPPER.readTree(bytes);
        } catch (Exception e) {
            throw new NotebookFileException("not JSON: " + e.getMessage());
        }
    }

    public static String write(ObjectNode notebook) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(notebook) + "\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
