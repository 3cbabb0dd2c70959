package io.pinlab.kernel;

import io.pinlab.kernel.base.VirtAddr;
import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.Kernel;
import io.pinlab.kernel.base.KernelLog;
import io.pinlab.kernel.mm.Hstate;
import io.pinlab.kernel.mm.Hugetlb;
import io.pinlab.kernel.mm.MemCg;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.Task;
import io.pinlab.kernel.fs.Open;
import io.pinlab.kernel.fs.FsType;
import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.fs.Pipe;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.IoMappedUbuf;
import io.pinlab.kernel.iouring.IoRingCtx;
import io.pinlab.kernel.iouring.RsrcNode;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.pinlab.kernel.mm.PinTable;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.SwapInfo;
import io.pinlab.kernel.mm.VmOps;
import io.pinlab.kernel.mm.Vma;
import io.pinlab.kernel.mm.XArray;
import io.pinlab.kernel.mm.Zone;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.pinlab.kernel.mm.PhysMem.HPAGE_NR;
import static io.pinlab.kernel.mm.PhysMem.HPAGE_ORDER;

/**
 * A kernel's whole state as bytes, and back: the cache of "state after step N" that the session
 * stores keep next to the log of steps. A kernel read back answers every view as the original
 * did and continues identically under further calls.
 *
 * <h2>Format (version 2)</h2>
 * The magic {@code PLKS}, a version byte, the body, then a CRC-32C of everything before it.
 * Integers are LEB128 varints (zigzag when signed); strings are length-prefixed UTF-8; every
 * per-page array (frame fields, page tables, page caches, pinned pfns, buffer pages) is a
 * sequence of runs ({@link SnapshotOutput#runs}), so 1 GiB of identical pages, consecutive
 * frames or a linear page table costs a few bytes. Objects that are shared in the kernel
 * (inodes, struct files, mm_structs) are written once in a table and referred to by index,
 * which keeps their identity: a VMA and an fd share one file, a ring's mm_account is the very
 * mm of its creator, a folio's mapping is the very inode. Enums are written by ordinal (the
 * format test pins their order). Nothing in the bytes names a class.
 *
 * <p>Body order: profile, zone layout, counters, sysctls, the huge zero folio and the hugetlb pool, the swap area
 * (swap_map, slot contents, swap cache), mounts, inodes
 * with page caches and blocks on disk, the path table, the number of mms, registered buffers (one table:
 * a buffer may sit in several rings' tables), files (with their rings and the rings' registered
 * files by file index), each mm
 * (counters, VMAs, page tables), tasks with fd tables, per-user locked_vm, physical memory (per
 * zone: allocator state, then each pageblock's frame arrays), the pin table, dmesg. (The event
 * feed is a projection of the step log, not kernel state.)
 *
 * <p>Reading trusts nothing: counts and indices are bounds-checked before use, and decoded
 * state is capped at {@link #MAX_DECODED_BYTES}, so corrupt or hostile bytes give a
 * {@link SnapshotFormatException}. Any change to the body bumps {@link #VERSION}; a reader
 * refuses other versions (the caller replays the log instead).
 */
public final class KernelSnapshot {
    /** 7: page-cache slots may name the pages of an order-9 shmem folio (MADV_COLLAPSE), which holds 512 page-cache references. */
    public static final int VERSION = 7;
    private static final byte[] MAGIC = {'P', 'L', 'K', 'S'};
    /** Decoding stops with an error past this much state (the heap a kernel may hold; a session that wrote 1 GiB and forked 10 times needs about 40 MiB). */
    public static final long MAX_DECODED_BYTES = 256L << 20;

    private static final int MAX_STRING = 64 << 10;
    private static final int MAX_OBJECTS = 1 << 20;
    private static final int MAX_TASKS = 1 << 16;
    /** Entries of one page array (pinned pages, a buffer's pages): 2^24, 64 GiB of 4 KiB pages; the decode cap bounds the sum. */
    private static final int MAX_PAGE_ARRAY = 1 << 24;
    private static final long ANON = 1; // a frame's mapping: 0 none, 1 anon_vma, 2 + i the i-th inode

    private KernelSnapshot() {}

    public static byte[] write(Kernel k) {
        return new Writer(k).write();
    }

    /** A kernel with no memory or work limit (as {@code new Kernel(profile, movableZone)}). */
    public static Kernel read(byte[] bytes) {
        return read(bytes, MemCg.unlimited(), Long.MAX_VALUE);
    }

    /**
     * The kernel in {@code bytes}, charged to {@code memcg} exactly what the original's cgroup was
     * charged when it was written, with a per-call work limit of {@code maxCallPages}.
     */
    public static Kernel read(byte[] bytes, MemCg memcg, long maxCallPages) {
        return new Reader(bytes, MAX_DECODED_BYTES, memcg, maxCallPages).read();
    }

    /** As {@link #read(byte[])} with another cap on decoded state (tests use a small one). */
    static Kernel read(byte[] bytes, long maxDecodedBytes) {
        return new Reader(bytes, maxDecodedBytes, MemCg.unlimited(), Long.MAX_VALUE).read();
    }

    // ================================================================= writing

    private static final class Writer {
        final Kernel k;
        final SnapshotOutput out = new SnapshotOutput();
        final IdentityHashMap<Inode, Integer> inodeIds = new IdentityHashMap<>();
        final List<Inode> inodes = new ArrayList<>();
        final IdentityHashMap<Mm, Integer> mmIds = new IdentityHashMap<>();
        final List<Mm> mms = new ArrayList<>();
        final IdentityHashMap<OpenFile, Integer> fileIds = new IdentityHashMap<>();
        final List<OpenFile> files = new ArrayList<>();
        /** Registered buffers: one object may sit in several rings' tables (IORING_REGISTER_CLONE_BUFFERS). */
        final IdentityHashMap<IoMappedUbuf, Integer> bufIds = new IdentityHashMap<>();
        final List<IoMappedUbuf> bufs = new ArrayList<>();
        /** Pipes: both ends' files share one (written in full with the first file, referenced by the second). */
        final IdentityHashMap<Pipe, Integer> pipeIds = new IdentityHashMap<>();

