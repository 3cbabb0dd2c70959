package io.pinlab.api.profile;

import io.pinlab.platform.HttpProperties;
import io.pinlab.platform.ProblemWriter;
import io.pinlab.platform.RateLimitProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import io.pinlab.session.CourseService;
import io.pinlab.session.SessionService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Web slice: the profile controller with the problem advice, no kernel sessions needed. */
@WebMvcTest(ProfileController.class)
class ProfileControllerSliceTest {

    /** What the platform filters (picked up by the slice) need. */
    @TestConfiguration
    @EnableConfigurationProperties({HttpProperties.class, RateLimitProperties.class})
    @Import(ProblemWriter.class)
    static class Platform {
    }

    @Autowired
    MockMvc mvc;

    @MockitoBean
    SessionService sessions;

    @MockitoBean
    CourseService courses;

    @Test
    void listsProfiles() throws Exception {
        mvc.perform(get("/api/v1/profiles"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$", hasSize(5)))
                .andExpect(jsonPath("$[4].name").value("v6.18"))
                .andExpect(jsonPath("$[4].default").value(true));
    }

    @Test
    void seedDefinesSameFile() throws Exception {
        mvc.perform(get("/api/v1/profiles/seed/flags"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[?(@.name == 'FOLL_SAME_FILE')].kind").value("proposed"));
    }

    @Test
    void unknownProfileIsAProblem() throws Exception {
        mvc.perform(get("/api/v1/profiles/v9/flags"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
                .andExpect(jsonPath("$.type").value("https://pinlab.dev/problems/not-found"))
                .andExpect(jsonPath("$.detail").value(containsString("v6.18")))
                .andExpect(jsonPath("$.instance").value("/api/v1/profiles/v9/flags"));
    }
}
