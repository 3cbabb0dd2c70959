package io.pinlab.session;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.Syscall;

/**
 * Turns a logged step back into its syscall (the api layer's one mapping per op), so the
 * session layer can replay a log without knowing the request vocabulary.
 */
public interface SyscallDecoder {
    /** The syscall of a step that was logged under {@code profile}; a step that no longer parses is a bug (IllegalStateException). */
    Syscall<?> decode(Profile profile, LoggedStep step);
}
