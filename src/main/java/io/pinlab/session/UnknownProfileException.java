package io.pinlab.session;

import io.pinlab.kernel.base.Profile;

/** A session was requested with a profile name that does not exist. */
public class UnknownProfileException extends RuntimeException {
    private final String name;

    public UnknownProfileException(String name) {
        super("unknown profile '" + name + "'; valid profiles: " + String.join(", ", Profile.names()));
        this.name = name;
    }

    public String name() { return name; }
}
