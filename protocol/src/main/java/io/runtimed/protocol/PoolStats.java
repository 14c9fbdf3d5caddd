package io.runtimed.protocol;

/** PROTOCOL.md §4.3: the four counters of a status answer, in wire order. */
public record PoolStats(int uvAvailable, int uvWarming, int condaAvailable, int condaWarming) {
}
