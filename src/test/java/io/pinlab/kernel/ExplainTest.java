package io.pinlab.kernel;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Explain;
import io.pinlab.kernel.base.Step;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExplainTest {
    @Test
    void aQuietTraceKeepsFailuresOtherOutcomesAndWarningsButNotPassedChecks() {
        Explain q = Explain.quiet();
        q.ok("check_vma_flags", "mm/gup.c", "fine");
        q.step("__get_user_pages", "mm/gup.c", "partial", "1 page");
        q.fail("check_vma_flags", "mm/gup.c", Errno.EFAULT, "different file");
        q.warning("WARNING: x");
        assertThat(q.verbose()).isFalse();
        assertThat(q.steps()).extracting(Step::outcome).containsExactly("partial", "-EFAULT");
        assertThat(q.warnings()).containsExactly("WARNING: x");
        Explain v = new Explain().ok("check_vma_flags", "mm/gup.c", "fine");
        assertThat(v.verbose()).isTrue();
        assertThat(v.steps()).extracting(Step::outcome).containsExactly("ok");
    }
}