        Writer(Kernel k) {
            this.k = k;
        }

        byte[] write() {
            collect();
            for (byte b : MAGIC) out.u8(b);
            out.u8(VERSION);
            out.string(k.profile.name());
            out.bool(k.movableZone);
            Kernel.Counters c = k.counters();
            out.varint(c.nextPid());
            out.varint(c.nextIno());
            out.varint(c.nextFileId());
            out.varint(c.heldPageEntries());
            out.varint(k.memcg.usage());
            out.varint(k.maxMapCount);
            out.bool(k.thpUseZeroPage);
            out.zigzag(k.hugeZeroPfn);
            for (Hstate h : k.hstates) {
                out.varint(h.nrHugePages);
                out.varint(h.inUse);
                out.varint(h.resvHugePages);
            }
            out.bool(k.memallocPin);
            out.bool(k.swap != null);
            if (k.swap != null) {
                int n = (int) k.swap.pages();
                out.varint(n);
                out.runs(k.swap.swapMap());
                out.runs(k.swap.data(), n);
                out.runs(k.swap.cache(), n);
            }

            out.varint(k.mounts.size());
            for (Mount m : k.mounts) {
                out.string(m.path());
                out.varint(m.fs().ordinal());
                out.string(m.device());
                out.string(m.options());
                out.bool(m.dax());
            }
            out.varint(inodes.size());
            for (Inode in : inodes) writeInode(in);
            out.varint(k.inodes.size());
            for (Map.Entry<String, Inode> e : k.inodes.entrySet()) {
                out.string(e.getKey());
                out.varint(inodeIds.get(e.getValue()));
            }
            out.varint(mms.size());
            writeBuffers();
            out.varint(files.size());
            for (OpenFile f : files) writeFile(f);
            for (Mm mm : mms) writeMm(mm);

            out.varint(k.tasks.size());
            for (Task t : k.tasks.values()) {
                out.varint(t.pid);
                out.varint(t.ppid);
                out.string(t.comm);
                out.varint(t.uid);
                out.bool(t.capIpcLock);
                out.zigzag(t.rlimitMemlock);
                out.varint(mmIds.get(t.mm));
                out.varint(t.fds.size());
                for (Map.Entry<Integer, OpenFile> e : t.fds.entrySet()) {
                    out.varint(e.getKey());
                    out.varint(fileIds.get(e.getValue()));
                }
            }
            Map<Integer, Long> locked = new TreeMap<>(k.userLockedVm);
            out.varint(locked.size());
            locked.forEach((uid, pages) -> {
                out.varint(uid);
                out.varint(pages);
            });

            for (Zone z : Zone.values()) writeZone(z);
            writePins(k.pins);
            writeLog(k.log);
            return out.finish();
        }

        /** Numbers every shared object reachable from the kernel, in a deterministic order. */
        private void collect() {
            for (Inode in : k.inodes.values()) addInode(in);
            for (Task t : k.tasks.values()) {
                addMm(t.mm);
                for (OpenFile f : t.fds.values()) addFile(f);
            }
            int mi = 0, fi = 0;
            while (mi < mms.size() || fi < files.size()) { // a ring's mm may map files whose rings have other mms
                while (mi < mms.size()) for (Vma v : mms.get(mi++).vmas.values()) if (v.file != null) addFile(v.file);
                while (fi < files.size()) {
                    OpenFile f = files.get(fi++);
                    addInode(f.inode());
                    if (IoUring.ringOf(f) != null && IoUring.ringOf(f).mmAccount != null) addMm(IoUring.ringOf(f).mmAccount);
                    if (IoUring.ringOf(f) != null) for (RsrcNode n : IoUring.ringOf(f).rsrcNodes()) {
                        if (n.file() != null) addFile(n.file());
                        else if (bufIds.putIfAbsent(n.buf(), bufs.size()) == null) bufs.add(n.buf());
                    }
                    if (IoUring.ringOf(f) != null && IoUring.ringOf(f).bufTable() != null)
                        for (IoMappedUbuf b : IoUring.ringOf(f).bufTable()) if (b != null && bufIds.putIfAbsent(b, bufs.size()) == null) bufs.add(b);
                }
            }
            for (Zone z : Zone.values()) {
                for (PhysMem.FrameBlock b : k.phys.frameBlocks(z)) {
                    for (Object m : b.mapping()) {
                        if (m instanceof Inode in) addInode(in);
                        else if (m != null && m != Memory.ANON_MAPPING) throw new IllegalStateException("unknown folio mapping " + m);
                    }
                }
            }
        }

        private void addInode(Inode in) {
            if (inodeIds.putIfAbsent(in, inodes.size()) == null) inodes.add(in);
        }

        private void addMm(Mm mm) {
            if (mmIds.putIfAbsent(mm, mms.size()) == null) mms.add(mm);
        }

        private void addFile(OpenFile f) {
            if (fileIds.putIfAbsent(f, files.size()) == null) files.add(f);
        }

        private void writeInode(Inode in) {
            out.varint(in.ino());
            out.string(in.path());
            out.varint(in.fs().ordinal());
            out.varint(in.kind().ordinal());
            out.varint(in.device().ordinal());
            out.bool(in.dax());
            out.varint(in.uid);
            out.varint(in.mode);
            out.zigzag(in.size);
            out.varint(in.nlink);
            out.varint(in.hstate == null ? 0 : k.hstates.indexOf(in.hstate) + 1);
            writeXArray(in.pageCache);
            writeXArray(in.disk);
        }

