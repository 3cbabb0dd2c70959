package io.pinlab.kernel;

import java.io.Serializable;

/**
 * PLACEHOLDER owned by the api branch until the lead's facade lands on main: delete this file
 * (take main's version) when merging.
 */
public class Kernel implements Serializable {
    private final Profile profile;
    private final boolean movableZone;

    public Kernel(Profile profile, boolean movableZone) {
        this.profile = profile;
        this.movableZone = movableZone;
    }

    public Profile profile() { return profile; }

    public boolean movableZone() { return movableZone; }
}
