package io.pinlab.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    /**
     * /actuator/prometheus answers on the app port in the embedded default; it need not tell
     * anyone the exact JVM build (jvm_info's runtime, vendor and version labels).
     */
    @Bean
    MeterFilter noJvmInfo() {
        return MeterFilter.denyNameStartsWith("jvm.info");
    }

    /** tomcat.sessions.*, without the platform MBeanServer ({@link TomcatSessionMetrics}). */
    @Bean
    TomcatSessionMetrics tomcatSessionMetrics(MeterRegistry registry) {
        return new TomcatSessionMetrics(registry);
    }
}