        /** A pipe: the index of an earlier one plus 1, or 0 and its state (readers, writers, buffers). */
        private void writePipe(Pipe p) {
            Integer id = pipeIds.get(p);
            out.varint(id == null ? 0 : id + 1L);
            if (id != null) return;
            pipeIds.put(p, pipeIds.size());
            out.varint(p.readers);
            out.varint(p.writers);
            out.varint(p.bufs.size());
            for (Pipe.Buffer b : p.bufs) {
                out.varint(b.pfn());
                out.varint(b.offset());
                out.varint(b.len());
                out.varint(b.flags());
            }
        }

        private void writeFile(OpenFile f) {
            out.varint(f.id());
            out.varint(inodeIds.get(f.inode()));
            out.varint(Integer.toUnsignedLong(f.flags()));
            out.varint(f.refs);
            Pipe p = Pipe.pipeOf(f);
            out.bool(p != null);
            if (p != null) {
                writePipe(p);
                return;
            }
            IoRingCtx r = IoUring.ringOf(f);
            out.bool(r != null);
            if (r == null) return;
            out.varint(r.flags);
            out.varint(r.sqEntries);
            out.varint(r.cqEntries);
            out.varint(r.creatorPid);
            out.varint(r.creatorUid);
            out.varint(r.user == null ? 0 : r.user + 1L);
            out.varint(r.mmAccount == null ? 0 : mmIds.get(r.mmAccount) + 1L);
            out.zigzag(r.submitterPid);
            out.varint(r.ringAccountedPages());
            out.bool(r.freed());
            out.varint(r.nrUserFiles());
            List<RsrcNode> nodes = r.rsrcNodes();
            IdentityHashMap<RsrcNode, Integer> nodeIds = new IdentityHashMap<>();
            out.varint(nodes.size());
            for (RsrcNode n : nodes) {
                nodeIds.put(n, nodeIds.size());
                out.bool(n.file() != null);
                out.varint(n.file() != null ? fileIds.get(n.file()) : bufIds.get(n.buf()));
                out.zigzag(n.tag());
                out.varint(n.refs());
                out.zigzag(n.slot());
            }
            List<IoRingCtx.InFlight> flying = r.inFlight();
            out.varint(flying.size());
            for (IoRingCtx.InFlight q : flying) {
                out.zigzag(q.cqe().userData());
                out.zigzag(q.cqe().res());
                out.varint(Integer.toUnsignedLong(q.cqe().flags()));
                out.varint(q.fileNode() == null ? 0 : nodeIds.get(q.fileNode()) + 1L);
                out.varint(q.bufNode() == null ? 0 : nodeIds.get(q.bufNode()) + 1L);
            }
            List<Cqe> cq = r.pendingCqes();
            out.varint(cq.size());
            for (Cqe e : cq) {
                out.zigzag(e.userData());
                out.zigzag(e.res());
                out.varint(Integer.toUnsignedLong(e.flags()));
            }
            IoMappedUbuf[] table = r.bufTable();
            out.varint(table == null ? 0 : table.length + 1L);
            if (table == null) return;
            out.longArray(r.bufTags());
            for (IoMappedUbuf b : table) out.varint(b == null ? 0 : bufIds.get(b) + 1L);
        }

        private void writeBuffers() {
            out.varint(bufs.size());
            long prevEnd = 0;
            for (IoMappedUbuf b : bufs) {
                out.zigzag(b.ubuf() - prevEnd); // buffers registered back to back cost one byte here
                out.varint(b.len());
                out.varint(b.firstOffset());
                out.bool(b.single());
                out.varint(b.folioShift());
                out.varint(b.acctPages());
                out.varint(b.refs());
                out.longArray(b.bvecPages());
                out.longArray(b.pagePfns());
                prevEnd = b.ubuf() + b.len();
            }
        }

        private void writeMm(Mm mm) {
            out.varint(Integer.toUnsignedLong(mm.flags));
            out.varint(mm.writeProtectSeq);
            out.varint(mm.pinnedVm);
            out.varint(mm.lockedVm);
            out.varint(mm.rssAnon);
            out.varint(mm.rssFile);
            out.varint(mm.rssShmem);
            out.varint(mm.rssSwap);
            out.varint(mm.anonVmaSeq);
            out.varint(mm.coveredFrom);
            out.varint(mm.vmas.size());
            long prevEnd = 0;
            for (Vma v : mm.vmas.values()) {
                out.varint(v.start - prevEnd);
                out.varint(v.end - v.start);
                out.varint(v.flags);
                out.zigzag(v.pgoff - (v.start >>> PhysMem.PAGE_SHIFT));
                out.varint(v.file == null ? 0 : fileIds.get(v.file) + 1L);
                out.varint(v.ops.ordinal());
                out.string(v.name);
                out.varint(v.anonVma);
                out.varint(v.hugeResv);
                out.u8(v.hugeResvFlags);
                prevEnd = v.end;
            }
            writeXArray(mm.ptes);
            writeXArray(mm.pmds);
            writeXArray(mm.puds);
        }

        private void writeXArray(XArray x) {
            List<long[]> leaves = new ArrayList<>();
            List<Long> keys = new ArrayList<>();
            x.forEachLeaf((key, slots) -> {
                keys.add(key);
                leaves.add(slots);
            });
            out.varint(leaves.size());
            long prevKey = -1;
            for (int i = 0; i < leaves.size(); i++) {
                out.varint(keys.get(i) - prevKey - 1);
                prevKey = keys.get(i);
                out.runs(leaves.get(i), XArray.LEAF_SLOTS);
            }
        }

