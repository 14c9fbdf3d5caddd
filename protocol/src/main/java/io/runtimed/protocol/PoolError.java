package io.runtimed.protocol;

/** Status extension: the last failure of a pool's builds, and when (RFC 3339, UTC). */
public record PoolError(String message, String at) {
}
