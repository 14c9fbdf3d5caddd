package io.runtimed.sync.settings;

import java.io.IOException;

/** A settings.json that is not JSON, or whose known keys have the wrong types; it is ignored, never overwritten. */
public final class InvalidSettingsFileException extends IOException {
    public InvalidSettingsFileException(String message) {
        super(message);
    }
}
