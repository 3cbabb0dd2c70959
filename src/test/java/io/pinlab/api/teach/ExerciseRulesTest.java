package io.pinlab.api.teach;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No expected answer can be a constant: every exercise's answer, computed by running the kernel,
 * changes where its rule changes, i.e. between the two profiles of its contrast, or (for rules that
 * are the same in every release) between the two sides of the variant's flip.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ExerciseRulesTest {
    @Autowired
    ExerciseService service;

    static List<Exercise> catalog() {
        return Exercises.CATALOG;
    }

    @Test
    void theCatalogCoversTheIssueTopics() {
        assertThat(Exercises.CATALOG).hasSizeGreaterThanOrEqualTo(15);
        assertThat(Exercises.CATALOG.stream().map(Exercise::id).distinct()).hasSameSizeAs(Exercises.CATALOG);
        assertThat(Exercises.CATALOG.stream().map(Exercise::topic).toList()).contains("GUP_PIN_COUNTING_BIAS",
                "is_valid_gup_args", "FOLL_LONGTERM", "io_uring fixed buffers", "FOLL_SAME_FILE", "vmas removal",
                "COW at fork", "RLIMIT_MEMLOCK accounting", "gup-fast", "migration out of ZONE_MOVABLE", "secretmem",
                "VM_IO | VM_PFNMAP");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalog")
    void theExpectedAnswerChangesWithTheRule(Exercise e) {
        Exercise.Variant base = Exercise.Variant.of(e, "contrast-test", io.pinlab.kernel.base.Profile.V6_18);
        Exercise.Variant one, other;
        if (e.contrast() != null) {
            one = base.with(e.contrast().get(0), false);
            other = base.with(e.contrast().get(1), false);
        } else {
            one = base.with(e.profiles().get(0), false);
            other = base.with(e.profiles().get(0), true);
        }
        Map<String, Object> a = service.expected(e, one).values(), b = service.expected(e, other).values();
        Set<String> asked = new HashSet<>();
        for (Exercise.Ask q : e.script().apply(one).ask()) asked.add(q.name());
        assertThat(a.keySet()).as("%s answers every question", e.id()).isEqualTo(asked);
        assertThat(a).as("%s: %s vs %s", e.id(), one, other).isNotEqualTo(b);
    }

    /** Spot checks of the values themselves, from the kernel's rules. */
    @Test
    void valuesFollowTheKernel() {
        Exercise.Variant v = Exercise.Variant.of(Exercises.byId("pin-bias"), "spot", io.pinlab.kernel.base.Profile.V6_5);
        // include/linux/mm.h GUP_PIN_COUNTING_BIAS (1024) on a small folio mapped once; FOLL_GET adds 1 (mm/gup.c try_grab_folio)
        assertThat(service.expected(Exercises.byId("pin-bias"), v.with("v6.5", false)).values())
                .isEqualTo(Map.of("refcount", 1 + 1024, "pincount", 1));
        assertThat(service.expected(Exercises.byId("pin-bias"), v.with("v6.5", true)).values())
                .isEqualTo(Map.of("refcount", 1 + 1, "pincount", 0));
        // mm/gup.c check_vma_flags(): 6.5 refuses FOLL_LONGTERM|FOLL_WRITE on a shared ext4 mapping (-EFAULT)
        Exercise lt = Exercises.byId("longterm-file");
        Exercise.Variant lv = Exercise.Variant.of(lt, "spot", io.pinlab.kernel.base.Profile.V6_5);
        assertThat(service.expected(lt, lv.with("v6.5", false)).values()).containsEntry("ret", -14L).containsEntry("errno", "EFAULT");
        assertThat(service.expected(lt, lv.with("v6.4", false)).values()).containsEntry("ret", (long) lv.pages());
        // io_uring/rsrc.c: 6.3 refuses a buffer over two kinds of VMA (-EINVAL), 6.4 registers it
        Exercise ms = Exercises.byId("uring-multi-source");
        assertThat(service.expected(ms, lv.with("v6.3", false)).values()).containsEntry("errno", "EINVAL");
        assertThat(service.expected(ms, lv.with("v6.4", false)).values()).containsEntry("ret", 0L);
        // io_uring/rsrc.c headpage accounting: the whole 2 MiB huge page (512 pages); 6.18 also charges 2 ring pages
        Exercise mh = Exercises.byId("memlock-huge");
        assertThat(service.expected(mh, lv.with("v6.5", false)).values()).isEqualTo(Map.of("lockedPages", 512L));
        assertThat(service.expected(mh, lv.with("v6.18", false)).values()).isEqualTo(Map.of("lockedPages", 514L));
    }

    @Test
    void neighboursGetDifferentVariants() {
        Exercise e = Exercises.byId("pin-bias");
        Set<String> variants = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Exercise.Variant v = Exercise.Variant.of(e, "session-" + i, io.pinlab.kernel.base.Profile.V6_5);
            variants.add(v.pages() + "/" + v.pick() + "/" + v.flip());
        }
        assertThat(variants.size()).isGreaterThan(5);
        assertThat(Exercise.Variant.of(e, "same", io.pinlab.kernel.base.Profile.V6_5))
                .isEqualTo(Exercise.Variant.of(e, "same", io.pinlab.kernel.base.Profile.V6_5));
    }
}
