package io.runtimed.cli.runtimed.doctor;


/** One thing {@code runtimed doctor} looks at; it reports instead of throwing. */
@FunctionalInterface
public interface Check {
    CheckResult run() throws InterruptedException;
}
