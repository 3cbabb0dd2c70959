package io.pinlab.api.web;

import java.util.Set;

/**
 * A reader of a few request body records that takes the plain bodies clients send without
 * Jackson's bean deserialisers, and leaves every other body to the JsonMapper, which then answers
 * as before (its value or its 400). What it reads must be what the JsonMapper reads from the same
 * bytes (an implementation proves that by test).
 */
public interface BodyReader {
    /** The record classes read here. */
    Set<Class<?>> types();

    /** The record of {@code type} (one of {@link #types()}) in a UTF-8 JSON body, or null: Jackson reads it. */
    Object read(Class<?> type, byte[] body);
}
