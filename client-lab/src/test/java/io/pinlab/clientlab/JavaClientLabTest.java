package io.pinlab.clientlab;

import io.pinlab.client.ApiClient;
import io.pinlab.client.ApiException;
import io.pinlab.client.api.GupApi;
import io.pinlab.client.api.IoUringApi;
import io.pinlab.client.api.MemoryApi;
import io.pinlab.client.api.ObservabilityApi;
import io.pinlab.client.api.ProcessesApi;
import io.pinlab.client.api.SessionsApi;
import io.pinlab.client.model.AccessRequest;
import io.pinlab.client.model.CreateSessionRequest;
import io.pinlab.client.model.CreatedSession;
import io.pinlab.client.model.GupAnswer;
import io.pinlab.client.model.GupCallRequest;
import io.pinlab.client.model.IovecJson;
import io.pinlab.client.model.KernelAnswer;
import io.pinlab.client.model.MmapAnswer;
import io.pinlab.client.model.MmapRequest;
import io.pinlab.client.model.PageView;
import io.pinlab.client.model.ProcessView;
import io.pinlab.client.model.RegisterRequest;
import io.pinlab.client.model.ReleaseRequest;
import io.pinlab.client.model.SetupRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lab 2 of the course, as a student writes it with the Java client that openapi-generator made from
 * the served document (library "native": java.net.http + Jackson 2), against a running pinlab.
 * Expected numbers follow the kernel: a FOLL_PIN on a small folio adds GUP_PIN_COUNTING_BIAS (1024)
 * to its refcount (include/linux/mm.h), on top of the mapping's own reference (mm/gup.c try_grab_folio).
 */
class JavaClientLabTest {
    static final String BASE = System.getProperty("pinlab.base", "http://127.0.0.1:18880");

    @Test
    void completeLabThroughTheGeneratedClient() throws ApiException {
        ApiClient api = new ApiClient();
        api.updateBaseUri(BASE);
        CreatedSession s = new SessionsApi(api).createSession(new CreateSessionRequest()
                .profile(CreateSessionRequest.ProfileEnum.V6_5).label("java client lab"));
        api.setRequestInterceptor(b -> b.header("Authorization", "Bearer " + s.getToken()));
        String sid = s.getId();
        int pid = s.getInitPid();
        try {
            MemoryApi memory = new MemoryApi(api);
            MmapAnswer mmap = memory.mmap(sid, pid, new MmapRequest().length(16384L)
                    .prot(List.of(MmapRequest.ProtEnum.PROT_READ, MmapRequest.ProtEnum.PROT_WRITE))
                    .flags(List.of(MmapRequest.FlagsEnum.MAP_PRIVATE, MmapRequest.FlagsEnum.MAP_ANONYMOUS)));
            assertNull(mmap.getErrno());
            String buf = mmap.getAddr();

            assertEquals(16384L, memory.access(sid, pid, new AccessRequest().addr(buf).length(16384L)
                    .access(AccessRequest.AccessEnum.WRITE).value(7L)).getRet());

            GupAnswer pin = new GupApi(api).gup(sid, pid, new GupCallRequest()
                    .call(GupCallRequest.CallEnum.PIN_USER_PAGES_FAST).start(buf).nrPages(4L)
                    .gupFlags(List.of(GupCallRequest.GupFlagsEnum.FOLL_WRITE, GupCallRequest.GupFlagsEnum.FOLL_LONGTERM)));
            assertEquals(4L, pin.getRet());
            long pinId = pin.getPin().getId();

            List<PageView> pages = memory.getPagemap(sid, pid, buf, 16384L);
            assertEquals(4, pages.size());
            for (PageView p : pages) {
                assertEquals(1 + 1024, p.getFolio().getRefcount()); // mapped once + GUP_PIN_COUNTING_BIAS
                assertEquals(1, p.getFolio().getPincount());
            }

            KernelAnswer released = new GupApi(api).releasePin(sid, pinId,
                    new ReleaseRequest().how(ReleaseRequest.HowEnum.UNPIN_USER_PAGES));
            assertEquals(0L, released.getRet());
            assertEquals(1, memory.getPagemap(sid, pid, buf, 4096L).get(0).getFolio().getRefcount());

            IoUringApi uring = new IoUringApi(api);
            long ring = uring.ioUringSetup(sid, pid, new SetupRequest().entries(8L)).getRet();
            assertTrue(ring >= 0);
            KernelAnswer reg = uring.ioUringRegister(sid, pid, new RegisterRequest().fd((int) ring)
                    .opcode(RegisterRequest.OpcodeEnum.IORING_REGISTER_BUFFERS)
                    .iovecs(List.of(new IovecJson().base(buf).len(16384L))));
            assertEquals(0L, reg.getRet());
            assertEquals(4L, uring.listIoUringBuffers(sid, pid, (int) ring).get(0).getAccountedPages());

            ProcessView child = new ProcessesApi(api).fork(sid, pid);
            assertEquals(pid, child.getPpid());
            new ProcessesApi(api).exitProcess(sid, child.getPid());

            assertTrue(new ObservabilityApi(api).getDmesg(sid).contains("Linux"));
            // compare and exercises: see CompareAndExerciseLab below once they are wired
            ClientLabExtras.compareAndExercise(api, sid);
        } finally {
            new SessionsApi(api).deleteSession(sid);
        }
        ApiException gone = assertThrows(ApiException.class, () -> new SessionsApi(api).getSession(sid));
        assertEquals(404, gone.getCode());
    }
}
