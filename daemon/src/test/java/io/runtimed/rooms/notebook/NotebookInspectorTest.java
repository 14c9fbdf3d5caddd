package io.runtimed.rooms.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the not-found error quotes the path: Rust's {@code {:?}} (KERNELS.md §11.1). */
class NotebookInspectorTest {
    @Test
    void pathsAreQuotedAsRustsDebugFormatQuotesThem() {
        assertThat(NotebookInspector.debugQuoted("/a/b.automerge")).isEqualTo("\"/a/b.automerge\"");
        assertThat(NotebookInspector.debugQuoted("/a \"q\"\\b")).isEqualTo("\"/a \\\"q\\\"\\\\b\"");
        assertThat(NotebookInspector.debugQuoted("t\tn\nr\r0\u0000e\u001b")).isEqualTo("\"t\\tn\\nr\\r0\\0e\\u{1b}\"");
        assertThat(NotebookInspector.debugQuoted("été 🌍 '")).isEqualTo("\"été 🌍 '\"");
    }
}
