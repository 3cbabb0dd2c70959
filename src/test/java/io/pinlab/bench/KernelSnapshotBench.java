package io.pinlab.bench;

import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.BigSession;
import io.pinlab.kernel.KernelSnapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Kernel snapshots of the issue-7 target session (BigSession: wrote and pinned 1 GiB,
 * 16,384 registered buffers, 10 forks): write and restore time (target restore ≤ 100 ms); the
 * size (target ≤ 2 MiB) is printed at setup and asserted by BigSessionSnapshotTest.
 *
 * Run: ./mvnw -Pbench test-compile exec:exec -Dbench.args='KernelSnapshotBench -f 1 -wi 5 -i 5'
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(time = 3)
@Measurement(time = 3)
public class KernelSnapshotBench {
    private Kernel kernel;
    private byte[] bytes;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = BigSession.build();
        bytes = KernelSnapshot.write(kernel);
        System.out.println("\nsnapshot size: " + bytes.length + " bytes");
    }

    @Benchmark
    public byte[] write() {
        return KernelSnapshot.write(kernel);
    }

    @Benchmark
    public Kernel restore() {
        return KernelSnapshot.read(bytes);
    }
}
