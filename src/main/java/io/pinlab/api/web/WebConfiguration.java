package io.pinlab.api.web;

import io.pinlab.api.json.StrictRequests;
import io.pinlab.session.SessionService;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.method.annotation.PathVariableMethodArgumentResolver;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;

@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {
    private final SessionService sessions;
    private final JsonMapper mapper;

    WebConfiguration(SessionService sessions, JsonMapper mapper) {
        this.sessions = sessions;
        this.mapper = mapper;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new StrictRequests(mapper));
    }

    /**
     * Spring MVC with a request mapping that looks paths up by shape instead of scanning every
     * pattern, and path variables read without a data binder each.
     */
    @Bean
    WebMvcRegistrations indexedRequestMapping() {
        return new WebMvcRegistrations() {
            @Override
            public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
                return new IndexedRequestMappingHandlerMapping();
            }

            @Override
            public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
                return new RequestMappingHandlerAdapter() {
                    @Override
                    public void afterPropertiesSet() {
                        super.afterPropertiesSet();
                        List<HandlerMethodArgumentResolver> resolvers = new ArrayList<>(getArgumentResolvers());
                        resolvers.replaceAll(r -> r.getClass() == PathVariableMethodArgumentResolver.class ? new FastPathVariables(r) : r);
                        setArgumentResolvers(resolvers);
                    }
                };
            }
        };
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new SessionArgumentResolver(sessions));
    }
}
