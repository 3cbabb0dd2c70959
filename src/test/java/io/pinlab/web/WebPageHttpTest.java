package io.pinlab.web;

import io.pinlab.api.HttpTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The page is served by the application itself, with no third-party origin anywhere (no CDN). */
class WebPageHttpTest extends HttpTestSupport {

    @Test
    void slashServesThePageWithItsTestHooksAndAStrictContentSecurityPolicy() {
        Res r = get("/", null, "text/html");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.body()).contains("data-testid=\"console\"", "data-testid=\"timeline\"", "data-testid=\"compare\"",
                "script-src 'self'", "connect-src 'self'");
        assertThat(r.body()).doesNotContainPattern("(src|href)=\"(https?:)?//");
    }

    @Test
    void modulesAndStylesAreServedFromTheJar() {
        for (String path : new String[]{"/js/app.js", "/js/api.js", "/js/dom.js", "/js/layout.js", "/js/flags.js"}) {
            Res r = get(path, null, "*/*");
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(path).contains("javascript");
            assertThat(r.body()).as(path).doesNotContainPattern("import [^;]*from '(https?:)?//");
        }
        assertThat(get("/css/pinlab.css", null, "text/css").status()).isEqualTo(200);
    }
}
