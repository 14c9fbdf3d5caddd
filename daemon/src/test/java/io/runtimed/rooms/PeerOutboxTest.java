package io.runtimed.rooms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.sync.DocumentOwner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The order a peer's sender writes in, step by step with {@link PeerOutbox#poll()}. */
class PeerOutboxTest {
    final PeerOutbox outbox = new PeerOutbox(3);

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static DocumentOwner.Outgoing message(String name) {
        return new DocumentOwner.Outgoing(bytes(name), 0);
    }

    /** What the sender does until there is nothing left, as names: sync messages, frames, GENERATE… */
    List<String> drain() {
        List<String> steps = new ArrayList<>();
        PeerOutbox.Step next;
        while ((next = outbox.poll()) != null) {
            if (next instanceof PeerOutbox.SyncWrite s) {
                steps.add(new String(s.message().message(), StandardCharsets.UTF_8));
            } else if (next instanceof PeerOutbox.FrameWrite f) {
                steps.add(new String(f.frame(), StandardCharsets.UTF_8));
            } else {
                steps.add(next.toString());
                if (next == PeerOutbox.Catch.STOP) {
                    break;
                }
            }
        }
        return steps;
    }

    @Test
    void aChangeIsGeneratedBeforeTheBroadcastsWaitingAndItsMessageGoesFirst() {
        outbox.addBroadcast(bytes("b1"));
        outbox.addBroadcast(bytes("b2"));
        outbox.changed();
        assertThat(outbox.poll()).isEqualTo(PeerOutbox.Catch.GENERATE);
        outbox.addSync(message("m1"), true);
        assertThat(drain()).containsExactly("m1", "b1", "b2");
    }

    @Test
    void aMessageThatMustWaitForTheDiskStaysBehindTheBroadcasts() {
        outbox.addBroadcast(bytes("b1"));
        outbox.addSync(message("edit"), false);
        outbox.addBroadcast(bytes("b2"));
        outbox.addSync(message("output"), true);
        assertThat(drain()).containsExactly("b1", "edit", "output", "b2");
    }

    @Test
    void neverAheadOfAResponseOrAnEarlierMessage() {
        outbox.addSync(message("m1"), true);
        outbox.addResponse(bytes("r1"));
        outbox.addBroadcast(bytes("b1"));
        outbox.addSync(message("m2"), true);
        assertThat(drain()).containsExactly("m1", "r1", "m2", "b1");
    }

    @Test
    void eachBroadcastIsOvertakenOnceAtMost() {
        outbox.addBroadcast(bytes("b1"));
        outbox.changed();
        assertThat(outbox.poll()).isEqualTo(PeerOutbox.Catch.GENERATE);
        outbox.addSync(message("m1"), true);
        assertThat(((PeerOutbox.SyncWrite) outbox.poll()).message().message()).isEqualTo(bytes("m1"));
        // more changes keep coming: b1 was generated ahead of once, so it goes now
        outbox.changed();
        outbox.addSync(message("reply"), true); // a reply the reader generated meanwhile
        assertThat(drain()).containsExactly("b1", "reply", "GENERATE");

        // a broadcast a queued message went ahead of is not overtaken by the next one
        outbox.addBroadcast(bytes("b2"));
        outbox.addSync(message("m2"), true);
        outbox.addSync(message("m3"), true);
        outbox.changed();
        assertThat(drain()).containsExactly("m2", "GENERATE", "b2", "m3");
    }

    @Test
    void aLaggingPeerMissesBroadcastsAndIsToldToCatchUpOnceItDrained() {
        for (int i = 1; i <= 5; i++) {
            outbox.addBroadcast(bytes("b" + i));
        }
        outbox.addResponse(bytes("r1"));
        assertThat(drain()).containsExactly("b1", "b2", "b3", "r1", "CATCH_UP");
        outbox.addBroadcast(bytes("b6"));
        assertThat(drain()).as("room for broadcasts again").containsExactly("b6");
    }

    @Test
    void aLeavingPeerStopsAndQueuesNothingMore() {
        outbox.addBroadcast(bytes("b1"));
        outbox.stop();
        outbox.addBroadcast(bytes("b2"));
        outbox.addResponse(bytes("r1"));
        assertThat(drain()).containsExactly("STOP");
    }

    @Test
    void takeWaitsForSomethingToDo() throws Exception {
        AtomicReference<PeerOutbox.Step> taken = new AtomicReference<>();
        Thread sender = new Thread(() -> taken.set(outbox.take()), "test-sender");
        sender.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.getState() == Thread.State.WAITING);
        assertThat(taken.get()).isNull();
        outbox.changed();
        sender.join(10_000);
        assertThat(taken.get()).isEqualTo(PeerOutbox.Catch.GENERATE);
    }
}
