package io.pinlab.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The other GUP users over HTTP: bad input is a 400 naming the field; kernel answers are 200 with errno. */
class GupUsersApiTest extends HttpTestSupport {

    private static String p(Session s, String rest) { return "/api/v1/sessions/" + s.id() + rest; }

    @Test
    void preadNeedsAnODirectFileAndNamesTheField() {
        Session s = newSession(null);
        Res open = post(p(s, "/processes/1/open"), s.token(), "{\"path\":\"/mnt/ext4/b\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":8192}");
        int fd = open.json().path("ret").asInt();
        Res buffered = post(p(s, "/processes/1/pread"), s.token(), "{\"fd\":" + fd + ",\"buf\":\"0x1000\",\"count\":4096,\"offset\":0}");
        buffered.problem(400, "validation-failed");
        assertThat(buffered.fieldError("fd")).contains("O_DIRECT");
        Res badFd = post(p(s, "/processes/1/pread"), s.token(), "{\"fd\":99,\"buf\":\"0x1000\",\"count\":4096,\"offset\":0}");
        assertThat(badFd.status()).isEqualTo(200);
        assertThat(badFd.json().path("errno").asString()).isEqualTo("EBADF"); // ksys_pread64(): no such fd
        Res noCount = post(p(s, "/processes/1/pwrite"), s.token(), "{\"fd\":" + fd + ",\"buf\":\"0x1000\",\"offset\":0}");
        noCount.problem(400, "validation-failed");
        assertThat(noCount.fieldError("count")).isNotBlank();
    }

    @Test
    void processVmAndProcMemAnswerAsTheKernel() {
        Session s = newSession(null);
        Res flags = post(p(s, "/processes/1/process_vm_readv"), s.token(),
                "{\"remotePid\":1,\"local\":[],\"remote\":[],\"flags\":1}");
        assertThat(flags.json().path("errno").asString()).as(flags.body()).isEqualTo("EINVAL"); // process_vm_rw(): flags != 0
        Res none = post(p(s, "/processes/1/process_vm_readv"), s.token(), "{\"remotePid\":77,\"local\":[],\"remote\":[]}");
        assertThat(none.json().path("errno").asString()).isEqualTo("ESRCH");
        Res mem = post(p(s, "/processes/1/proc_pid_mem"), s.token(),
                "{\"targetPid\":1,\"addr\":\"0x1000\",\"length\":1,\"access\":\"read\"}");
        assertThat(mem.json().path("errno").asString()).as(mem.body()).isEqualTo("EIO"); // mem_rw(): nothing copied
        Res value = post(p(s, "/processes/1/proc_pid_mem"), s.token(),
                "{\"targetPid\":1,\"addr\":\"0x1000\",\"length\":1,\"access\":\"read\",\"value\":3}");
        value.problem(400, "validation-failed");
        assertThat(value.fieldError("value")).contains("only a write");
    }
}
