package io.runtimed.ipynb;

/** An .ipynb file that is not a v4 notebook nbformat could read; the message is one line for the user. */
public final class NotebookFileException extends Exception {
    public NotebookFileException(String message) {
        super(message);
    }
}
