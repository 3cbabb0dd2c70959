package io.pinlab;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import sun.misc.Signal;

@SpringBootApplication
@ConfigurationPropertiesScan
public class PinlabApplication {
    public static void main(String[] args) {
        exitZeroOnSigterm();
        SpringApplication.run(PinlabApplication.class, args);
    }

    /**
     * SIGTERM is how a service is asked to stop (docker stop, Kubernetes, and spring-boot:run, which
     * sends it to the app when Maven itself is interrupted). Stop gracefully, as the JVM does anyway
     * (System.exit runs the shutdown hooks), but report a requested stop as success (status 0, not
     * 143), so that stopping {@code ./mvnw spring-boot:run} does not end in BUILD FAILURE.
     */
    private static void exitZeroOnSigterm() {
        Signal.handle(new Signal("TERM"), signal -> System.exit(0));
    }
}
