package io.runtimed.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The heads an owner hands its journal with each change are the document's heads at that moment. */
class DocumentOwnerJournalTest {
    final Replicas replicas = new Replicas();
    final DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh("nb"));
    /** Per staged change: the heads handed over, and the document's own heads then (hex). */
    final List<String[]> staged = new ArrayList<>();

    @AfterEach
    void free() {
        owner.close();
        replicas.close();
    }

    static String hex(ChangeHash[] heads) {
        StringBuilder s = new StringBuilder();
        for (ChangeHash h : heads) {
            for (byte b : h.getBytes()) {
                s.append(String.format("%02x", b));
            }
            s.append(' ');
        }
        return s.toString();
    }

    /**
     * A local change made while the document had two heads (the peer's change and ours, concurrent)
     * leaves one head: the change itself. Received changes hand over what the receive left.
     */
    @Test
    void localAndReceivedChangesHandOverTheDocumentsHeads() {
        owner.attachJournal((doc, heads) -> {
            staged.add(new String[] {hex(heads), hex(doc.getHeads())});
            return staged.size();
        });
        Document peer = replicas.empty();
        SyncState peerState = replicas.track(NativeHandles.newSyncState());
        SyncState ownerState = replicas.track(NativeHandles.newSyncState());
        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);

        for (int round = 0; round < 5; round++) {
            String id = "c" + round;
            owner.change(tx -> NotebookDoc.addCell(tx, 0, id, "code", false));
            try (var tx = peer.startTransaction()) {
                NotebookDoc.addCell(tx, 0, "p" + round, "code", false);
                tx.commit();
            }
            Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
            int headsAfterMerge = owner.read(d -> d.getHeads().length);
            assertThat(headsAfterMerge).as("two concurrent changes: two heads").isEqualTo(2);
            owner.changeEventually(tx -> NotebookDoc.updateSource(tx, id, "x = " + id));
        }

        assertThat(staged).hasSizeGreaterThanOrEqualTo(15);
        for (String[] s : staged) {
            assertThat(s[0]).isEqualTo(s[1]);
        }
    }

    /**
     * An outputs-only change reaches the journal at {@link DocumentOwner#stageDeferred} (after the
     * peers' messages), with the heads it left; a change or receive before that takes it along, and
     * a later stageDeferred then hands over nothing twice.
     */
    @Test
    void anOutputsOnlyChangeIsStagedWhenAskedOrWithTheNextChange() {
        owner.attachJournal((doc, heads) -> {
            staged.add(new String[] {hex(heads), hex(doc.getHeads())});
            return staged.size();
        });
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
        assertThat(staged).hasSize(1);

        owner.changeOutputsOnly(tx -> NotebookDoc.setExecutionCount(tx, "c", "1"));
        assertThat(staged).as("not on the change's way to the peers").hasSize(1);
        owner.stageDeferred();
        assertThat(staged).hasSize(2);
        assertThat(staged.get(1)[0]).as("the heads the change left").isEqualTo(owner.read(d -> hex(d.getHeads())));
        owner.stageDeferred();
        assertThat(staged).as("staged once").hasSize(2);

        owner.changeOutputsOnly(tx -> NotebookDoc.setExecutionCount(tx, "c", "2"));
        owner.change(tx -> NotebookDoc.updateSource(tx, "c", "x"));
        assertThat(staged).as("the next change took it along").hasSize(3);
        owner.stageDeferred();
        assertThat(staged).as("nothing left to stage").hasSize(3);

        Document peer = replicas.empty();
        SyncState peerState = replicas.track(NativeHandles.newSyncState());
        SyncState ownerState = replicas.track(NativeHandles.newSyncState());
        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
        int beforeReceive = staged.size();
        owner.changeOutputsOnly(tx -> NotebookDoc.setExecutionCount(tx, "c", "3"));
        try (var tx = peer.startTransaction()) {
            NotebookDoc.addCell(tx, 1, "p", "code", false);
            tx.commit();
        }
        Replicas.exchangeUntilQuiet(owner, peer, peerState, ownerState);
        assertThat(staged).as("a receive that changed the document took it along").hasSize(beforeReceive + 1);
        owner.stageDeferred();
        assertThat(staged).hasSize(beforeReceive + 1);
        for (String[] s : staged) {
            assertThat(s[0]).isEqualTo(s[1]);
        }
    }

    /** Without a journal there is nothing to defer (a window's replica). */
    @Test
    void withoutAJournalStageDeferredDoesNothing() {
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
        owner.changeOutputsOnly(tx -> NotebookDoc.setExecutionCount(tx, "c", "1"));
        owner.stageDeferred();
        owner.attachJournal((doc, heads) -> {
            staged.add(new String[] {hex(heads), hex(doc.getHeads())});
            return staged.size();
        });
        owner.stageDeferred();
        assertThat(staged).isEmpty();
    }
}