        private void writeZone(Zone z) {
            PhysMem.Allocator a = k.phys.allocator(z);
            out.varint(a.next());
            out.varint(a.allocated());
            out.longArray(a.free0());
            out.varint(a.free0Capacity());
            out.longArray(a.free9());
            out.varint(a.free9Capacity());
            out.varint(a.top());
            out.longArray(a.gigantic());
            List<PhysMem.FrameBlock> blocks = k.phys.frameBlocks(z);
            out.varint(blocks.size());
            long prev = -1;
            long[] mapping = new long[HPAGE_NR];
            for (PhysMem.FrameBlock b : blocks) {
                long bi = b.firstPfn() >>> HPAGE_ORDER;
                out.varint(bi - prev - 1);
                prev = bi;
                out.varint(b.used());
                out.u8((b.pincount() != null ? 1 : 0) | (b.index() != null ? 2 : 0) | (b.value() != null ? 4 : 0));
                out.runs(b.refcount());
                out.runs(b.mapcount());
                out.runs(b.flags());
                for (int i = 0; i < HPAGE_NR; i++) {
                    Object m = b.mapping()[i];
                    mapping[i] = m == null ? 0 : m == Memory.ANON_MAPPING ? ANON : 2 + inodeIds.get((Inode) m);
                }
                out.runs(mapping, HPAGE_NR);
                if (b.pincount() != null) out.runs(b.pincount());
                if (b.index() != null) out.runs(b.index(), HPAGE_NR);
                if (b.value() != null) out.runs(b.value(), HPAGE_NR);
            }
        }

        private void writePins(PinTable t) {
            out.varint(t.nextId());
            out.varint(t.nrFollPinAcquired);
            out.varint(t.nrFollPinReleased);
            out.bool(t.stackWarningPrinted());
            List<Pin> all = t.all();
            out.varint(all.size());
            for (Pin p : all) {
                out.varint(p.id());
                out.varint(p.call().ordinal());
                out.varint(p.pid());
                out.varint(p.start().value());
                out.varint(p.nrPages());
                out.varint(Integer.toUnsignedLong(p.gupFlags()));
                out.varint(p.kind().ordinal());
                out.varint(p.releasedHow() == null ? 0 : p.releasedHow().ordinal() + 1L);
                out.longArray(p.pfns());
            }
            List<Long> released = t.releasedOrder();
            out.varint(released.size());
            for (long id : released) out.varint(id);
        }

        private void writeLog(KernelLog log) {
            out.varint(log.clockMicros());
            List<String> lines = log.lines();
            out.varint(lines.size());
            for (String l : lines) out.string(l);
            List<String> warned = log.warnedOnce();
            out.varint(warned.size());
            for (String w : warned) out.string(w);
        }
    }

    // ================================================================= reading

    private static final class Reader {
        final SnapshotInput in;
        final List<Inode> inodes = new ArrayList<>();
        final List<Mm> mms = new ArrayList<>();
        final List<OpenFile> files = new ArrayList<>();
        /** Rings' registered files, resolved once every file is read. */
        final List<Runnable> fileFixups = new ArrayList<>();
        final List<IoMappedUbuf> bufs = new ArrayList<>();
        final List<Pipe> pipes = new ArrayList<>();
        final MemCg memcg;
        final long maxCallPages;
        Kernel k;

        Reader(byte[] bytes, long maxDecodedBytes, MemCg memcg, long maxCallPages) {
            this.in = new SnapshotInput(bytes, maxDecodedBytes);
            this.memcg = memcg;
            this.maxCallPages = maxCallPages;
        }

