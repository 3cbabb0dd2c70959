package io.pinlab.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.tomcat.TomcatMetrics;
import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;

import javax.management.MBeanServerFactory;
import java.util.List;

/**
 * Tomcat's {@code tomcat.sessions.*} metrics, bound once the server has started as Spring Boot's
 * {@code TomcatMetricsBinder} binds them (its auto-configuration is excluded in application.yml),
 * but without the JVM's platform MBeanServer: Micrometer's {@link TomcatMetrics} looks up its other
 * metrics (requests, threads, caches) as Tomcat MBeans, which Spring Boot does not register
 * ({@code server.tomcat.mbeanregistry.enabled} is false), so an empty MBeanServer of its own gives
 * the same metrics. Creating the platform MBeanServer (all the JVM's MXBeans registered) was on the
 * way to the first healthy answer, and nothing else here uses it (README, "Startup").
 */
final class TomcatSessionMetrics implements ApplicationListener<ApplicationStartedEvent>, DisposableBean {
    private final MeterRegistry registry;
    private volatile TomcatMetrics metrics;

    TomcatSessionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onApplicationEvent(ApplicationStartedEvent event) {
        if (event.getApplicationContext() instanceof WebServerApplicationContext web
                && web.getWebServer() instanceof TomcatWebServer tomcat)
            for (Container child : tomcat.getTomcat().getHost().findChildren())
                if (child instanceof Context context) {
                    metrics = new TomcatMetrics(context.getManager(), List.of(), MBeanServerFactory.newMBeanServer());
                    metrics.bindTo(registry);
                    return;
                }
    }

    @Override
    public void destroy() {
        if (metrics != null) metrics.close();
    }
}
