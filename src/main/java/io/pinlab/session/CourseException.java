package io.pinlab.session;

/** A course request the course cannot serve: unknown join code or course (404), course full (409). */
public class CourseException extends RuntimeException {
    private final int status;

    private CourseException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** 404: no course with this join code, or id and token do not match (indistinguishable). */
    static CourseException notFound(String message) {
        return new CourseException(404, message);
    }

    /** 409: the course has its maximum of live sessions. */
    static CourseException full(int max) {
        return new CourseException(409, "this course already has its maximum of " + max
                + " live sessions (maxSessions); the instructor can end sessions or create a larger course");
    }

    public int status() { return status; }
}
