package io.pinlab.api.web;

import io.pinlab.api.json.StrictRequests;
import io.pinlab.session.CourseService;
import io.pinlab.session.SessionService;
import jakarta.validation.Validator;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.mvc.method.annotation.PathVariableMethodArgumentResolver;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.RequestResponseBodyMethodProcessor;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebConfiguration.CorsProperties.class)
class WebConfiguration implements WebMvcConfigurer {
    private final SessionArgumentResolver sessionArguments;
    private final JsonMapper mapper;
    private final CorsProperties cors;
    private final List<AnswerWriter> answerWriters;
    private final List<BodyReader> bodyReaders;

    WebConfiguration(SessionService sessions, CourseService courses, JsonMapper mapper, CorsProperties cors,
                     List<AnswerWriter> answerWriters, List<BodyReader> bodyReaders) {
        this.sessionArguments = new SessionArgumentResolver(sessions, courses);
        this.mapper = mapper;
        this.cors = cors;
        this.answerWriters = answerWriters;
        this.bodyReaders = bodyReaders;
    }

    /**
     * Cross-origin access to the API ({@code pinlab.cors.*}), so that a course page served from
     * another origin can call it. Off by default; tokens travel in the Authorization header, never
     * in cookies, so credentials are not allowed.
     *
     * @param allowedOrigins origins (or patterns such as {@code https://*.example.edu}) allowed to call /api/**
     * @param maxAge         seconds a browser may cache a preflight answer
     */
    @ConfigurationProperties("pinlab.cors")
    record CorsProperties(@DefaultValue List<String> allowedOrigins, @DefaultValue("3600") long maxAge) {
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        if (cors.allowedOrigins().isEmpty()) return;
        registry.addMapping("/api/**")
                .allowedOriginPatterns(cors.allowedOrigins().toArray(String[]::new))
                .allowedMethods("GET", "POST", "PUT", "DELETE", "OPTIONS")
                .allowedHeaders(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT, "X-Request-Id")
                .exposedHeaders(HttpHeaders.LOCATION, HttpHeaders.RETRY_AFTER, "X-Request-Id", "X-Total-Count")
                .allowCredentials(false)
                .maxAge(cors.maxAge());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new StrictRequests(mapper));
    }

    /**
     * Spring MVC with a request mapping that looks paths up by shape instead of scanning every
     * pattern, path variables read without a data binder each, and JSON bodies read in one pass
     * ({@link JsonBodies}; the lab chain's plain bodies by their {@link BodyReader}) and answers
     * written in one ({@link JsonAnswers}; the lab chain's by their {@link AnswerWriter}).
     */
    @Bean
    WebMvcRegistrations indexedRequestMapping(Validator validator) {
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
                        FastPathVariables pathVariables = new FastPathVariables();
                        JsonBodies bodies = new JsonBodies(mapper, new PrecheckedValidator(validator), bodyReaders);
                        resolvers.replaceAll(r -> r.getClass() == PathVariableMethodArgumentResolver.class ? new FastArguments(r, pathVariables::resolve)
                                : r.getClass() == RequestResponseBodyMethodProcessor.class ? new FastArguments(r, bodies::resolve) : r);
                        setArgumentResolvers(resolvers);
                        List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>(getReturnValueHandlers());
                        handlers.replaceAll(h -> h.getClass() == RequestResponseBodyMethodProcessor.class ? new JsonAnswers(h, mapper, answerWriters) : h);
                        setReturnValueHandlers(handlers);
                    }
                };
            }
        };
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(sessionArguments);
    }
}
