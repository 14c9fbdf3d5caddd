package io.runtimed.cli;

import picocli.CommandLine;
import picocli.CommandLine.IFactory;

/**
 * picocli's own factory, made only when picocli first needs an object from it (an annotated
 * command's parts, a collection for a repeated option). Making picocli's default factory looks for
 * Groovy's {@code Closure} class, which is not there: the class loader opens every one of the 28 jars
 * of the class path to be sure, about 20 ms of a one-shot command that builds its model in code.
 */
public final class DeferredFactory implements IFactory {
    public static final DeferredFactory INSTANCE = new DeferredFactory();

    private DeferredFactory() {
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        return CommandLine.defaultFactory().create(cls);
    }
}
