package io.pinlab.api.openapi;

/** Names shared by controllers and the OpenAPI configuration. */
public final class ApiDocs {
    /** Security scheme name of the session bearer token. */
    public static final String BEARER = "sessionToken";
    /** Security scheme name of a course's instructor token. */
    public static final String INSTRUCTOR = "instructorToken";
    /** pid of the process every new session starts with. */
    public static final int INIT_PID = 1;

    private ApiDocs() {
    }
}
