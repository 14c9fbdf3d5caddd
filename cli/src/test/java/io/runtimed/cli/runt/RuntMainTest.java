package io.runtimed.cli.runt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which runt commands start loading Automerge's native library at once (issue 16). */
class RuntMainTest {
    @Test
    void commandsThatSyncADocumentLoadAutomergeEarly() {
        assertThat(RuntMain.syncsDocuments(new String[] {"settings", "list"})).isTrue();
        assertThat(RuntMain.syncsDocuments(new String[] {"exec", "nb", "1+1"})).isTrue();
        assertThat(RuntMain.syncsDocuments(new String[] {"kernel", "status", "nb"})).isTrue();
        assertThat(RuntMain.syncsDocuments(new String[] {"notebook", "show", "nb"})).isTrue();
    }

    @Test
    void commandsThatDoNotSyncADocumentDoNot() {
        assertThat(RuntMain.syncsDocuments(new String[] {"pool", "ping"})).isFalse();
        assertThat(RuntMain.syncsDocuments(new String[] {"notebook", "list"})).isFalse();
        assertThat(RuntMain.syncsDocuments(new String[] {"--version"})).isFalse();
        assertThat(RuntMain.syncsDocuments(new String[] {})).isFalse();
    }
}
