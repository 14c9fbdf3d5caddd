package io.runtimed.outputs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * KERNELS.md §7.9: which Output widget captures the outputs of which request. A kernel update of
 * an {@code OutputModel}'s {@code state.msg_id} = M pushes the widget onto M's stack (taking it off
 * its previous stack first); an empty M or a comm_close takes it off. Not thread-safe: the
 * router's lock guards it.
 */
final class OutputCapture {
    private final Map<String, Deque<String>> stacks = new HashMap<>();
    private final Map<String, String> capturing = new HashMap<>();

    void capture(String commId, String msgId) {
        release(commId);
        if (msgId != null && !msgId.isEmpty()) {
            stacks.computeIfAbsent(msgId, k -> new ArrayDeque<>()).push(commId);
            capturing.put(commId, msgId);
        }
    }

    void release(String commId) {
        String msgId = capturing.remove(commId);
        if (msgId != null) {
            Deque<String> stack = stacks.get(msgId);
            stack.remove(commId);
            if (stack.isEmpty()) {
                stacks.remove(msgId);
            }
        }
    }

    /** The widget on top of the stack of the request {@code parentMsgId}, if any. */
    Optional<String> target(String parentMsgId) {
        if (parentMsgId == null) {
            return Optional.empty();
        }
        Deque<String> stack = stacks.get(parentMsgId);
        return stack == null ? Optional.empty() : Optional.ofNullable(stack.peek());
    }

    void clear() {
        stacks.clear();
        capturing.clear();
    }
}
