package io.runtimed.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.runtimed.tools.ToolSearchPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** DAEMON.md §10: the three service definitions, text for text. */
class ServiceDefinitionsTest {
    @TempDir
    Path dir;

    @Nested
    class SystemdUserUnit {
        @Test
        void isTheSpecsUnitForTheInstalledBinary() {
            assertThat(SystemdUnit.render(Path.of("/home/alice/.local/share/runt/bin/runtimed"))).isEqualTo("""
                    [Unit]
                    Description=runtimed - Jupyter Runtime Daemon
                    After=network.target

                    [Service]
                    Type=simple
                    ExecStart=/home/alice/.local/share/runt/bin/runtimed
                    Restart=on-failure
                    RestartSec=5
                    Environment=PATH=/usr/local/bin:/usr/bin:/bin

                    [Install]
                    WantedBy=default.target
                    """);
        }

        /** systemd's own parser: bin/test installs systemd, so systemd-analyze is there on every test machine. */
        @Test
        void passesSystemdAnalyzeVerify() throws Exception {
            needsSystemdAnalyze();
            Path binary = executable(dir.resolve("bin").resolve("runtimed"));
            Path unit = dir.resolve("runtimed.service");
            Files.writeString(unit, SystemdUnit.render(binary));

            Result r = systemdAnalyzeVerify(unit);

            assertThat(r.exit).as("systemd-analyze verify --user said:\n%s", r.output).isZero();
            assertThat(r.output).isBlank();
        }

        @Test
        void quotesABinaryPathWithSpacesForSystemd() throws Exception {
            needsSystemdAnalyze();
            Path binary = executable(dir.resolve("Jo Smith").resolve("bin").resolve("runtimed"));

            String unit = SystemdUnit.render(binary);

            assertThat(unit).contains("\nExecStart=\"" + binary + "\"\n");
            Path file = dir.resolve("runtimed.service");
            Files.writeString(file, unit);
            Result r = systemdAnalyzeVerify(file);
            assertThat(r.exit).as("systemd-analyze verify --user said:\n%s", r.output).isZero();
        }

        /** Unquoted, systemd would run "/…/Jo" with "Smith/bin/runtimed" as its argument. */
        @Test
        void systemdAnalyzeRejectsTheSamePathUnquoted() throws Exception {
            needsSystemdAnalyze();
            Path binary = executable(dir.resolve("Jo Smith").resolve("bin").resolve("runtimed"));
            Path file = dir.resolve("runtimed.service");
            Files.writeString(file, SystemdUnit.render(binary).replace("\"" + binary + "\"", binary.toString()));

            assertThat(systemdAnalyzeVerify(file).exit).isNotZero();
        }

        /** The check above can fail: the same verifier rejects a unit whose binary does not exist. */
        @Test
        void systemdAnalyzeRejectsAUnitWhoseBinaryIsMissing() throws Exception {
            needsSystemdAnalyze();
            Path unit = dir.resolve("runtimed.service");
            Files.writeString(unit, SystemdUnit.render(dir.resolve("no-such-runtimed")));

            Result r = systemdAnalyzeVerify(unit);

            assertThat(r.exit).isNotZero();
            assertThat(r.output).contains("no-such-runtimed");
        }

        /**
         * Fails at once, in testkit's SystemPackages words, when systemd-analyze is not on PATH. The
         * testkit itself is out of reach here: it depends on this module.
         */
        private static void needsSystemdAnalyze() {
            if (ToolSearchPath.of(System.getenv(), null, List.of()).find("systemd-analyze").isPresent()) {
                return;
            }
            fail("needs Debian package systemd (install it with: sudo apt-get install systemd, or run bin/test)");
        }

        private Result systemdAnalyzeVerify(Path unit) throws Exception {
            Path runtime = Files.createDirectories(dir.resolve("xdg-runtime"));
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
            Path out = dir.resolve("verify.out");
            ProcessBuilder pb = new ProcessBuilder("systemd-analyze", "verify", "--user", unit.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            // the user manager's runtime directory; in a container there is none unless we give one
            pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            Process p = pb.start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
            return new Result(p.exitValue(), Files.readString(out));
        }
    }

    record Result(int exit, String output) {
    }

    @Nested
    class LaunchdAgentPlist {
        @Test
        void isTheSpecsPlist() {
            String plist = LaunchdPlist.render(Path.of("/Users/alice/Library/Application Support/runt/bin/runtimed"),
                    Path.of("/Users/alice/Library/Caches/runt/runtimed.log"));
            assertThat(plist).isEqualTo("""
                    <?xml version="1.0" encoding="UTF-8"?>
                    <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                    <plist version="1.0">
                    <dict>
                        <key>Label</key>
                        <string>io.runtimed</string>
                        <key>ProgramArguments</key>
                        <array>
                            <string>/Users/alice/Library/Application Support/runt/bin/runtimed</string>
                        </array>
                        <key>RunAtLoad</key>
                        <true/>
                        <key>KeepAlive</key>
                        <dict>
                            <key>Crashed</key>
                            <true/>
                        </dict>
                        <key>StandardOutPath</key>
                        <string>/Users/alice/Library/Caches/runt/runtimed.log</string>
                        <key>StandardErrorPath</key>
                        <string>/Users/alice/Library/Caches/runt/runtimed.log</string>
                        <key>EnvironmentVariables</key>
                        <dict>
                            <key>PATH</key>
                            <string>/usr/local/bin:/usr/bin:/bin:/opt/homebrew/bin</string>
                        </dict>
                    </dict>
                    </plist>
                    """);
        }

        @Test
        void staysWellFormedXmlForAHomeWithMarkupCharacters() throws Exception {
            String plist = LaunchdPlist.render(Path.of("/Users/a&b<c>/runt/bin/runtimed"), Path.of("/Users/a&b<c>/log"));

            Element top = parse(plist);
            Element array = (Element) top.getElementsByTagName("array").item(0);
            assertThat(array.getElementsByTagName("string").item(0).getTextContent())
                    .isEqualTo("/Users/a&b<c>/runt/bin/runtimed");
        }

        private Element parse(String xml) throws Exception {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            NodeList dicts = d.getDocumentElement().getChildNodes();
            for (int i = 0; i < dicts.getLength(); i++) {
                if (dicts.item(i).getNodeType() == Node.ELEMENT_NODE) {
                    return (Element) dicts.item(i);
                }
            }
            throw new AssertionError("no dict in " + xml);
        }
    }

    @Nested
    class WindowsStartupScript {
        @Test
        void launchesTheQuotedBinaryHiddenWithoutWaiting() {
            assertThat(WindowsStartup.render(Path.of("C:\\Users\\Alice Smith\\AppData\\Local\\runt\\bin\\runtimed.exe")))
                    .isEqualTo("Set WshShell = CreateObject(\"WScript.Shell\")\r\n"
                            + "WshShell.Run \"\"\"C:\\Users\\Alice Smith\\AppData\\Local\\runt\\bin\\runtimed.exe\"\"\", 0, False\r\n");
        }
    }

    private static Path executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
