package io.pinlab;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class PinlabApplication {
    public static void main(String[] args) {
        SpringApplication.run(PinlabApplication.class, args);
    }
}