        Kernel read() {
            for (byte b : MAGIC) if (in.u8() != b) throw new SnapshotFormatException("not a pinlab kernel snapshot (bad magic)");
            int version = in.u8();
            if (version != VERSION)
                throw new SnapshotFormatException("kernel snapshot version " + version + " is not supported (this build reads " + VERSION + ")");
            String name = in.requiredString("profile", 64);
            Profile profile = Profile.byName(name).orElseThrow(() -> in.error("unknown profile " + name));
            k = Kernel.unbooted(profile, in.bool(), memcg, maxCallPages);
            Kernel.Counters counters = new Kernel.Counters((int) in.range("next pid", 1, Integer.MAX_VALUE), in.range("next ino", 0, Long.MAX_VALUE),
                    in.range("next file id", 0, Long.MAX_VALUE), in.range("held page entries", 0, Long.MAX_VALUE));
            long charged = in.range("memcg usage", 0, Long.MAX_VALUE);
            k.maxMapCount = in.range("max_map_count", 0, Long.MAX_VALUE);
            k.thpUseZeroPage = in.bool();
            k.hugeZeroPfn = in.signedRange("huge zero pfn", -1, Long.MAX_VALUE);
            if (k.hugeZeroPfn >= 0) requireRam(k.hugeZeroPfn);
            for (Hstate h : k.hstates) {
                h.nrHugePages = in.range("nr_hugepages", 0, Long.MAX_VALUE);
                h.inUse = in.range("huge pages in use", 0, h.nrHugePages);
                h.resvHugePages = in.range("huge pages reserved", 0, h.nrHugePages);
            }
            k.memallocPin = in.bool();
            if (in.bool()) {
                int n = (int) in.range("swap pages", 2, SwapInfo.MAX_PAGES);
                int[] swapMap = in.ints("swap_map", n);
                long[] data = in.longs(n), cache = in.longs(n);
                for (long pfn : cache) if (pfn != 0) requireRam(pfn);
                try {
                    k.swap = SwapInfo.restore(swapMap, data, cache);
                } catch (IllegalArgumentException e) {
                    throw in.error(e.getMessage());
                }
            }

            int nMounts = in.count("mount", 64);
            for (int i = 0; i < nMounts; i++) {
                k.mounts.add(new Mount(in.requiredString("mount path", MAX_STRING), in.enumOf("fs", FsType.values()),
                        in.requiredString("mount device", MAX_STRING), in.requiredString("mount options", MAX_STRING), in.bool()));
            }
            int nInodes = in.count("inode", MAX_OBJECTS);
            for (int i = 0; i < nInodes; i++) inodes.add(readInode());
            int nPaths = in.count("path", nInodes);
            for (int i = 0; i < nPaths; i++) {
                String path = in.requiredString("path", MAX_STRING);
                if (k.inodes.put(path, inodes.get(in.index("inode", nInodes, false))) != null) throw in.error("path " + path + " twice");
            }
            int nMms = in.count("mm", MAX_TASKS);
            in.charge(256L * nMms);
            for (int i = 0; i < nMms; i++) mms.add(new Mm(memcg));
            readBuffers();
            int nFiles = in.count("file", MAX_OBJECTS);
            for (int i = 0; i < nFiles; i++) files.add(readFile());
            for (Runnable r : fileFixups) r.run();
            for (Mm mm : mms) readMm(mm);

            int nTasks = in.count("task", MAX_TASKS);
            for (int i = 0; i < nTasks; i++) readTask();
            int nUsers = in.count("user", MAX_TASKS);
            for (int i = 0; i < nUsers; i++) k.userLockedVm.put((int) in.range("uid", 0, Integer.MAX_VALUE), in.range("locked_vm", 0, Long.MAX_VALUE));

            for (Zone z : Zone.values()) readZone(z);
            checkFolioReferences();
            readPins();
            readLog();
            in.expectEnd();
            k.restore(counters);
            // the cgroup gets what the original's was charged (the structures above charged nothing but the zero page's block)
            long delta = charged - memcg.usage();
            if (delta >= 0) memcg.charge(delta);
            else memcg.uncharge(-delta);
            return k;
        }

        private Inode readInode() {
            Inode node = new Inode(in.range("ino", 0, Long.MAX_VALUE), in.string("inode path", MAX_STRING),
                    in.enumOf("fs", FsType.values()), in.enumOf("inode kind", Inode.Kind.values()),
                    in.enumOf("device", Inode.Device.values()), in.bool(), (int) in.range("uid", 0, Integer.MAX_VALUE),
                    (int) in.range("mode", 0, 07777), 0, memcg);
            in.charge(160);
            node.size = in.zigzag();
            node.nlink = (int) in.range("nlink", 0, Integer.MAX_VALUE);
            int hs = in.index("hstate", k.hstates.size(), true);
            if ((hs >= 0) != node.isHugetlb()) throw in.error("inode " + node.ino() + ": an hstate exactly when on hugetlbfs");
            if (hs >= 0) node.hstate = k.hstates.get(hs);
            readXArray(node.pageCache);
            readXArray(node.disk);
            if (!node.disk.isEmpty() && !node.fs().canWriteback()) throw in.error("inode " + node.ino() + ": blocks on disk on " + node.fs().fsName);
            long slots = k.swap == null ? 0 : k.swap.pages();
            boolean[] badSwap = {false};
            node.pageCache.forEach(0, Long.MAX_VALUE, (idx, e) -> badSwap[0] |= e < 0 && (!node.isShmem() || -e >= slots));
            if (badSwap[0]) throw in.error("inode " + node.ino() + ": a swap entry in a page cache that is not shmem's, or past the swap area");
            boolean[] both = {false};
            node.disk.forEach(0, Long.MAX_VALUE, (idx, v) -> both[0] |= node.pageCache.get(idx) != 0);
            if (both[0]) throw in.error("inode " + node.ino() + ": a page both in the page cache and only on disk");
            return node;
        }

        private Pipe readPipe() {
            int ref = in.index("pipe", pipes.size(), true);
            if (ref >= 0) return pipes.get(ref);
            Pipe p = new Pipe((int) in.range("pipe readers", 0, 2), (int) in.range("pipe writers", 0, 2));
            int n = in.count("pipe buffer", Pipe.PIPE_DEF_BUFFERS);
            in.charge(Pipe.PIPE_BYTES + 40L * n);
            for (int i = 0; i < n; i++) {
                long pfn = in.range("pipe page", 0, Long.MAX_VALUE);
                requireRam(pfn);
                int off = (int) in.range("pipe buffer offset", 0, PhysMem.PAGE_SIZE - 1);
                int len = (int) in.range("pipe buffer length", 1, PhysMem.PAGE_SIZE - off);
                p.bufs.addLast(new Pipe.Buffer(pfn, off, len, (int) in.range("pipe buffer flags", 0, 0xff)));
            }
            pipes.add(p);
            return p;
        }

