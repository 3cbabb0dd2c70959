package io.pinlab.api.common;

/** Path variable rules shared by the process endpoints. */
public final class Pids {
    private Pids() {
    }

    /** The pid path variable must be positive: a clear 400 rather than a 404 for pid -1. */
    public static int check(int pid) {
        if (pid <= 0) throw io.pinlab.api.problem.ApiProblemException.badField("pid", "must be a positive process id");
        return pid;
    }
}
