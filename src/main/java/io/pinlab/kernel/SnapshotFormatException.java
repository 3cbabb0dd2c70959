package io.pinlab.kernel;

/**
 * The bytes given to {@link KernelSnapshot#read} are not a snapshot this version can read: wrong
 * magic or version, a checksum mismatch, or a structure out of bounds. A snapshot is only a cache
 * of "state after step N", so the caller can always fall back to replaying the log.
 */
public final class SnapshotFormatException extends RuntimeException {
    public SnapshotFormatException(String message) {
        super(message);
    }
}
