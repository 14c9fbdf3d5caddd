package io.runtimed.cli.runt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import org.junit.jupiter.api.Test;

/** How {@code runt settings} reads values from the command line and prints settings. */
class SettingsCommandTest {
    @Test
    void aJsonArrayOfStringsIsAListForADottedKey() {
        assertThat(SettingsCommand.parseValue("uv.default_packages", "[\"numpy\", \"pandas\"]").toString())
                .isEqualTo("[\"numpy\",\"pandas\"]");
    }

    @Test
    void aListNeedsADottedKeyAndStringItems() {
        assertThatThrownBy(() -> SettingsCommand.parseValue("packages", "[\"x\"]")).hasMessageContaining("dotted");
        assertThatThrownBy(() -> SettingsCommand.parseValue("uv.default_packages", "[1]")).hasMessageContaining("strings");
        assertThatThrownBy(() -> SettingsCommand.parseValue("uv.default_packages", "[\"x\"")).hasMessageContaining("JSON array");
    }

    @Test
    void aJsonStringLiteralIsItsTextAndAnythingElseIsTakenAsItIs() {
        assertThat(SettingsCommand.parseValue("theme", "\"dark\"").textValue()).isEqualTo("dark");
        assertThat(SettingsCommand.parseValue("theme", "dark").textValue()).isEqualTo("dark");
        assertThat(SettingsCommand.parseValue("uv.python", "/usr/bin/python3").textValue()).isEqualTo("/usr/bin/python3");
        assertThat(SettingsCommand.parseValue("uv.note", "42").textValue()).isEqualTo("42");
        assertThat(SettingsCommand.parseValue("uv.note", "\"unterminated").textValue()).isEqualTo("\"unterminated");
    }

    @Test
    void listPrintsAlignedRowsWithListsCommaJoined() throws Exception {
        ObjectNode all = (ObjectNode) Json.MAPPER.readTree("""
                {"theme":"dark","default_runtime":"python","default_python_env":"uv",
                 "uv":{"default_packages":["numpy","pandas"],"python":"/usr/bin/python3"},"conda":{"default_packages":[]}}
                """);
        assertThat(SettingsCommand.humanList(all)).isEqualTo("""
                theme                   dark
                default_runtime         python
                default_python_env      uv
                uv.default_packages     numpy, pandas
                uv.python               /usr/bin/python3
                conda.default_packages
                """);
        assertThat(SettingsCommand.humanLine(all)).isEqualTo("theme=dark default_runtime=python default_python_env=uv "
                + "uv.default_packages=numpy,pandas uv.python=/usr/bin/python3 conda.default_packages=[]");
    }
}
