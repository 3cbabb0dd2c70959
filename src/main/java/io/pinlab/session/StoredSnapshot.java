package io.pinlab.session;

/** A kernel snapshot as the store keeps it: the state after step {@code version}, in KernelSnapshot's format. */
public record StoredSnapshot(long version, byte[] bytes) {
}
