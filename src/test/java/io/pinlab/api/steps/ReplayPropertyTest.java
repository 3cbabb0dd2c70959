package io.pinlab.api.steps;

import io.pinlab.api.json.Address;
import io.pinlab.api.problem.ApiProblemException;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.Sysctl;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.Views;
import io.pinlab.kernel.fs.MfdFlag;
import io.pinlab.kernel.fs.OFlag;
import io.pinlab.kernel.base.Iovec;
import io.pinlab.kernel.iouring.RegisterOp;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.Madv;
import io.pinlab.kernel.mm.MapFlag;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.Pins;
import io.pinlab.kernel.mm.Prot;
import io.pinlab.kernel.KernelSnapshot;
import io.pinlab.kernel.Syscall;
import io.pinlab.session.LabSession;
import io.pinlab.session.LoggedStep;
import io.pinlab.session.ProcessLimitException;
import io.pinlab.session.SessionService;
import io.pinlab.session.TouchLimitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel is deterministic, so a session is its log: for random labs under every profile,
 * the live state equals the state replayed from the stored steps, the state at a random earlier
 * step equals what {@code ?at=N} replays, and a replica that never saw the session (empty
 * kernel cache) catches up to the same state. State = maps, pagemap of every VMA, status and
 * descriptors of every process, pins, dmesg, sysctls and per-user locked_vm.
 */
class ReplayPropertyTest {

    /** {@code count} seeds from {@code firstSeed}, the profiles taken in turn. */
    static Stream<Arguments> seeds(int count, long firstSeed) {
        List<Profile> profiles = Profile.ALL;
        return IntStream.range(0, count).mapToObj(i -> Arguments.of(firstSeed + i, profiles.get(i % profiles.size()).name()));
    }

    static Stream<Arguments> labs() {
        return seeds(200, 1000);
    }

    @ParameterizedTest(name = "seed {0}, profile {1}")
    @MethodSource("labs")
    void liveStateIsTheReplayOfTheLog(long seed, String profile) {
        StepsFixture f = new StepsFixture();
        Random r = new Random(seed);
        SessionService.Created created = f.sessions.create(profile, null, r.nextInt(3) == 0, null);
        LabSession s = created.session();
        int n = 30 + r.nextInt(40);
        int mid = r.nextInt(n);
        State atMid = null;
        long midStep = 0;
        for (int i = 0; i < n; i++) {
            randomCall(f, s, r);
            if (i == mid) {
                midStep = s.steps();
                atMid = s.locked(State::of);
            }
        }
        State live = s.locked(State::of);
        assertThat(s.steps()).as("most random calls reach the kernel").isGreaterThan(n / 3);

        assertThat(s.at(s.steps()).locked(State::of)).as("replay of the whole log").isEqualTo(live);
        assertThat(s.at(midStep).locked(State::of)).as("replay up to step %d", midStep).isEqualTo(atMid);

        SessionService replica = new SessionService(f.store, f.sessions.properties(), f.budget, java.time.Clock.systemUTC(),
                new StepDecoder(f.mapper));
        LabSession cold = replica.authorize(s.id(), "Bearer " + created.token());
        assertThat(cold.locked(State::of)).as("a replica with an empty kernel cache catches up").isEqualTo(live);
    }

    static Stream<Arguments> snapshotLabs() {
        return seeds(60, 5000);
    }

