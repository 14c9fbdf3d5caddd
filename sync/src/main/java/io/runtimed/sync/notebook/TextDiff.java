package io.runtimed.sync.notebook;

/**
 * The smallest single splice that turns one text into another, found by trimming the common prefix
 * and suffix (NOTEBOOK.md §3 allows this in place of a Myers diff). Positions and lengths are in
 * Unicode code points, the unit Automerge Text counts in (notes/automerge-java.md pitfall 1); the
 * trimming never splits a surrogate pair.
 *
 * <p>One typed character, a paste, a deletion or a replaced selection is exactly one such region,
 * so concurrent edits of two peers in different places of a cell merge character by character.
 */
public record TextDiff(long start, long deleteCount, String insert) {

    /** The splice from {@code before} to {@code after}, or null when they are equal. */
    public static TextDiff between(String before, String after) {
        if (before.equals(after)) {
            return null;
        }
        int prefix = 0;
        int max = Math.min(before.length(), after.length());
        while (prefix < max && before.charAt(prefix) == after.charAt(prefix)) {
            prefix++;
        }
        // never end the prefix between the halves of a surrogate pair
        if (prefix > 0 && Character.isHighSurrogate(before.charAt(prefix - 1))) {
            prefix--;
        }
        int suffix = 0;
        int maxSuffix = Math.min(before.length(), after.length()) - prefix;
        while (suffix < maxSuffix
                && before.charAt(before.length() - 1 - suffix) == after.charAt(after.length() - 1 - suffix)) {
            suffix++;
        }
        // nor start the suffix on the low half of a pair
        if (suffix > 0 && Character.isLowSurrogate(before.charAt(before.length() - suffix))) {
            suffix--;
        }
        long start = before.codePointCount(0, prefix);
        long deleted = before.codePointCount(prefix, before.length() - suffix);
        return new TextDiff(start, deleted, after.substring(prefix, after.length() - suffix));
    }
}