        private OpenFile readFile() {
            OpenFile f = new OpenFile(in.range("file id", 0, Long.MAX_VALUE), inodes.get(in.index("inode", inodes.size(), false)),
                    (int) in.range("file flags", 0, 0xffffffffL));
            in.charge(64);
            f.refs = (int) in.range("file refs", 0, Integer.MAX_VALUE);
            if (in.bool()) {
                f.fOp = Pipe.PIPEFIFO_FOPS;
                f.privateData = readPipe();
                return f;
            }
            if (!in.bool()) return f;
            int flags = (int) in.range("ring flags", 0, 0xffffffffL);
            int sq = (int) in.range("sq entries", 1, 32768), cq = (int) in.range("cq entries", 1, 65536);
            int creatorPid = (int) in.range("creator pid", 0, Integer.MAX_VALUE), creatorUid = (int) in.range("creator uid", 0, Integer.MAX_VALUE);
            long user = in.range("ring user", 0, Integer.MAX_VALUE + 1L);
            int mm = in.index("mm_account", mms.size(), true);
            int submitter = in.intValue("submitter pid");
            long ringAcct = in.range("ring pages", 0, Long.MAX_VALUE);
            boolean freed = in.bool();
            int nrFiles = (int) in.range("file table size", 0, 1 << 20);
            int nNodes = in.count("rsrc node", MAX_OBJECTS);
            in.charge(48L * nNodes);
            boolean[] nodeIsFile = new boolean[nNodes];
            int[] nodeObj = new int[nNodes], nodeRefs = new int[nNodes], nodeSlot = new int[nNodes];
            long[] nodeTag = new long[nNodes];
            for (int i = 0; i < nNodes; i++) {
                nodeIsFile[i] = in.bool();
                nodeObj[i] = nodeIsFile[i] ? (int) in.range("node file", 0, MAX_OBJECTS) : in.index("node buffer", bufs.size(), false);
                nodeTag[i] = in.zigzag();
                nodeRefs[i] = (int) in.range("node refs", 1, Integer.MAX_VALUE);
                long slot = in.zigzag();
                if (slot < -1 || slot >= 1 << 20) throw in.error("node slot " + slot + " out of range");
                nodeSlot[i] = (int) slot;
            }
            int nFlying = in.count("in-flight request", MAX_OBJECTS);
            in.charge(48L * nFlying);
            long[][] flying = new long[nFlying][];
            for (int i = 0; i < nFlying; i++)
                flying[i] = new long[]{in.zigzag(), in.intValue("request res"), in.range("request cqe flags", 0, 0xffffffffL),
                        in.index("request file node", nNodes, true), in.index("request buffer node", nNodes, true)};
            int nCqes = in.count("cqe", cq);
            in.charge(32L * nCqes);
            List<Cqe> cqes = new ArrayList<>(nCqes);
            for (int i = 0; i < nCqes; i++) cqes.add(new Cqe(in.zigzag(), in.intValue("cqe res"), (int) in.range("cqe flags", 0, 0xffffffffL)));
            IoMappedUbuf[] table = null;
            long[] tags = null;
            long n = in.range("buffer table size", 0, IoRingCtx.MAX_REG_BUFFERS + 1L);
            if (n > 0) {
                table = new IoMappedUbuf[(int) n - 1];
                in.charge(8L * table.length);
                tags = in.longArray("buffer tags", table.length);
                if (tags != null && tags.length != table.length) throw in.error("buffer tags do not match the table");
                for (int i = 0; i < table.length; i++) {
                    int b = in.index("buffer", bufs.size(), true);
                    if (b >= 0) table[i] = bufs.get(b);
                }
            }
            f.fOp = IoUring.IO_URING_FOPS;
            f.privateData = IoRingCtx.restore(flags, sq, cq, creatorPid, creatorUid, user == 0 ? null : (int) (user - 1),
                    mm < 0 ? null : mms.get(mm), submitter, ringAcct, table, tags, cqes, freed);
            IoRingCtx ring = (IoRingCtx) f.privateData;
            fileFixups.add(() -> { // registered files may come later in the file table
                List<RsrcNode> nodes = new ArrayList<>(nNodes);
                for (int i = 0; i < nNodes; i++) {
                    if (nodeIsFile[i] && nodeObj[i] >= files.size()) throw in.error("registered file index out of range");
                    nodes.add(RsrcNode.restore(nodeIsFile[i] ? files.get(nodeObj[i]) : null, nodeIsFile[i] ? null : bufs.get(nodeObj[i]),
                            nodeTag[i], nodeRefs[i], nodeSlot[i]));
                }
                List<IoRingCtx.InFlight> requests = new ArrayList<>(nFlying);
                for (long[] q : flying)
                    requests.add(new IoRingCtx.InFlight(new Cqe(q[0], (int) q[1], (int) q[2]), q[3] < 0 ? null : nodes.get((int) q[3]),
                            q[4] < 0 ? null : nodes.get((int) q[4])));
                try {
                    ring.restoreRsrc(nrFiles, nodes, requests);
                } catch (IllegalArgumentException e) {
                    throw in.error(e.getMessage());
                }
            });
            return f;
        }

        private void readBuffers() {
            int n = in.count("registered buffer", MAX_OBJECTS);
            in.charge(96L * n);
            long prevEnd = 0;
            for (int i = 0; i < n; i++) {
                long ubuf = prevEnd + in.zigzag();
                long len = in.varint();
                long firstOffset = in.range("bvec offset", 0, PhysMem.HPAGE_SIZE);
                boolean single = in.bool();
                int shift = (int) in.range("folio shift", PhysMem.PAGE_SHIFT, PhysMem.PAGE_SHIFT + HPAGE_ORDER);
                long acct = in.range("accounted pages", 0, Long.MAX_VALUE);
                int refs = (int) in.range("buffer refs", 1, Integer.MAX_VALUE);
                long[] bvecs = in.longArray("bvec pages", MAX_PAGE_ARRAY);
                long[] pages = in.longArray("buffer pages", MAX_PAGE_ARRAY);
                if (bvecs == null || pages == null) throw in.error("buffer " + i + " without pages");
                for (long pfn : bvecs) requireRam(pfn);
                bufs.add(IoMappedUbuf.restore(ubuf, len, bvecs, firstOffset, single, shift, acct, pages, refs));
                prevEnd = ubuf + len;
            }
        }

