package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read views of the teaching page: pagemap as runs, frames by zone, the reverse map of a frame.
 * Expected states follow the kernel's rules: a read fault of anonymous memory maps the zero page
 * (do_anonymous_page(), mm/memory.c); a FOLL_PIN on a small folio adds GUP_PIN_COUNTING_BIAS so
 * folio_maybe_dma_pinned() holds (include/linux/mm.h); fork write-protects private anonymous pages
 * in parent and child and shares the folio (copy_present_pte(), mm/memory.c) except pinned ones,
 * which the child gets a copy of (page_needs_cow_for_dma()).
 */
class PageRunsApiTest extends HttpTestSupport {

    private String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    private String mmap(Session s, long length, String extraFlags) {
        Res m = post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":" + length
                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"" + extraFlags + "]}");
        assertThat(m.status()).as(m.body()).isEqualTo(200);
        return m.json().path("addr").asString();
    }

    private void access(Session s, int pid, long addr, long length, String kind) {
        Res a = post(p(s, "/processes/" + pid + "/access"), s.token(), "{\"addr\":\"0x" + Long.toHexString(addr)
                + "\",\"length\":" + length + ",\"access\":\"" + kind + "\"" + (kind.equals("write") ? ",\"value\":5" : "") + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().path("signal").isNull()).as(a.body()).isTrue();
    }

    private JsonNode runs(Session s, int pid, long addr, long length) {
        Res r = get(p(s, "/processes/" + pid + "/pagemap/runs?addr=0x" + Long.toHexString(addr) + "&length=" + length), s.token());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** Expands runs to one "state/pincount" per page, checking that runs are contiguous. */
    private static List<String> pages(JsonNode answer) {
        List<String> out = new ArrayList<>();
        long next = Long.decode(answer.path("addr").asString());
        for (JsonNode run : answer.path("runs")) {
            assertThat(Long.decode(run.path("addr").asString())).isEqualTo(next);
            for (long i = 0; i < run.path("pages").asLong(); i++)
                out.add(run.path("state").asString() + "/" + run.path("pincount").asInt());
            next += run.path("pages").asLong() * 4096;
        }
        assertThat(Long.decode(answer.path("end").asString())).isEqualTo(next);
        return out;
    }

    @Test
    void untouchedGibibyteIsOneAbsentRun() {
        Session s = newSession(null);
        long addr = Long.decode(mmap(s, 1L << 30, ""));
        JsonNode r = runs(s, 1, addr, 1L << 30);
        assertThat(r.path("runs").size()).isEqualTo(1);
        assertThat(r.path("runs").get(0).path("state").asString()).isEqualTo("absent");
        assertThat(r.path("runs").get(0).path("pages").asLong()).isEqualTo(262_144);
        assertThat(r.path("truncated").asBoolean()).isFalse();
    }

    @Test
    void statesFollowFaultsPinsAndFork() {
        Session s = newSession(null);
        long addr = Long.decode(mmap(s, 4 * 4096, ""));
        access(s, 1, addr, 2 * 4096, "write");
        access(s, 1, addr + 2 * 4096, 4096, "read");
        assertThat(pages(runs(s, 1, addr, 4 * 4096))).containsExactly("present/0", "present/0", "zero/0", "absent/0");

        Res gup = post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages_fast\",\"start\":\"0x"
                + Long.toHexString(addr) + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(gup.json().path("ret").asLong()).as(gup.body()).isEqualTo(1);
        assertThat(pages(runs(s, 1, addr, 4 * 4096))).containsExactly("pinned/1", "present/0", "zero/0", "absent/0");

        Res child = post(p(s, "/processes/1/fork"), s.token(), null);
        assertThat(child.status()).as(child.body()).isEqualTo(201);
        int cpid = child.json().path("pid").asInt();
        // the pinned page was copied for the child; the other written page is shared COW by both
        assertThat(pages(runs(s, 1, addr, 4 * 4096))).containsExactly("pinned/1", "cow-shared/0", "zero/0", "absent/0");
        assertThat(pages(runs(s, cpid, addr, 4 * 4096))).containsExactly("present/0", "cow-shared/0", "zero/0", "absent/0");

        long shared = runs(s, 1, addr + 4096, 4096).path("runs").get(0).path("pfn").asLong();
        JsonNode frame = get(p(s, "/physmem/" + shared), s.token()).json();
        assertThat(frame.path("folio").path("mapcount").asInt()).isEqualTo(2);
        List<String> mappers = new ArrayList<>();
        for (JsonNode m : frame.path("mappers"))
            mappers.add(m.path("pid").asInt() + "@" + m.path("addr").asString() + (m.path("writable").asBoolean() ? " rw" : " ro"));
        String at = "0x" + Long.toHexString(addr + 4096);
        assertThat(mappers).containsExactlyInAnyOrder("1@" + at + " ro", cpid + "@" + at + " ro");

        // the child's write breaks COW: both pages are exclusive again
        access(s, cpid, addr + 4096, 4096, "write");
        assertThat(pages(runs(s, 1, addr + 4096, 4096))).containsExactly("present/0");
        assertThat(get(p(s, "/physmem/" + shared), s.token()).json().path("mappers").size()).isEqualTo(1);
    }

    @Test
    void madvHugepageFaultIsOneHugeRun() {
        Session s = newSession(null);
        long addr = Long.decode(mmap(s, 4L << 20, ""));
        long aligned = (addr + (2L << 20) - 1) & -(2L << 20);
        Res m = post(p(s, "/processes/1/madvise"), s.token(), "{\"addr\":\"0x" + Long.toHexString(addr)
                + "\",\"length\":" + (4L << 20) + ",\"advice\":\"MADV_HUGEPAGE\"}");
        assertThat(m.json().path("ret").asLong()).as(m.body()).isZero();
        access(s, 1, aligned, 4096, "write");
        JsonNode r = runs(s, 1, aligned, 2L << 20);
        assertThat(r.path("runs").size()).as(r.toString()).isEqualTo(1);
        assertThat(r.path("runs").get(0).path("state").asString()).isEqualTo("huge");
        assertThat(r.path("runs").get(0).path("pages").asLong()).isEqualTo(512);
    }

    @Test
    void zonesMarkTheZeroPageAndPinnedFrames() {
        Session s = newSession(null);
        long addr = Long.decode(mmap(s, 4096, ""));
        access(s, 1, addr, 4096, "write");
        post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"0x"
                + Long.toHexString(addr) + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\"]}");
        long pfn = runs(s, 1, addr, 4096).path("runs").get(0).path("pfn").asLong();
        JsonNode zones = get(p(s, "/physmem"), s.token()).json();
        List<String> names = new ArrayList<>();
        String pinnedZone = null, zeroZone = null;
        for (JsonNode z : zones) {
            names.add(z.path("zone").asString());
            for (JsonNode run : z.path("runs")) {
                long lo = run.path("pfn").asLong(), hi = lo + run.path("frames").asLong();
                if (run.path("state").asString().equals("pinned") && pfn >= lo && pfn < hi) pinnedZone = z.path("zone").asString();
                if (run.path("state").asString().equals("zero")) zeroZone = z.path("zone").asString();
            }
        }
        assertThat(names).containsExactly("DMA32", "NORMAL", "MOVABLE");
        assertThat(pinnedZone).isEqualTo("NORMAL");
        assertThat(zeroZone).as("the zero page lives in the kernel image, below 4 GiB").isEqualTo("DMA32");
    }

    @Test
    void aLongtermPinMigratesOutOfZoneMovableAndTheZoneViewMarksIt() {
        Res created = post("/api/v1/sessions", null, "{\"movableZone\":true}");
        Session s = new Session(created.json().path("id").asString(), created.json().path("token").asString(), created.json());
        long addr = Long.decode(mmap(s, 4096, ""));
        access(s, 1, addr, 4096, "write");
        long before = runs(s, 1, addr, 4096).path("runs").get(0).path("pfn").asLong();
        assertThat(get(p(s, "/physmem/" + before), s.token()).json().path("folio").path("zone").asString()).isEqualTo("MOVABLE");
        // FOLL_LONGTERM may not pin ZONE_MOVABLE: check_and_migrate_movable_pages() moves the folio first (mm/gup.c)
        Res gup = post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"pin_user_pages\",\"start\":\"0x"
                + Long.toHexString(addr) + "\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        assertThat(gup.json().path("ret").asLong()).as(gup.body()).isEqualTo(1);
        long after = runs(s, 1, addr, 4096).path("runs").get(0).path("pfn").asLong();
        assertThat(after).isNotEqualTo(before);
        JsonNode normal = null;
        for (JsonNode z : get(p(s, "/physmem"), s.token()).json()) if (z.path("zone").asString().equals("NORMAL")) normal = z;
        assertThat(normal).isNotNull();
        boolean marked = false;
        for (JsonNode run : normal.path("runs")) {
            long lo = run.path("pfn").asLong(), hi = lo + run.path("frames").asLong();
            if (after >= lo && after < hi) marked = run.path("migrated").asBoolean() && run.path("state").asString().equals("pinned");
        }
        assertThat(marked).as("the pinned copy in ZONE_NORMAL is marked migrated: %s", normal).isTrue();
    }

    @Test
    void badInputIsANamed400() {
        Session s = newSession(null);
        get(p(s, "/processes/1/pagemap/runs?addr=nope&length=4096"), s.token()).problem(400, "validation-failed");
        Res neg = get(p(s, "/processes/1/pagemap/runs?addr=0x1000&length=-1"), s.token());
        neg.problem(400, "validation-failed");
        assertThat(neg.fieldError("length")).contains("greater than or equal to 0");
        assertThat(get(p(s, "/processes/1/pagemap/runs?addr=0xffffffffffff0000&length=4096"), s.token())
                .problem(400, "validation-failed").toString()).contains("TASK_SIZE");
        get(p(s, "/processes/1/pagemap/runs?addr=0x1000&length=4096"), null).problem(401, "unauthorized");
        get(p(s, "/processes/77/pagemap/runs?addr=0x1000&length=4096"), s.token()).problem(404, "not-found");
        get(p(s, "/physmem/-1"), s.token()).problem(400, "validation-failed");
    }
}