    /**
     * Snapshots are a cache of "state after step k": for several k of a random lab, the snapshot
     * read back shows the state at k, and replaying the rest of the log on it (each step must give
     * its logged answer, as SessionService.replay demands) gives the live state. Through the
     * service, with those snapshots in the store, {@code ?at=N} (the newest snapshot at or before
     * N plus the steps after it) and a cold replica (the newest snapshot plus the rest) agree.
     */
    @ParameterizedTest(name = "seed {0}, profile {1}")
    @MethodSource("snapshotLabs")
    void aSnapshotPlusTheRestOfTheLogIsTheLiveState(long seed, String profile) {
        StepsFixture f = new StepsFixture();
        Random r = new Random(seed);
        SessionService.Created created = f.sessions.create(profile, null, r.nextInt(3) == 0, null);
        LabSession s = created.session();
        TreeMap<Long, byte[]> snapshots = new TreeMap<>();
        Map<Long, State> states = new java.util.HashMap<>(); // after every step
        int n = 30 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            long v = s.steps();
            states.put(v, s.locked(State::of));
            if (i == 0 || r.nextInt(6) == 0) snapshots.put(v, s.locked(KernelSnapshot::write));
            randomCall(f, s, r);
        }
        State live = s.locked(State::of);
        long steps = s.steps();
        assertThat(snapshots).as("several k").hasSizeGreaterThan(2);
        List<byte[]> log = f.store.stepsAfter(s.id(), 0);
        assertThat(log).hasSize((int) steps);

        StepDecoder decoder = new StepDecoder(f.mapper);
        for (Map.Entry<Long, byte[]> e : snapshots.entrySet()) {
            long k = e.getKey();
            Kernel restored = KernelSnapshot.read(e.getValue(), new MemCg(64L << 20, f.budget.global()), 1L << 20);
            assertThat(State.of(restored)).as("snapshot at step %d read back", k).isEqualTo(states.get(k));
            for (long j = k; j < steps; j++) {
                LoggedStep step = LoggedStep.decode(log.get((int) j));
                Object answer = decoder.decode(s.profile(), step).apply(restored);
                assertThat(Syscall.ret(answer)).as("step %d (%s) replayed on the snapshot at %d", j + 1, step.op(), k)
                        .isEqualTo(step.ret());
            }
            assertThat(State.of(restored)).as("snapshot at step %d + the %d steps after it", k, steps - k).isEqualTo(live);
            restored.memcg.offline();
        }

