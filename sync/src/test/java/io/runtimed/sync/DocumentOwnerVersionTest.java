package io.runtimed.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.sync.notebook.NotebookDoc;
import org.automerge.Document;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link DocumentOwner#version()}: one step per change that happened, none for anything else. */
class DocumentOwnerVersionTest {
    final Replicas replicas = new Replicas();
    final DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh("nb"));

    @AfterEach
    void free() {
        owner.close();
        replicas.close();
    }

    long version() {
        return owner.read(r -> owner.version());
    }

    long structureVersion() {
        return owner.read(r -> owner.structureVersion());
    }

    @Test
    void aCommittedChangeIsOneStepAndAnEditThatWritesNothingIsNone() {
        long start = version();
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "c1", "code", false));
        assertThat(version()).isEqualTo(start + 1);

        owner.changeEventually(tx -> NotebookDoc.updateSource(tx, "c1", "x = 1"));
        assertThat(version()).isEqualTo(start + 2);

        assertThat(owner.change(tx -> { })).isFalse();
        assertThat(version()).as("nothing committed").isEqualTo(start + 2);
    }

    @Test
    void anEditThatThrowsIsRolledBackAndStillCounts() {
        long start = version();
        try {
            owner.change(tx -> {
                NotebookDoc.addCell(tx, 0, "c1", "code", false);
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        assertThat(version()).as("counted: nobody may trust what it saw before").isEqualTo(start + 1);
        assertThat(owner.read(NotebookDoc::cells)).isEmpty();
    }

    @Test
    void aReceivedChangeIsOneStepAndAMessageThatChangesNothingIsNone() {
        Document peer = replicas.empty();
        SyncState peerState = replicas.track(NativeHandles.newSyncState());
        SyncState ownerState = replicas.track(NativeHandles.newSyncState());
        long start = version();

        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
        long afterHello = version();
        assertThat(afterHello).as("an empty peer brings nothing").isEqualTo(start);

        try (var tx = peer.startTransaction()) {
            NotebookDoc.addCell(tx, 0, "p1", "code", false);
            tx.commit();
        }
        long structureBefore = structureVersion();
        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
        assertThat(version()).as("the peer's cell arrived in one step").isEqualTo(afterHello + 1);
        assertThat(structureVersion()).as("a peer's change moves the structure too")
                .isEqualTo(structureBefore + 1);

        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
        assertThat(version()).as("acknowledgements change nothing").isEqualTo(afterHello + 1);
    }

    /** Work on the raw document and a receive that failed half way: both may have changed anything. */
    @Test
    void rawDocumentWorkAndAFailedReceiveMoveTheStructureToo() {
        long start = structureVersion();
        owner.withDocument(Document::getHeads);
        assertThat(structureVersion()).isEqualTo(start + 1);
        SyncState state = replicas.track(NativeHandles.newSyncState());
        assertThatThrownBy(() -> owner.receive(state, new byte[] {0x42, 1, 2, 3})).isInstanceOf(SyncMessageException.class);
        assertThat(structureVersion()).isEqualTo(start + 2);
    }

    @Test
    void isOnlyReadUnderTheLock() {
        assertThatThrownBy(owner::version).isInstanceOf(IllegalStateException.class);
    }
}