        private void readMm(Mm mm) {
            mm.flags = (int) in.range("mm flags", 0, 0xffffffffL);
            mm.writeProtectSeq = in.range("write_protect_seq", 0, Long.MAX_VALUE);
            mm.pinnedVm = in.range("pinned_vm", 0, Long.MAX_VALUE);
            mm.lockedVm = in.range("locked_vm", 0, Long.MAX_VALUE);
            mm.rssAnon = in.range("rss anon", 0, Long.MAX_VALUE);
            mm.rssFile = in.range("rss file", 0, Long.MAX_VALUE);
            mm.rssShmem = in.range("rss shmem", 0, Long.MAX_VALUE);
            mm.rssSwap = in.range("rss swap", 0, Long.MAX_VALUE);
            mm.anonVmaSeq = in.range("anon_vma seq", 0, Long.MAX_VALUE);
            mm.coveredFrom = in.range("covered from", 0, Mm.TASK_SIZE);
            int nVmas = in.count("vma", MAX_OBJECTS);
            in.charge(128L * nVmas);
            long prevEnd = 0;
            for (int i = 0; i < nVmas; i++) {
                long start = prevEnd + in.range("vma gap", 0, Mm.TASK_SIZE - prevEnd);
                long end = start + in.range("vma length", 1, Mm.TASK_SIZE - start);
                if (((start | end) & (PhysMem.PAGE_SIZE - 1)) != 0) throw in.error("vma not page aligned");
                long flags = in.varint();
                long pgoff = (start >>> PhysMem.PAGE_SHIFT) + in.zigzag();
                int file = in.index("vma file", files.size(), true);
                Vma v = new Vma(start, end, flags, pgoff, file < 0 ? null : files.get(file), in.enumOf("vm_ops", VmOps.values()));
                v.name = in.string("vma name", MAX_STRING);
                v.anonVma = in.range("anon_vma", 0, Long.MAX_VALUE);
                v.hugeResv = in.range("huge reservation", 0, Long.MAX_VALUE);
                v.hugeResvFlags = (int) in.range("hugetlb reservation flags", 0, Hugetlb.HPAGE_RESV_OWNER | Hugetlb.HPAGE_RESV_UNMAPPED);
                mm.insert(v);
                prevEnd = end;
            }
            readXArray(mm.ptes);
            readXArray(mm.pmds);
            long slots = k.swap == null ? 0 : k.swap.pages();
            boolean[] bad = {false};
            mm.ptes.forEach(0, Long.MAX_VALUE >>> PhysMem.PAGE_SHIFT, (vpn, pte) -> {
                if (Pte.isSwap(pte) && (Pte.swpOffset(pte) < 1 || Pte.swpOffset(pte) >= slots)) bad[0] = true;
            });
            if (bad[0]) throw in.error("a swap PTE names no slot of the swap area");
            readXArray(mm.puds);
        }

        private void readXArray(XArray x) {
            int nLeaves = in.count("leaf", MAX_OBJECTS);
            long key = -1;
            for (int i = 0; i < nLeaves; i++) {
                key += 1 + in.range("leaf key gap", 0, (Long.MAX_VALUE >>> 9) - key - 1);
                long[] slots = in.longs(XArray.LEAF_SLOTS);
                try {
                    x.restoreLeaf(key, slots);
                } catch (IllegalArgumentException e) {
                    throw in.error(e.getMessage());
                }
            }
        }

        private void readTask() {
            int pid = (int) in.range("pid", 1, Integer.MAX_VALUE);
            int ppid = (int) in.range("ppid", 0, Integer.MAX_VALUE);
            String comm = in.requiredString("comm", MAX_STRING);
            int uid = (int) in.range("uid", 0, Integer.MAX_VALUE);
            boolean cap = in.bool();
            long rlimit = in.zigzag();
            Mm mm = mms.get(in.index("task mm", mms.size(), false));
            in.charge(128);
            Task t = new Task(pid, ppid, comm, uid, cap, rlimit, mm);
            int nFds = in.count("fd", Open.NOFILE);
            in.charge(48L * nFds);
            for (int i = 0; i < nFds; i++) {
                int fd = (int) in.range("fd", 0, Open.NOFILE - 1);
                if (t.fds.put(fd, files.get(in.index("fd file", files.size(), false))) != null) throw in.error("fd " + fd + " twice");
            }
            if (k.tasks.put(pid, t) != null) throw in.error("pid " + pid + " twice");
        }

