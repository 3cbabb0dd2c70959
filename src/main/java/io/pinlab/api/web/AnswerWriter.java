package io.pinlab.api.web;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;

/**
 * JSON for a few answer records written without Jackson's bean serialisers, which {@link JsonAnswers}
 * uses for exactly these types instead of the JsonMapper. It must write the bytes the JsonMapper
 * writes for the same answer (an implementation proves that by test).
 */
public interface AnswerWriter {
    /** The record classes written here. */
    Set<Class<?>> types();

    /** Writes {@code answer}, an instance of one of {@link #types()}, to out (which stays open). */
    void write(Object answer, OutputStream out) throws IOException;
}
