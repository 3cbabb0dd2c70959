package io.pinlab.api.steps;

import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.iouring.BufferView;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.session.LabSession;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.SessionService;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step log keeps a registration of many evenly spaced buffers as one run element
 * ({@link IovecArray}), and a log replays the same whether it holds runs or, as logs written
 * before runs do, one element per iovec.
 */
class RegisterLogTest {
    private static final int N = 1024; // 4 MiB: within the default RLIMIT_MEMLOCK of 8 MiB with the ring's 2 pages

    @Test
    void manyBuffersAreLoggedAsOneRunAndReplay() {
        StepsFixture f = new StepsFixture();
        SessionService.Created created = f.sessions.create("v6.18", null, false, null);
        LabSession s = created.session();
        long addr = 0x100000000L;
        f.steps.call(s, Op.MMAP, 1, new Requests.MmapRequest(Address.of(addr), N * 4096L,
                EnumSet.of(Prot.PROT_READ, Prot.PROT_WRITE), EnumSet.of(MapFlag.MAP_PRIVATE, MapFlag.MAP_ANONYMOUS, MapFlag.MAP_FIXED), null, null));
        int ring = (int) ((KernelAnswer) f.steps.call(s, Op.IO_URING_SETUP, 1, new Requests.SetupRequest(8L, null))).ret();
        KernelAnswer reg = f.steps.call(s, Op.IO_URING_REGISTER, 1, new Requests.RegisterRequest(ring, RegisterOp.IORING_REGISTER_BUFFERS,
                IovecArray.of(buffers(addr)), null, null, null, null, null, null, null, null, null));
        assertThat(reg.ret()).isZero();

        List<LoggedStep> log = f.sessions.steps(s, 0, 10);
        JsonNode iovecs = log.get(log.size() - 1).args().get("iovecs");
        assertThat(iovecs.toString()).isEqualTo("[{\"base\":\"0x100000000\",\"len\":4096,\"count\":" + N + "}]");
        assertThat(f.store.stepsAfter(s.id(), 0).get(log.size() - 1).length).as("the logged step's bytes").isLessThan(400);

        List<BufferView> live = s.locked(k -> IoUring.buffers(k, k.task(1), ring, 0, N));
        assertThat(live).hasSize(N);
        SessionService replica = new SessionService(f.store, f.sessions.properties(), f.budget, Clock.systemUTC(), new StepDecoder(f.mapper));
        LabSession cold = replica.authorize(s.id(), "Bearer " + created.token());
        List<BufferView> replayed = cold.locked(k -> IoUring.buffers(k, k.task(1), ring, 0, N));
        assertThat(replayed).as("a cold replica replays the run").isEqualTo(live);
    }

    @Test
    void aLoggedArrayOfSingleIovecsDecodesToTheSameCall() {
        StepsFixture f = new StepsFixture();
        StringBuilder explicit = new StringBuilder("[");
        for (Iovec v : buffers(0x100000000L))
            explicit.append(explicit.length() > 1 ? "," : "").append("{\"base\":\"").append(Address.of(v.base())).append("\",\"len\":4096}");
        String old = "{\"fd\":0,\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":" + explicit + "]}";
        String run = "{\"fd\":0,\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\"0x100000000\",\"len\":4096,\"count\":" + N + "}]}";
        StepDecoder d = new StepDecoder(f.mapper);
        Object fromOld = d.decode(Profile.V6_18, new LoggedStep("io_uring_register", 1, 0, f.mapper.readTree(old), 0, null, null));
        Object fromRun = d.decode(Profile.V6_18, new LoggedStep("io_uring_register", 1, 0, f.mapper.readTree(run), 0, null, null));
        assertThat(fromRun).isEqualTo(fromOld);
    }

    private static List<Iovec> buffers(long addr) {
        List<Iovec> iovecs = new ArrayList<>();
        for (int i = 0; i < N; i++) iovecs.add(new Iovec(addr + i * 4096L, 4096));
        return iovecs;
    }
}
