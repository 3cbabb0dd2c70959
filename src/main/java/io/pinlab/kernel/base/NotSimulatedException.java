package io.pinlab.kernel.base;

/**
 * A call the simulator does not model with these arguments (e.g. buffered I/O on a file opened
 * without O_DIRECT): raised before any state changes, answered as HTTP 400 naming {@link #field()}.
 */
public class NotSimulatedException extends RuntimeException {
    private final String field;

    public NotSimulatedException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() { return field; }
}
