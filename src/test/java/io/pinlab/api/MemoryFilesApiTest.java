package io.pinlab.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** munmap/mprotect/madvise/access, maps, pagemap, fork/exit, files, sysctl and io_uring over HTTP. */
class MemoryFilesApiTest extends HttpTestSupport {

    private String p(Session s, String rest) {
        return "/api/v1/sessions/" + s.id() + rest;
    }

    private String map(Session s, int pages) {
        Res m = post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":" + pages * 4096
                + ",\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        assertThat(m.status()).as(m.body()).isEqualTo(200);
        return m.json().path("addr").asString();
    }

    private static String hexPlus(String addr, long delta) {
        return "0x" + Long.toHexString(Long.parseUnsignedLong(addr.substring(2), 16) + delta);
    }

    @Test
    void writeReadThenSegvAfterMprotect() {
        Session s = newSession(null);
        String addr = map(s, 4);
        Res w = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":8192,\"access\":\"write\",\"value\":42}");
        assertThat(w.status()).as(w.body()).isEqualTo(200);
        assertThat(w.json().path("ret").asLong()).isEqualTo(8192);
        assertThat(w.json().path("faults").asInt()).isEqualTo(2);
        assertThat(w.json().path("signal").isNull()).isTrue();
        Res r = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":8192,\"access\":\"read\"}");
        assertThat(r.json().path("values").toString()).isEqualTo("[42,42]");
        Res mp = post(p(s, "/processes/1/mprotect"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"prot\":[\"PROT_READ\"]}");
        assertThat(mp.json().path("ret").asLong()).isZero();
        Res segv = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":1}");
        assertThat(segv.status()).isEqualTo(200);
        assertThat(segv.json().path("signal").asString()).isEqualTo("SIGSEGV");
        assertThat(segv.json().path("siCode").asString()).isEqualTo("SEGV_ACCERR");
        assertThat(segv.json().path("faultAddr").asString()).isEqualTo(addr);
    }

    @Test
    void accessInputRules() {
        Session s = newSession(null);
        String addr = map(s, 1);
        Res kind = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"execute\"}");
        kind.problem(400, "validation-failed");
        assertThat(kind.fieldError("access")).contains("read, write");
        Res readValue = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"read\",\"value\":3}");
        readValue.problem(400, "validation-failed");
        assertThat(readValue.fieldError("value")).contains("write");
        Res neg = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":-1,\"access\":\"read\"}");
        assertThat(neg.problem(400, "validation-failed").toString()).contains("length");
        Res huge = post(p(s, "/processes/1/access"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":1099511627776,\"access\":\"read\"}");
        huge.problem(400, "validation-failed");
        assertThat(huge.fieldError("length")).contains("max-touch-bytes");
        Res gup = post(p(s, "/processes/1/gup"), s.token(), "{\"call\":\"get_user_pages\",\"start\":\"" + addr
                + "\",\"nrPages\":1099511627776,\"gupFlags\":[],\"pages\":false}");
        assertThat(gup.problem(400, "validation-failed").toString()).contains("nrPages");
        assertThat(get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token()).json().get(0)
                .path("present").asBoolean()).as("no access happened").isFalse();
    }

    @Test
    void mapsJsonAndKernelText() {
        Session s = newSession(null);
        String addr = map(s, 4);
        post(p(s, "/processes/1/mprotect"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096,\"prot\":[\"PROT_READ\"]}");
        Res json = get(p(s, "/processes/1/maps"), s.token());
        assertThat(json.status()).isEqualTo(200);
        List<String> perms = new ArrayList<>();
        json.json().forEach(v -> perms.add(v.path("perms").asString()));
        assertThat(perms).containsExactly("r--p", "rw-p", "rw-p");
        JsonNode first = json.json().get(0);
        assertThat(first.path("start").asString()).isEqualTo(addr);
        assertThat(first.path("end").asString()).isEqualTo(hexPlus(addr, 4096));
        assertThat(json.json().get(2).path("path").asString()).isEqualTo("[stack]");
        Res text = get(p(s, "/processes/1/maps"), s.token(), "text/plain");
        assertThat(text.header("Content-Type")).startsWith("text/plain");
        String[] lines = text.body().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith(addr.substring(2) + "-" + hexPlus(addr, 4096).substring(2) + " r--p 00000000 00:00 0");
        assertThat(lines[2]).endsWith("[stack]");
        get(p(s, "/processes/9/maps"), s.token(), "text/plain").problem(404, "not-found");
    }

    @Test
    void pagemapShowsFolios() {
        Session s = newSession(null);
        String addr = map(s, 2);
        post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":9}");
        Res pm = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=8192"), s.token());
        assertThat(pm.status()).as(pm.body()).isEqualTo(200);
        assertThat(pm.json().size()).isEqualTo(2);
        JsonNode page = pm.json().get(0);
        assertThat(page.path("present").asBoolean()).isTrue();
        assertThat(page.path("value").asLong()).isEqualTo(9);
        assertThat(page.path("folio").path("refcount").asInt()).isEqualTo(1);
        assertThat(page.path("folio").path("mapcount").asInt()).isEqualTo(1);
        assertThat(pm.json().get(1).path("present").asBoolean()).isFalse();
        Res bad = get(p(s, "/processes/1/pagemap?addr=0xnope&length=4096"), s.token());
        bad.problem(400, "validation-failed");
        assertThat(bad.fieldError("addr")).contains("0xnope");
        get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=-1"), s.token()).problem(400, "validation-failed");
        Res huge = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=9223372036854775807"), s.token());
        huge.problem(400, "validation-failed");
        assertThat(huge.fieldError("length")).contains("at most");
        Res missing = get(p(s, "/processes/1/pagemap?addr=" + addr), s.token());
        assertThat(missing.problem(400, "validation-failed").toString()).contains("length");
    }

    @Test
    void munmapAndMadvise() {
        Session s = newSession(null);
        String addr = map(s, 2);
        post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":8192,\"access\":\"write\",\"value\":5}");
        Res dontneed = post(p(s, "/processes/1/madvise"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"advice\":\"MADV_DONTNEED\"}");
        assertThat(dontneed.json().path("ret").asLong()).isZero();
        Res read = post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":8192,\"access\":\"read\"}");
        assertThat(read.json().path("values").toString()).isEqualTo("[0,5]");
        Res badAdvice = post(p(s, "/processes/1/madvise"), s.token(),
                "{\"addr\":\"" + addr + "\",\"length\":4096,\"advice\":\"MADV_DONTNED\"}");
        badAdvice.problem(400, "validation-failed");
        assertThat(badAdvice.fieldError("advice")).contains("MADV_DONTNEED");
        Res un = post(p(s, "/processes/1/munmap"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096}");
        assertThat(un.json().path("ret").asLong()).isZero();
        assertThat(get(p(s, "/processes/1/maps"), s.token()).json().size()).isEqualTo(2);
        Res unaligned = post(p(s, "/processes/1/munmap"), s.token(), "{\"addr\":\"" + hexPlus(addr, 1) + "\",\"length\":4096}");
        assertThat(unaligned.status()).isEqualTo(200);
        assertThat(unaligned.json().path("errno").asString()).isEqualTo("EINVAL");
    }

    @Test
    void forkAndExit() {
        Session s = newSession(null);
        String addr = map(s, 1);
        post(p(s, "/processes/1/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"write\",\"value\":11}");
        Res child = post(p(s, "/processes/1/fork"), s.token(), null);
        assertThat(child.status()).as(child.body()).isEqualTo(201);
        int pid = child.json().path("pid").asInt();
        assertThat(child.json().path("ppid").asInt()).isEqualTo(1);
        assertThat(child.header("Location")).endsWith("/processes/" + pid);
        // COW: the child reads the parent's value from the same frame, mapped twice
        Res read = post(p(s, "/processes/" + pid + "/access"), s.token(), "{\"addr\":\"" + addr + "\",\"length\":4096,\"access\":\"read\"}");
        assertThat(read.json().path("values").toString()).isEqualTo("[11]");
        Res pm = get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token());
        assertThat(pm.json().get(0).path("folio").path("mapcount").asInt()).isEqualTo(2);
        assertThat(delete(p(s, "/processes/" + pid), s.token()).status()).isEqualTo(204);
        delete(p(s, "/processes/" + pid), s.token()).problem(404, "not-found");
        assertThat(get(p(s, "/processes/1/pagemap?addr=" + addr + "&length=4096"), s.token()).json().get(0)
                .path("folio").path("mapcount").asInt()).isEqualTo(1);
        post(p(s, "/processes/77/fork"), s.token(), null).problem(404, "not-found");
    }

    @Test
    void filesAndDescriptors() {
        Session s = newSession(null);
        Res open = post(p(s, "/processes/1/open"), s.token(), "{\"path\":\"/mnt/ext4/data\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":16384}");
        assertThat(open.status()).as(open.body()).isEqualTo(200);
        int fd = open.json().path("ret").asInt();
        assertThat(fd).isNotNegative();
        assertThat(open.json().path("flags").path("value").asInt()).isEqualTo(0102);
        Res memfd = post(p(s, "/processes/1/memfd_create"), s.token(), "{\"name\":\"buf\",\"size\":8192}");
        assertThat(memfd.json().path("ret").asInt()).isNotNegative();
        Res secret = post(p(s, "/processes/1/memfd_secret"), s.token(), "{\"size\":8192}");
        assertThat(secret.json().path("ret").asInt()).isNotNegative();
        Res fds = get(p(s, "/processes/1/fds"), s.token());
        List<String> paths = new ArrayList<>();
        fds.json().forEach(f -> paths.add(f.path("path").asString()));
        assertThat(paths).hasSize(3).contains("/mnt/ext4/data");
        assertThat(fds.json().get(0).path("fs").asString()).isEqualTo("ext4");
        Res trunc = post(p(s, "/processes/1/ftruncate"), s.token(), "{\"fd\":" + fd + ",\"length\":4096}");
        assertThat(trunc.json().path("ret").asLong()).isZero();
        Res close = post(p(s, "/processes/1/close"), s.token(), "{\"fd\":" + fd + "}");
        assertThat(close.json().path("ret").asLong()).isZero();
        Res again = post(p(s, "/processes/1/close"), s.token(), "{\"fd\":" + fd + "}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("errno").asString()).isEqualTo("EBADF");
        assertThat(get(p(s, "/processes/1/fds"), s.token()).json().size()).isEqualTo(2);
        Res badFlag = post(p(s, "/processes/1/open"), s.token(), "{\"path\":\"/mnt/ext4/x\",\"flags\":[\"O_RDWR\",\"O_CREATE\"]}");
        badFlag.problem(400, "validation-failed");
        assertThat(badFlag.fieldError("flags[1]")).contains("O_CREAT");
        Res negLen = post(p(s, "/processes/1/ftruncate"), s.token(), "{\"fd\":0,\"length\":-1}");
        assertThat(negLen.problem(400, "validation-failed").toString()).contains("length");
        Res noPath = post(p(s, "/processes/1/open"), s.token(), "{\"flags\":[\"O_RDONLY\"]}");
        assertThat(noPath.fieldError("path")).isNotBlank();
    }

    @Test
    void sysctlReadWrite() {
        Session s = newSession(null);
        Res r = get(p(s, "/sysctl/vm.nr_hugepages"), s.token());
        assertThat(r.json().path("value").asLong()).isZero();
        assertThat(get(p(s, "/sysctl/vm.max_map_count"), s.token()).json().path("value").asLong()).isEqualTo(65530);
        Res w = put(p(s, "/sysctl/vm.nr_hugepages"), s.token(), "{\"value\":4}");
        assertThat(w.json().path("ret").asLong()).isZero();
        assertThat(w.json().path("value").asLong()).isEqualTo(4);
        assertThat(get(p(s, "/sysctl/vm.nr_hugepages"), s.token()).json().path("value").asLong()).isEqualTo(4);
        get(p(s, "/sysctl/vm.swappiness"), s.token()).problem(404, "not-found");
        Res bad = put(p(s, "/sysctl/vm.nr_hugepages"), s.token(), "{\"value\":\"many\"}");
        bad.problem(400, "validation-failed");
        assertThat(bad.fieldError("value")).contains("integer");
        assertThat(get(p(s, "/sysctl/vm.nr_hugepages"), s.token()).json().path("value").asLong()).isEqualTo(4);
    }

    // /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages: the 1 GiB hstate's pool, apart from vm.nr_hugepages
    @Test
    void oneGigHugepagesKnob() {
        Session s = newSession(null);
        String knob = "/sysctl/hugepages.hugepages-1048576kB.nr_hugepages";
        assertThat(get(p(s, knob), s.token()).json().path("value").asLong()).isZero();
        Res w = put(p(s, knob), s.token(), "{\"value\":2}");
        assertThat(w.json().path("ret").asLong()).as(w.body()).isZero();
        assertThat(get(p(s, knob), s.token()).json().path("value").asLong()).isEqualTo(2);
        assertThat(get(p(s, "/sysctl/vm.nr_hugepages"), s.token()).json().path("value").asLong()).as("another hstate").isZero();
        Res m = post(p(s, "/processes/1/mmap"), s.token(), "{\"length\":4096,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
                + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\",\"MAP_HUGETLB\",\"MAP_HUGE_1GB\"]}");
        assertThat(m.status()).as(m.body()).isEqualTo(200);
        assertThat(Long.decode(m.json().path("addr").asString()) & ((1L << 30) - 1)).as("1 GiB aligned").isZero();
        // nr_hugepages_store(): kstrtoul() refuses a negative count: the kernel's -EINVAL, not an HTTP error
        Res neg = put(p(s, knob), s.token(), "{\"value\":-1}");
        assertThat(neg.json().path("errno").asString()).as(neg.body()).isEqualTo("EINVAL");
        put(p(s, knob), s.token(), "{\"value\":\"two\"}").problem(400, "validation-failed");
        get(p(s, "/sysctl/hugepages.hugepages-4kB.nr_hugepages"), s.token()).problem(404, "not-found");
        assertThat(get(p(s, knob), s.token()).json().path("value").asLong()).isEqualTo(2);
    }

    @Test
    void ioUringRegisterEnterAndBuffers() {
        Session s = newSession(null);
        String addr = map(s, 2);
        Res setup = post(p(s, "/processes/1/io_uring_setup"), s.token(), "{\"entries\":8}");
        assertThat(setup.status()).as(setup.body()).isEqualTo(200);
        int ring = setup.json().path("ret").asInt();
        assertThat(ring).isNotNegative();
        Res reg = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"" + addr + "\",\"len\":8192}]}");
        assertThat(reg.json().path("ret").asLong()).as(reg.body()).isZero();
        Res bufs = get(p(s, "/processes/1/io_uring/" + ring + "/buffers"), s.token());
        assertThat(bufs.json().size()).isEqualTo(1);
        assertThat(bufs.json().get(0).path("base").asString()).isEqualTo(addr);
        assertThat(bufs.json().get(0).path("pfns").size()).isEqualTo(2);
        Res file = post(p(s, "/processes/1/open"), s.token(), "{\"path\":\"/mnt/ext4/f\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":16384}");
        int fd = file.json().path("ret").asInt();
        Res enter = post(p(s, "/processes/1/io_uring_enter"), s.token(), "{\"fd\":" + ring + ",\"sqes\":[{\"opcode\":"
                + "\"IORING_OP_READ_FIXED\",\"fd\":" + fd + ",\"addr\":\"" + addr + "\",\"len\":4096,\"off\":0,\"bufIndex\":0,\"userData\":7}]}");
        assertThat(enter.json().path("ret").asLong()).as(enter.body()).isEqualTo(1);
        assertThat(enter.json().path("cqes").get(0).path("userData").asLong()).isEqualTo(7);
        assertThat(enter.json().path("cqes").get(0).path("res").asLong()).isEqualTo(4096);
        Res badOp = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_EVENTFD\"}");
        badOp.problem(400, "validation-failed");
        // IORING_REGISTER_FILES is simulated: no fds is nr_args 0, io_sqe_files_register()'s -EINVAL (io_uring/rsrc.c)
        Res files = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_FILES\"}");
        assertThat(files.json().path("errno").asText()).as(files.body()).isEqualTo("EINVAL");
        assertThat(badOp.fieldError("opcode")).contains("IORING_REGISTER_BUFFERS2");
        // io_nop() with IORING_NOP_FIXED_BUFFER: no node at index 5 -> -EFAULT; READV_FIXED over the registered buffer
        Res nop = post(p(s, "/processes/1/io_uring_enter"), s.token(), "{\"fd\":" + ring + ",\"sqes\":[{\"opcode\":\"IORING_OP_NOP\","
                + "\"fd\":0,\"addr\":\"0x0\",\"len\":0,\"bufIndex\":5,\"userData\":1,\"nopFlags\":8},{\"opcode\":\"IORING_OP_READV_FIXED\",\"fd\":"
                + fd + ",\"addr\":\"0x0\",\"len\":0,\"off\":0,\"bufIndex\":0,\"userData\":2,\"iovecs\":[{\"base\":\"" + addr + "\",\"len\":4096}]}]}");
        assertThat(nop.json().path("cqes").get(0).path("res").asInt()).as(nop.body()).isEqualTo(-14);
        assertThat(nop.json().path("cqes").get(1).path("res").asInt()).as(nop.body()).isEqualTo(4096);
        // SYSCALL_DEFINE4(io_uring_register): an opcode >= IORING_REGISTER_LAST (36 in 6.18) is the kernel's -EINVAL
        Res last = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcodeNumber\":99}");
        assertThat(last.status()).as(last.body()).isEqualTo(200);
        assertThat(last.json().path("errno").asString()).isEqualTo("EINVAL");
        Res unsimulated = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcodeNumber\":4}");
        unsimulated.problem(400, "validation-failed");
        assertThat(unsimulated.fieldError("opcodeNumber")).contains("not simulated");
        Res both = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"opcodeNumber\":0}");
        both.problem(400, "validation-failed");
        assertThat(both.fieldError("opcode")).contains("exactly one");
        Res badIov = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"zz\",\"len\":1}]}");
        badIov.problem(400, "validation-failed");
        assertThat(badIov.fieldError("iovecs[0].base")).contains("address");
        Res negLen = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"0x1000\",\"len\":-1}]}");
        negLen.problem(400, "validation-failed");
        assertThat(negLen.fieldError("iovecs[0].len")).isNotBlank();
        StringBuilder many = new StringBuilder("{\"fd\":" + ring + ",\"sqes\":[");
        for (int i = 0; i < 5; i++) // 5 x 1 GiB: more than max-touch-bytes (4 GiB) in one submission
            many.append(i == 0 ? "" : ",").append("{\"opcode\":\"IORING_OP_READ_FIXED\",\"fd\":0,\"addr\":\"0x1000\","
                    + "\"len\":1073741824,\"off\":0,\"bufIndex\":0,\"userData\":1}");
        Res tooMuch = post(p(s, "/processes/1/io_uring_enter"), s.token(), many.append("]}").toString());
        tooMuch.problem(400, "validation-failed");
        assertThat(tooMuch.fieldError("sqes")).contains("max-touch-bytes");
        Res noBase = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"0x1000\",\"len\":1},{\"len\":1}]}");
        noBase.problem(400, "validation-failed");
        assertThat(noBase.fieldError("iovecs[1].base")).contains("must not be null");
        Res nullIov = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[null]}");
        nullIov.problem(400, "validation-failed");
        assertThat(nullIov.fieldError("iovecs[0]")).contains("must not be null");
        get(p(s, "/processes/1/io_uring/99/buffers"), s.token()).problem(404, "not-found");
        assertThat(get(p(s, "/processes/1/io_uring/" + ring + "/buffers"), s.token()).json().size())
                .as("rejected requests changed nothing").isEqualTo(1);
    }

    /** The iovec array is read in one streaming pass; every shape error still names its element and field. */
    @Test
    void iovecShapeErrorsNameTheElement() {
        Session s = newSession(null);
        int ring = post(p(s, "/processes/1/io_uring_setup"), s.token(), "{\"entries\":8}").json().path("ret").asInt();
        String head = "{\"fd\":" + ring + ",\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":";
        String ok = "{\"base\":\"0x1000\",\"len\":4096}";
        Object[][] cases = {
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":4096,\"size\":1}]", "iovecs[1].size", "base, count, len, stride"},
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":4096,\"count\":\"2\"}]", "iovecs[1].count", "integer"},
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":4096,\"count\":0}]", "iovecs[1].count", "between 1 and 65536"},
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":4096.5}]", "iovecs[1].len", "integer"},
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":\"4096\"}]", "iovecs[1].len", "integer"},
                {"[{\"base\":\"0x1000\",\"len\":99999999999999999999}]", "iovecs[0].len", "range"},
                {"[" + ok + ",{\"base\":4096,\"len\":1}]", "iovecs[1].base", "string"},
                {"[" + ok + ",7]", "iovecs[1]", "object"},
                {"{\"base\":\"0x1000\"}", "iovecs", "array"},
                {"[" + ok + ",{\"base\":\"0x1000\"}]", "iovecs[1].len", "must not be null"},
                {"[" + ok + ",{\"base\":\"0x1000\",\"len\":null}]", "iovecs[1].len", "must not be null"},
        };
        for (Object[] c : cases) {
            Res r = post(p(s, "/processes/1/io_uring_register"), s.token(), head + c[0] + "}");
            r.problem(400, "validation-failed");
            assertThat(r.fieldError((String) c[1])).as((String) c[0]).containsIgnoringCase((String) c[2]);
        }
        assertThat(get(p(s, "/processes/1/io_uring/" + ring + "/buffers"), s.token()).json().size())
                .as("nothing registered").isZero();
    }

    @Test
    void ioUringBufferTablePaginatesWithTheTableSizeInAHeader() {
        Session s = newSession(null);
        int ring = post(p(s, "/processes/1/io_uring_setup"), s.token(), "{\"entries\":8}").json().path("ret").asInt();
        // IORING_REGISTER_BUFFERS2 with IORING_RSRC_REGISTER_SPARSE: a table of 300 empty slots
        Res reg = post(p(s, "/processes/1/io_uring_register"), s.token(), "{\"fd\":" + ring
                + ",\"opcode\":\"IORING_REGISTER_BUFFERS2\",\"nr\":300,\"flags\":[\"IORING_RSRC_REGISTER_SPARSE\"]}");
        assertThat(reg.json().path("ret").asLong()).as(reg.body()).isZero();
        Res first = get(p(s, "/processes/1/io_uring/" + ring + "/buffers"), s.token());
        assertThat(first.header("X-Total-Count")).isEqualTo("300");
        assertThat(first.json().size()).as("default page").isEqualTo(100);
        Res last = get(p(s, "/processes/1/io_uring/" + ring + "/buffers?offset=250&limit=1000"), s.token());
        assertThat(last.json().size()).isEqualTo(50);
        assertThat(last.json().get(0).path("index").asInt()).isEqualTo(250);
        assertThat(last.json().get(0).path("empty").asBoolean()).isTrue();
        get(p(s, "/processes/1/io_uring/" + ring + "/buffers?limit=5000"), s.token()).problem(400, "validation-failed");
    }

    @Test
    void everyKernelEndpointNeedsTheToken() {
        Session s = newSession(null);
        Session other = newSession(null);
        String[][] calls = {
                {"POST", "/processes/1/munmap", "{\"addr\":\"0x10000\",\"length\":4096}"},
                {"POST", "/processes/1/access", "{\"addr\":\"0x10000\",\"length\":4096,\"access\":\"read\"}"},
                {"POST", "/processes/1/fork", null},
                {"POST", "/processes/1/open", "{\"path\":\"/mnt/ext4/a\",\"flags\":[\"O_RDONLY\"]}"},
                {"POST", "/processes/1/gup", "{\"call\":\"pin_user_pages\",\"start\":\"0x10000\",\"nrPages\":1,\"gupFlags\":[]}"},
                {"POST", "/processes/1/io_uring_setup", "{\"entries\":8}"},
                {"GET", "/processes/1/maps", null},
                {"GET", "/processes/1/fds", null},
                {"GET", "/pins", null},
                {"GET", "/sysctl/vm.nr_hugepages", null},
                {"GET", "/mounts", null},
                {"DELETE", "/processes/1", null}};
        for (String[] c : calls) {
            send(method(c[0], p(s, c[1]), null, c[2], c[2] == null ? null : "application/json")).problem(401, "unauthorized");
            send(method(c[0], p(s, c[1]), other.token(), c[2], c[2] == null ? null : "application/json"))
                    .problem(404, "not-found");
        }
        assertThat(get(p(s, "/events"), s.token()).json().size()).as("no call reached the kernel").isZero();
        assertThat(get(p(s, "/processes"), s.token()).json().size()).isEqualTo(1);
    }
}
