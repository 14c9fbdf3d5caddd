package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** KERNELS.md §11.2: the failing package in uv's output, by the reference's five patterns. */
class FailedPackageTest {
    @Test
    void eachOfTheFivePatternsNamesThePackage() {
        assertThat(FailedPackage.in("error: Failed to fetch: package `numpyy` not found")).hasValue("numpyy");
        assertThat(FailedPackage.in("No versions of package 'pandaz' match")).hasValue("pandaz");
        assertThat(FailedPackage.in("╰─▶ Because numpyy was not found in the package registry")).hasValue("numpyy");
        assertThat(FailedPackage.in("ERROR: No matching distribution found for scipyy")).hasValue("scipyy");
        assertThat(FailedPackage.in("error: Failed to download `torchh==9.9`")).hasValue("torchh==9.9");
    }

    @Test
    void ipykernelAndIpywidgetsAreSkippedForTheNextMatch() {
        assertThat(FailedPackage.in("Because ipykernel was not found\nBecause numpyy was not found")).hasValue("numpyy");
        assertThat(FailedPackage.in("failed to download `ipywidgets`")).isEmpty();
    }

    @Test
    void textWithoutAPatternNamesNone() {
        assertThat(FailedPackage.in("error: no network (stand-in)")).isEmpty();
        assertThat(FailedPackage.in("")).isEmpty();
        assertThat(FailedPackage.in(null)).isEmpty();
    }
}
