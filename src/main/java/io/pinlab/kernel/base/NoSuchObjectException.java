package io.pinlab.kernel.base;

/** An HTTP-level problem, not a kernel answer: the pid, pin or ring named does not exist (404). */
public final class NoSuchObjectException extends RuntimeException {
    public NoSuchObjectException(String what) { super(what); }
}
