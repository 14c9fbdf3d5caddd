package io.runtimed.ipynb;

// TEMPORARY STUB: replaced by the nbjson branch
public final class NotebookFileException extends Exception {
    public NotebookFileException(String message) {
        super(message);
    }
}
