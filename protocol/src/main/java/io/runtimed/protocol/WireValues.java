package io.runtimed.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The checks serde makes while reading the notebook messages, applied in the records' constructors
 * so a failure becomes a {@link MalformedMessageException} naming the wire field.
 */
final class WireValues {
    private WireValues() {
    }

    /** A non-optional field: missing and {@code null} both fail, as serde's do. */
    static <T> T required(T value, String field) {
        return Objects.requireNonNull(value, () -> field + " is required");
    }

    /** A {@code Vec} without a default: required, and no element may be {@code null}. */
    static <T> List<T> requiredList(List<T> list, String field) {
        return copyWithoutNulls(required(list, field), field);
    }

    /** A {@code #[serde(default)] Vec}: missing (or {@code null}) is empty; no element may be {@code null}. */
    static <T> List<T> listOrEmpty(List<T> list, String field) {
        return list == null ? List.of() : copyWithoutNulls(list, field);
    }

    /** An {@code Option<Vec>}: {@code null} stays absent; no element may be {@code null}. */
    static <T> List<T> optionalList(List<T> list, String field) {
        return list == null ? null : copyWithoutNulls(list, field);
    }

    /** A {@code usize}: never negative. */
    static int notNegative(int value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative, got " + value);
        }
        return value;
    }

    private static <T> List<T> copyWithoutNulls(List<T> list, String field) {
        for (T item : list) {
            if (item == null) {
                throw new IllegalArgumentException(field + " must not contain null");
            }
        }
        return List.copyOf(list);
    }
}