        snapshots.forEach((k, bytes) -> f.store.putSnapshot(s.id(), k, bytes));
        for (int i = 0; i < 6; i++) {
            long at = r.nextLong(steps); // states.get(at) was recorded before the step after it
            assertThat(s.at(at).locked(State::of)).as("?at=%d: the snapshot at %d and the rest", at, snapshots.floorKey(at))
                    .isEqualTo(states.get(at));
        }
        SessionService replica = new SessionService(f.store, f.sessions.properties(), f.budget, java.time.Clock.systemUTC(), decoder);
        assertThat(replica.authorize(s.id(), "Bearer " + created.token()).locked(State::of))
                .as("a cold replica: the newest snapshot (step %d) and the rest", snapshots.lastKey()).isEqualTo(live);
    }

    /**
     * {@code ?at=N} starts from the newest snapshot at or before N (SessionService.replayed): a
     * snapshot planted at step k that really holds the state of step j shows at k, and is not
     * used for k - 1.
     */
    @Test
    void aPastStateStartsFromTheNewestSnapshotAtOrBeforeIt() {
        StepsFixture f = new StepsFixture();
        Random r = new Random(42);
        LabSession s = f.sessions.create("v6.18", null, false, null).session();
        while (s.steps() < 3) randomCall(f, s, r);
        long j = s.steps();
        byte[] atJ = s.locked(KernelSnapshot::write);
        State stateJ = s.locked(State::of);
        State before = stateJ; // the state after the last step but one
        while (s.steps() < j + 3 || s.locked(State::of).equals(stateJ)) {
            long v = s.steps();
            State now = s.locked(State::of);
            randomCall(f, s, r);
            if (s.steps() > v) before = now;
        }
        long k = s.steps();
        f.store.putSnapshot(s.id(), k, atJ);
        assertThat(s.at(k).locked(State::of)).as("the snapshot stored for step %d", k).isEqualTo(stateJ);
        assertThat(s.at(k - 1).locked(State::of)).as("step %d is before the snapshot: replayed from boot", k - 1).isEqualTo(before);
    }

    /** What a student can observe of a kernel. */
    record State(List<TaskState> tasks, List<Answers.PinView> pins, String dmesg, long nrHugepages, long maxMapCount,
                 long lockedVm1000, long lockedVm0) {
        static State of(Kernel k) {
            List<TaskState> tasks = k.tasks.values().stream().map(t -> TaskState.of(k, t)).toList();
            return new State(tasks, Pins.list(k).stream().map(p -> Answers.PinView.of(p, k.profile, true)).toList(),
                    k.log.text(), Sysctl.get(k, "vm.nr_hugepages"), Sysctl.get(k, "vm.max_map_count"),
                    k.userLockedVm(1000), k.userLockedVm(0));
        }
    }

    record TaskState(int pid, int ppid, String comm, List<Views.MapEntry> maps, List<List<Views.PageEntry>> pagemaps,
                     Views.Status status, List<Views.FdEntry> fds) {
        static TaskState of(Kernel k, Task t) {
            List<Views.MapEntry> maps = t.mm == null ? List.of() : Views.maps(k, t);
            List<List<Views.PageEntry>> pages = maps.stream().map(m -> Views.pagemap(k, t, m.start(), m.end() - m.start())).toList();
            return new TaskState(t.pid, t.ppid, t.comm, maps, pages, t.mm == null ? null : Views.status(k, t), Views.fds(k, t));
        }
    }

    // ---------------------------------------------------------------- random calls

    private record Known(List<Integer> pids, List<Views.MapEntry> vmas, List<Pin> pins, List<Views.FdEntry> fds) {
    }

    private static <E extends Enum<E>> EnumSet<E> some(Random r, Class<E> type, List<E> from) {
        EnumSet<E> set = EnumSet.noneOf(type);
        for (E e : from) if (r.nextInt(3) == 0) set.add(e);
        return set;
    }

    private static <T> T pick(Random r, List<T> xs) { return xs.get(r.nextInt(xs.size())); }

    /** One call chosen at random from what the session holds; calls the kernel refuses outright are skipped. */
    static void randomCall(StepsFixture f, LabSession s, Random r) {
        Profile profile = s.profile();
        int pidChoice = r.nextInt(1 << 16);
        Known known = s.locked(k -> {
            List<Integer> pids = new ArrayList<>(k.tasks.keySet());
            int pid = pids.get(pidChoice % pids.size());
            Task t = k.tasks.get(pid);
            List<Views.MapEntry> vmas = t.mm == null ? List.of() : Views.maps(k, t);
            return new Known(List.of(pid), vmas, Pins.list(k).stream().filter(p -> !p.released()).toList(), Views.fds(k, t));
        });
        int pid = known.pids().get(0);
        Views.MapEntry vma = known.vmas().isEmpty() ? null : pick(r, known.vmas());
        long start = vma == null ? 0x10000 : vma.start() + 4096L * r.nextInt((int) Math.max(1, (vma.end() - vma.start()) >>> 12));
        long len = 4096L * (1 + r.nextInt(8));
        EnumSet<Prot> rw = EnumSet.of(Prot.PROT_READ, Prot.PROT_WRITE);
        try {
            switch (r.nextInt(26)) {
                case 0, 1 -> {
                    EnumSet<MapFlag> flags = EnumSet.of(r.nextBoolean() ? MapFlag.MAP_PRIVATE : MapFlag.MAP_SHARED, MapFlag.MAP_ANONYMOUS);
                    if (r.nextInt(4) == 0) flags.add(MapFlag.MAP_POPULATE);
                    f.steps.call(s, Op.MMAP, pid, new Requests.MmapRequest(null, 4096L * (1 + r.nextInt(16)),
                            r.nextInt(5) == 0 ? some(r, Prot.class, List.of(Prot.values())) : rw, flags, null, null));
                }
                case 2 -> {
                    List<Views.FdEntry> files = known.fds().stream().filter(x -> !x.ring()).toList();
                    if (files.isEmpty()) return;
                    f.steps.call(s, Op.MMAP, pid, new Requests.MmapRequest(null, 4096L * (1 + r.nextInt(4)), rw,
                            EnumSet.of(r.nextBoolean() ? MapFlag.MAP_SHARED : MapFlag.MAP_PRIVATE), pick(r, files).fd(), 0L));
                }
                case 3 -> f.steps.call(s, Op.MUNMAP, pid, new Requests.RangeRequest(Address.of(start), len));
                case 4 -> f.steps.call(s, Op.MPROTECT, pid, new Requests.MprotectRequest(Address.of(start), len,
                        some(r, Prot.class, List.of(Prot.values()))));
                case 5 -> f.steps.call(s, Op.MADVISE, pid, new Requests.MadviseRequest(Address.of(start), len,
                        pick(r, List.of(Madv.values()))));
                case 6, 7, 8 -> {
                    boolean write = r.nextBoolean();
                    f.steps.call(s, Op.ACCESS, pid, new Requests.AccessRequest(Address.of(start), len,
                            write ? Requests.AccessKind.write : Requests.AccessKind.read, write ? (long) r.nextInt(100) : null));
                }
                case 9, 10 -> {
                    List<GupCall> calls = List.of(GupCall.values());
                    List<FollFlag> flags = List.of(FollFlag.FOLL_WRITE, FollFlag.FOLL_LONGTERM, FollFlag.FOLL_FORCE,
                            FollFlag.FOLL_GET, FollFlag.FOLL_PIN);
                    EnumSet<FollFlag> chosen = some(r, FollFlag.class, flags);
                    chosen.removeIf(x -> !x.existsIn(profile));
                    GupCall call = pick(r, calls);
                    f.steps.call(s, Op.GUP, pid, new Requests.GupCallRequest(call, Address.of(start), (long) (1 + r.nextInt(8)),
                            chosen, r.nextInt(8) != 0, null, call.remote() ? 1 : null, call.remote() ? pid : null));
                }
                case 11 -> {
                    if (known.pins().isEmpty()) return;
                    Pin p = pick(r, known.pins());
                    PinRelease how = p.kind() == Pin.Kind.FOLL_GET ? PinRelease.put_page
                            : r.nextBoolean() ? PinRelease.unpin_user_pages : PinRelease.unpin_user_pages_dirty_lock;
                    f.steps.call(s, Op.RELEASE, null, new Requests.ReleaseArgs(p.id(), how, r.nextBoolean()));
                }
                case 12 -> f.steps.call(s, Op.FORK, pid, new Requests.NoArgs());
                case 13 -> {
                    if (r.nextBoolean()) f.steps.call(s, Op.PROCESS, null, new Requests.CreateProcessRequest(null,
                            r.nextBoolean() ? 0 : null, r.nextBoolean(), null));
                    else if (pid != 1) f.steps.call(s, Op.EXIT, pid, new Requests.NoArgs());
                }
                case 14 -> {
                    switch (r.nextInt(4)) {
                        case 0 -> f.steps.call(s, Op.OPEN, pid, new Requests.OpenRequest("/mnt/" + pick(r, List.of("ext4", "xfs"))
                                + "/f" + r.nextInt(4), EnumSet.of(OFlag.O_RDWR, OFlag.O_CREAT), 16384L));
                        case 1 -> f.steps.call(s, Op.MEMFD_CREATE, pid, new Requests.MemfdCreateRequest("m" + r.nextInt(9),
                                EnumSet.noneOf(MfdFlag.class), 8192L * (1 + r.nextInt(4))));
                        case 2 -> {
                            if (known.fds().isEmpty()) return;
                            f.steps.call(s, Op.FTRUNCATE, pid, new Requests.FtruncateRequest(pick(r, known.fds()).fd(),
                                    4096L * r.nextInt(8)));
                        }
                        default -> {
                            if (known.fds().isEmpty()) return;
                            f.steps.call(s, Op.CLOSE, pid, new Requests.CloseRequest(pick(r, known.fds()).fd()));
                        }
                    }
                }
                case 15 -> f.steps.call(s, Op.IO_URING_SETUP, pid, new Requests.SetupRequest(8L, null));
                case 16 -> {
                    List<Views.FdEntry> rings = known.fds().stream().filter(Views.FdEntry::ring).toList();
                    if (rings.isEmpty() || vma == null) return;
                    int ring = pick(r, rings).fd();
                    if (r.nextInt(3) == 0) {
                        List<Views.FdEntry> files = known.fds().stream().filter(x -> !x.ring()).toList();
                        f.steps.call(s, Op.IO_URING_ENTER, pid, new Requests.EnterRequest(ring, List.of(new Requests.SqeJson(
                                r.nextBoolean() ? io.pinlab.kernel.iouring.SqeOp.IORING_OP_READ_FIXED : io.pinlab.kernel.iouring.SqeOp.IORING_OP_WRITE_FIXED,
                                files.isEmpty() ? 0 : pick(r, files).fd(), Address.of(start), 4096L, 0L, r.nextInt(2), 7L, null, null, null, null)), null));
                    } else {
                        RegisterOp op = r.nextBoolean() ? RegisterOp.IORING_REGISTER_BUFFERS : RegisterOp.IORING_UNREGISTER_BUFFERS;
                        f.steps.call(s, Op.IO_URING_REGISTER, pid, new Requests.RegisterRequest(ring, op,
                                op == RegisterOp.IORING_REGISTER_BUFFERS ? IovecArray.of(List.of(new Iovec(start, len))) : null,
                                null, null, null, null, null, null, null, null, null));
                    }
                }
                case 18 -> {
                    List<Requests.UserIovec> one = List.of(new Requests.UserIovec(Address.of(start), len));
                    f.steps.call(s, r.nextBoolean() ? Op.PROCESS_VM_READV : Op.PROCESS_VM_WRITEV, pid,
                            new Requests.ProcessVmRequest(1, one, one, null));
                }
                case 19 -> {
                    boolean write = r.nextBoolean();
                    f.steps.call(s, Op.PROC_PID_MEM, pid, new Requests.ProcMemRequest(1, Address.of(start), 8L,
                            write ? Requests.MemAccess.write : Requests.MemAccess.read, write ? 5L : null));
                }
                case 21 -> f.steps.call(s, Op.PIPE2, pid, new Requests.Pipe2Request(java.util.EnumSet.of(io.pinlab.kernel.fs.OFlag.O_NONBLOCK)));
                case 22 -> { // vmsplice into, or read from, some fd (pipes among them)
                    if (known.fds().isEmpty()) return;
                    int fd = pick(r, known.fds()).fd();
                    if (r.nextBoolean()) f.steps.call(s, Op.VMSPLICE, pid, new Requests.VmspliceRequest(fd,
                            List.of(new Requests.UserIovec(Address.of(start), Math.min(len, 4096L * 20))),
                            java.util.EnumSet.of(io.pinlab.kernel.fs.SpliceFlag.SPLICE_F_NONBLOCK)));
                    else f.steps.call(s, Op.READ, pid, new Requests.ReadRequest(fd, Address.of(start), 4096L * r.nextInt(3)));
                }
                case 23 -> {
                    if (known.fds().isEmpty()) return;
                    f.steps.call(s, Op.FALLOCATE, pid, new Requests.FallocateRequest(pick(r, known.fds()).fd(), r.nextBoolean()
                            ? java.util.EnumSet.of(io.pinlab.kernel.fs.FallocFlag.FALLOC_FL_PUNCH_HOLE, io.pinlab.kernel.fs.FallocFlag.FALLOC_FL_KEEP_SIZE)
                            : java.util.EnumSet.noneOf(io.pinlab.kernel.fs.FallocFlag.class), 4096L * r.nextInt(8), 4096L * (1 + r.nextInt(8))));
                }
                case 24 -> f.steps.call(s, Op.SWAPON, null, new Requests.SwaponRequest(4096L * (2 + r.nextInt(16))));
                case 25 -> f.steps.call(s, Op.SWAPOFF, null, new Requests.NoArgs());
                default -> f.steps.call(s, Op.SYSCTL, null, new Requests.SysctlArgs("vm.nr_hugepages", (long) r.nextInt(4)));
            }
        } catch (ApiProblemException | NoSuchObjectException | StateConflictException | ProcessLimitException
                 | TouchLimitException | io.pinlab.kernel.base.NotSimulatedException refused) {
            // not a call the kernel made: not in the log
        }
    }
}
