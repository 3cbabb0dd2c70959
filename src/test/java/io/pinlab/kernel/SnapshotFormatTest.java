package io.pinlab.kernel;


import io.pinlab.kernel.base.KernelLog;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.mm.Globals;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.IoMappedUbuf;
import io.pinlab.kernel.iouring.IoRingCtx;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.PinTable;
import io.pinlab.kernel.mm.VmOps;
import io.pinlab.kernel.mm.Vma;
import io.pinlab.kernel.mm.XArray;
import io.pinlab.kernel.mm.Zone;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The format's guard rails: bytes that are not a snapshot of this version give a clear
 * {@link SnapshotFormatException} and never another failure, decoding is capped, and the
 * kernel's state classes hold exactly the fields the format writes (a new field fails here
 * until KernelSnapshot writes it and bumps VERSION).
 */
class SnapshotFormatTest {
    private static final byte[] BUSY = KernelSnapshot.write(KernelSnapshotTest.busyKernel());

    @Test
    void startsWithMagicAndVersionAndNamesNoClass() {
        assertThat(Arrays.copyOf(BUSY, 5)).containsExactly('P', 'L', 'K', 'S', KernelSnapshot.VERSION);
        assertThat(new String(BUSY, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("io.pinlab").doesNotContain("java.");
    }

    @Test
    void refusesJavaSerialisationAndGarbage() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(new java.util.ArrayList<>(List.of("x")));
        }
        assertThatThrownBy(() -> KernelSnapshot.read(b.toByteArray())).isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("checksum");
        assertThatThrownBy(() -> KernelSnapshot.read(new byte[0])).isInstanceOf(SnapshotFormatException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> KernelSnapshot.read(null)).isInstanceOf(SnapshotFormatException.class);
        byte[] magic = BUSY.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> KernelSnapshot.read(withCrc(magic))).isInstanceOf(SnapshotFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void refusesAnotherVersionByName() {
        byte[] other = BUSY.clone();
        other[4] = (byte) (KernelSnapshot.VERSION + 1);
        assertThatThrownBy(() -> KernelSnapshot.read(withCrc(other))).isInstanceOf(SnapshotFormatException.class)
                .hasMessage("kernel snapshot version " + (KernelSnapshot.VERSION + 1) + " is not supported (this build reads " + KernelSnapshot.VERSION + ")");
    }

    @Test
    void everyTruncationAndEveryBitFlipIsRefused() {
        for (int len = 0; len < BUSY.length; len += 1 + len / 64) {
            byte[] prefix = Arrays.copyOf(BUSY, len);
            assertThat(catchThrowable(() -> KernelSnapshot.read(prefix))).as("length %d", len).isInstanceOf(SnapshotFormatException.class);
        }
        for (int bit = 0; bit < BUSY.length * 8; bit += 7) { // CRC-32C detects every single-bit error
            byte[] b = BUSY.clone();
            b[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(catchThrowable(() -> KernelSnapshot.read(b))).as("bit %d", bit).isInstanceOf(SnapshotFormatException.class);
        }
    }

    /** Hostile bytes with a valid checksum: random byte changes either read or give SnapshotFormatException, nothing else. */
    @Test
    void mutatedBytesWithAValidChecksumNeverFailOtherwise() {
        Random r = new Random(42);
        int refused = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = Arrays.copyOf(BUSY, BUSY.length - 4);
            for (int n = 1 + r.nextInt(4); n > 0; n--) b[5 + r.nextInt(b.length - 5)] = (byte) r.nextInt(256);
            byte[] m = withCrc(Arrays.copyOf(b, b.length + 4));
            Throwable t = catchThrowable(() -> KernelSnapshot.read(m, 64L << 20));
            if (t != null) {
                assertThat(t).as("mutation %d", i).isInstanceOf(SnapshotFormatException.class);
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(1000);
    }

    /** 200,000 page-cache leaves of one run each: 1 MB of input that would decode to 800 MB. */
    @Test
    void decodingIsCappedWhateverTheRunsPromise() {
        SnapshotOutput o = new SnapshotOutput();
        for (byte c : "PLKS".getBytes()) o.u8(c);
        o.u8(KernelSnapshot.VERSION);
        o.string("v6.18");
        o.bool(false);
        for (long v : new long[] {1, 100, 1, 0, 0, 65530}) o.varint(v);
        o.bool(true);
        o.zigzag(-1);
        for (long v : new long[] {0, 0, 0, 0, 0, 0}) o.varint(v); // the two hstates: nr, in use, reserved
        o.bool(false);
        o.bool(false); // no swap area
        o.varint(0); // mounts
        o.varint(1); // one inode
        for (long v : new long[] {1}) o.varint(v);
        o.string(null);
        for (long v : new long[] {0, 0, 0}) o.varint(v);
        o.bool(false);
        for (long v : new long[] {0, 0}) o.varint(v);
        o.zigzag(0);
        o.varint(1);
        o.varint(0); // no hstate: not hugetlbfs
        int leaves = 200_000;
        o.varint(leaves);
        long[] ones = new long[XArray.LEAF_SLOTS];
        Arrays.fill(ones, 1);
        for (int i = 0; i < leaves; i++) {
            o.varint(0);
            o.runs(ones, ones.length);
        }
        byte[] bomb = o.finish();
        assertThat(bomb.length).isLessThan(1_200_000);
        assertThatThrownBy(() -> KernelSnapshot.read(bomb, 16L << 20)).isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("decodes to more than 16777216 bytes");
    }

    @Test
    void runsEncodeIdenticalAndConsecutiveValuesInAFewBytes() {
        long[] a = new long[262_144];
        for (int i = 0; i < a.length; i++) a[i] = 0x100000L + i;
        SnapshotOutput o = new SnapshotOutput();
        o.runs(a, a.length);
        byte[] b = o.finish();
        assertThat(b.length).isLessThan(16);
        long[] back = new long[a.length];
        new SnapshotInput(b, 1 << 20).runs(back, back.length);
        assertThat(back).isEqualTo(a);
        // descending pfns (munmap frees LIFO) and a mix with literals round-trip too
        long[] mix = {5, 4, 3, 2, 1, 9, -7, Long.MAX_VALUE, Long.MIN_VALUE, 0, 0, 0, 0, 8};
        o = new SnapshotOutput();
        o.runs(mix, mix.length);
        long[] mixBack = new long[mix.length];
        new SnapshotInput(o.finish(), 1 << 20).runs(mixBack, mix.length);
        assertThat(mixBack).isEqualTo(mix);
    }

    /** Per-frame counters are ints: a run, literal or strided, that leaves the int range is refused. */
    @Test
    void intArraysRefuseValuesOutsideTheIntRange() {
        int[] fine = {0, 1, 2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 7};
        SnapshotOutput o = new SnapshotOutput();
        o.runs(fine);
        assertThat(new SnapshotInput(o.finish(), 1 << 20).ints("refcount", fine.length)).isEqualTo(fine);
        for (long[] bad : new long[][] {{1, 2, 3, 4, 5, 1L << 31}, {Integer.MAX_VALUE - 2L, Integer.MAX_VALUE - 1L,
                Integer.MAX_VALUE, 1L + Integer.MAX_VALUE}, {-1, 1L << 40, 3}}) {
            SnapshotOutput w = new SnapshotOutput();
            w.runs(bad, bad.length);
            byte[] b = w.finish();
            assertThatThrownBy(() -> new SnapshotInput(b, 1 << 20).ints("refcount", bad.length))
                    .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("is not an int");
        }
    }

    /**
     * The fields the format writes, per state class. A field added to one of these classes (or a
     * reordered enum the format stores by ordinal) fails this test until KernelSnapshot handles it.
     */
    @Test
    void theFormatCoversEveryFieldOfTheKernelState() throws Exception {
        Map<Class<?>, String> covered = new LinkedHashMap<>();
        covered.put(Globals.class, "profile, movableZone, memcg, maxCallPages, workLeft, phys, log, tasks, mounts, inodes, userLockedVm, pins, memallocPin, "
                + "maxMapCount, thpUseZeroPage, hugeZeroPfn, defaultHstate, gigantic, hstates, swap, nextPid, nextIno, nextFileId, heldPageEntries");
        covered.put(PhysMem.class, "dma32, normal, movable, memcg, nGigantic");
        covered.put(Class.forName("io.pinlab.kernel.mm.PhysMem$Block"), "refcount, mapcount, flags, mapping, pincount, index, value, used");
        covered.put(Class.forName("io.pinlab.kernel.mm.PhysMem$Area"), "zone, base, frames, blocks, next, allocated, free0, nFree0, free9, nFree9, gigantic, top");
        covered.put(io.pinlab.kernel.mm.Hstate.class, "order, nrHugePages, inUse, resvHugePages");
        covered.put(XArray.class, "leaves, count, memcg");
        covered.put(Class.forName("io.pinlab.kernel.mm.XArray$Leaf"), "slots, used");
        covered.put(Mm.class, "memcg, vmas, ptes, pmds, puds, flags, writeProtectSeq, pinnedVm, lockedVm, rssAnon, rssFile, rssShmem, rssSwap, anonVmaSeq, coveredFrom");
        covered.put(io.pinlab.kernel.mm.SwapInfo.class, "swapMap, data, cache, inuse");
        covered.put(Vma.class, "start, end, flags, pgoff, file, ops, name, anonVma, hugeResv, hugeResvFlags");
        covered.put(Task.class, "pid, ppid, comm, uid, capIpcLock, rlimitMemlock, mm, fds");
        covered.put(Inode.class, "ino, path, fs, kind, device, dax, uid, mode, size, nlink, hstate, pageCache, disk");
        covered.put(OpenFile.class, "id, inode, flags, fOp, privateData, refs");
        covered.put(io.pinlab.kernel.fs.Pipe.class, "bufs, readers, writers");
        covered.put(io.pinlab.kernel.fs.Pipe.Buffer.class, "pfn, offset, len, flags");
        covered.put(Mount.class, "path, fs, device, options, dax");
        covered.put(IoRingCtx.class, "flags, sqEntries, cqEntries, creatorPid, creatorUid, user, mmAccount, submitterPid, ringAcctPages, "
                + "bufTable, bufTags, cq, freed, nrUserFiles, fileNodes, heldBufNodes, inFlight");
        covered.put(io.pinlab.kernel.iouring.RsrcNode.class, "file, buf, tag, refs, slot");
        covered.put(IoRingCtx.InFlight.class, "cqe, fileNode, bufNode");
        covered.put(IoMappedUbuf.class, "ubuf, len, bvecPages, firstOffset, single, folioShift, acctPages, pagePfns, refs");
        covered.put(Cqe.class, "userData, res, flags");
        covered.put(Pin.class, "id, call, pid, start, nrPages, gupFlags, pfns, kind, released, releasedHow");
        covered.put(PinTable.class, "memcg, releasedEntries, pins, released, nextId, nrFollPinAcquired, nrFollPinReleased, stackWarningPrinted");
        covered.put(KernelLog.class, "lines, warnedOnce, clockMicros");
        // memcg: the caller's cgroup, charged the written usage; maxCallPages: the caller's limit; workLeft:
        // refilled at the end of every call. One-entry lookup caches are not state: a restored
        // PhysMem or XArray starts with them empty; nor is the pin map's high-water mark (restore() starts it at the
        // restored size)
        List<String> caches = List.of("PhysMem.cachedBlockKey", "PhysMem.cachedBlock", "XArray.cachedKey", "XArray.cachedLeaf",
                "XArray.cacheValid", "PinTable.peak");
        for (Map.Entry<Class<?>, String> e : covered.entrySet()) {
            List<String> fields = Arrays.stream(e.getKey().getDeclaredFields())
                    .filter(f -> !Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers()))
                    .map(Field::getName).filter(n -> !caches.contains(e.getKey().getSimpleName() + "." + n)).toList();
            assertThat(fields).as("fields of %s: add the new one to KernelSnapshot (bump VERSION) and here", e.getKey().getSimpleName())
                    .containsExactlyInAnyOrder(e.getValue().split(", "));
        }
        // enums stored by ordinal
        assertThat(names(Zone.values())).containsExactly("DMA32", "NORMAL", "MOVABLE");
        assertThat(names(FsType.values())).containsExactly("EXT4", "XFS", "TMPFS", "HUGETLBFS", "DEVTMPFS", "SECRETMEM", "ANON_INODE", "BTRFS", "PIPEFS");
        assertThat(names(Inode.Kind.values())).containsExactly("REGULAR", "DIRECTORY", "CHARDEV", "ANON", "FIFO");
        assertThat(names(Inode.Device.values())).containsExactly("NONE", "ZERO", "MMIO");
        assertThat(names(VmOps.values())).containsExactly("ANON", "FILE", "FSDAX", "SHMEM", "HUGETLB", "SECRETMEM", "DEVICE");
        assertThat(names(Pin.Kind.values())).containsExactly("FOLL_PIN", "FOLL_GET");
        assertThat(names(PinRelease.values())).containsExactly("unpin_user_pages", "unpin_user_pages_dirty_lock", "put_page");
        assertThat(names(GupCall.values())).containsExactly("get_user_pages", "get_user_pages_fast", "get_user_pages_fast_only",
                "get_user_pages_remote", "get_user_pages_unlocked", "pin_user_pages", "pin_user_pages_fast", "pin_user_pages_remote",
                "pin_user_pages_unlocked");
    }

    private static List<String> names(Enum<?>[] values) { return Arrays.stream(values).map(Enum::name).toList(); }

    /** Rewrites the last 4 bytes as the CRC-32C of the rest. */
    private static byte[] withCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        int c = (int) crc.getValue();
        b[b.length - 4] = (byte) (c >>> 24);
        b[b.length - 3] = (byte) (c >>> 16);
        b[b.length - 2] = (byte) (c >>> 8);
        b[b.length - 1] = (byte) c;
        return b;
    }
}
