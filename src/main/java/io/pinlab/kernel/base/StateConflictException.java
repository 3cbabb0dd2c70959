package io.pinlab.kernel.base;

/** A state conflict the kernel itself cannot express (e.g. releasing a pin twice): HTTP 409. */
public final class StateConflictException extends RuntimeException {
    public StateConflictException(String what) { super(what); }
}