        private void readZone(Zone z) {
            long frames = k.phys.zoneFrames(z);
            long next = in.range("bump pointer", 0, frames);
            long allocated = in.range("allocated frames", 0, frames);
            long[] free0 = in.longArray("free list", (int) frames);
            int cap0 = (int) in.range("free list capacity", 1, 2 * frames);
            long[] free9 = in.longArray("huge free list", (int) (frames / HPAGE_NR));
            int cap9 = (int) in.range("huge free list capacity", 1, 2 * frames / HPAGE_NR);
            long top = in.range("gigantic top", 0, frames);
            long[] gigantic = in.longArray("gigantic folios", (int) (frames / PhysMem.PUD_NR));
            in.charge(8L * (cap0 + cap9));
            try {
                k.phys.restoreAllocator(z, new PhysMem.Allocator(next, allocated, free0 == null ? new long[0] : free0, cap0,
                        free9 == null ? new long[0] : free9, cap9, top, gigantic == null ? new long[0] : gigantic));
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
            int n = in.count("pageblock", (int) (frames / HPAGE_NR));
            long bi = -1; // pageblock numbers (pfn >> 9), ascending
            for (int i = 0; i < n; i++) {
                bi += 1 + in.range("pageblock gap", 0, 1L << 40);
                long first = bi << HPAGE_ORDER;
                if (!k.phys.isRam(first) || k.phys.zone(first) != z) throw in.error("pageblock 0x" + Long.toHexString(first) + " outside " + z);
                int used = (int) in.range("used frames", 0, HPAGE_NR);
                int present = (int) in.range("optional arrays", 0, 7);
                in.charge(HPAGE_NR * 8L + 64); // the mapping array
                int[] ref = in.ints("refcount", HPAGE_NR), map = in.ints("mapcount", HPAGE_NR), flags = in.ints("flags", HPAGE_NR);
                long[] mapIds = in.longs(HPAGE_NR);
                Object[] mapping = new Object[HPAGE_NR];
                for (int s = 0; s < HPAGE_NR; s++) {
                    long m = mapIds[s];
                    if (m < 0 || m >= 2L + inodes.size()) throw in.error("folio mapping " + m);
                    mapping[s] = m == 0 ? null : m == ANON ? Memory.ANON_MAPPING : inodes.get((int) (m - 2));
                }
                int[] pincount = (present & 1) != 0 ? in.ints("pincount", HPAGE_NR) : null;
                long[] index = (present & 2) != 0 ? in.longs(HPAGE_NR) : null;
                long[] value = (present & 4) != 0 ? in.longs(HPAGE_NR) : null;
                k.phys.restoreBlock(new PhysMem.FrameBlock(first, used, ref, map, flags, mapping, pincount, index, value));
            }
        }

        private void readPins() {
            PinTable t = k.pins;
            long nextId = in.range("next pin id", 1, Long.MAX_VALUE);
            t.nrFollPinAcquired = in.range("nr_foll_pin_acquired", 0, Long.MAX_VALUE);
            t.nrFollPinReleased = in.range("nr_foll_pin_released", 0, Long.MAX_VALUE);
            boolean stackWarning = in.bool();
            int n = in.count("pin", MAX_OBJECTS);
            in.charge(96L * n);
            List<Pin> pins = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long id = in.range("pin id", 1, nextId - 1);
                GupCall call = in.enumOf("gup call", GupCall.values());
                int pid = (int) in.range("pin pid", 0, Integer.MAX_VALUE);
                long start = in.varint();
                long nrPages = in.range("nr_pages", 0, Long.MAX_VALUE);
                int gupFlags = (int) in.range("gup flags", 0, 0xffffffffL);
                Pin.Kind kind = in.enumOf("pin kind", Pin.Kind.values());
                int how = (int) in.range("release", 0, PinRelease.values().length);
                long[] pfns = in.longArray("pinned pages", MAX_PAGE_ARRAY);
                if (pfns == null) throw in.error("pin " + id + " without pages");
                for (long pfn : pfns) requireRam(pfn);
                pins.add(Pin.restore(id, call, pid, VirtAddr.of(start), nrPages, gupFlags, pfns, kind, how == 0 ? null : PinRelease.values()[how - 1]));
            }
            int nReleased = in.count("released pin", n);
            List<Long> released = new ArrayList<>(nReleased);
            for (int i = 0; i < nReleased; i++) released.add(in.range("released pin id", 1, nextId - 1));
            try {
                t.restore(nextId, stackWarning, pins, released);
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
        }

        private void readLog() {
            long clock = in.range("log clock", 0, Long.MAX_VALUE);
            int n = in.count("log line", KernelLog.MAX_LINES);
            List<String> lines = new ArrayList<>(n);
            for (int i = 0; i < n; i++) lines.add(in.requiredString("log line", MAX_STRING));
            int w = in.count("warned site", MAX_OBJECTS);
            List<String> warned = new ArrayList<>(w);
            for (int i = 0; i < w; i++) warned.add(in.requiredString("warned site", MAX_STRING));
            k.log.restore(lines, warned, clock);
        }

        /**
         * Page-cache slots and PMDs read before the frames: each page-cache slot of an inode (but
         * hugetlbfs', which counts huge pages) names an allocated page of that inode at that index
         * (a large folio's page: the head's index plus its offset), and each present PMD but the huge
         * zero page's names the head of an allocated large folio, an inode's when it is neither
         * anonymous nor hugetlb (a shmem THP), so no walk meets a page-cache page of another file.
         */
        private void checkFolioReferences() {
            PhysMem ph = k.phys;
            for (Inode node : inodes) {
                if (node.isHugetlb()) continue;
                node.pageCache.forEach(0, Long.MAX_VALUE, (idx, e) -> {
                    if (e > 0 && (!ph.isAllocated(e) || ph.mapping(e) != node || ph.index(e) + (e - ph.head(e)) != idx))
                        throw in.error("inode " + node.ino() + ": page-cache index " + idx + " names pfn 0x" + Long.toHexString(e) + ", which is not its page there");
                });
            }
            for (Mm mm : mms) {
                mm.pmds.forEach(0, Long.MAX_VALUE, (key, pmd) -> {
                    if (!Pte.present(pmd) || (k.hugeZeroPfn >= 0 && Pte.pfn(pmd) == k.hugeZeroPfn)) return;
                    long pfn = Pte.pfn(pmd);
                    boolean ok = ph.isAllocated(pfn) && ph.isLarge(pfn) && ph.head(pfn) == pfn;
                    if (ok && (ph.flags(pfn) & (PhysMem.PG_ANON | PhysMem.PG_HUGETLB)) == 0) ok = ph.mapping(pfn) instanceof Inode;
                    if (!ok) throw in.error("the PMD at 0x" + Long.toHexString(key << 21) + " names pfn 0x" + Long.toHexString(pfn) + ", not the head of a large folio of its kind");
                });
            }
        }

        private void requireRam(long pfn) {
            if (!k.phys.isRam(pfn)) throw in.error("pfn 0x" + Long.toHexString(pfn) + " is not RAM");
        }
    }
}
