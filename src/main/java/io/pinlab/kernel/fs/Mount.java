package io.pinlab.kernel.fs;


/** One line of the mount table. {@code dax}: mounted with -o dax (fsdax). */
public record Mount(String path, FsType fs, String device, String options, boolean dax) {
}
