package io.pinlab.kernel;

import io.pinlab.kernel.iouring.IoUring;
import io.pinlab.kernel.mm.Task;

import io.pinlab.kernel.fs.Inode;
import io.pinlab.kernel.fs.Mount;
import io.pinlab.kernel.fs.OpenFile;
import io.pinlab.kernel.fs.Pipe;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.kernel.mm.HugeMemory;
import io.pinlab.kernel.mm.Memory;
import io.pinlab.kernel.mm.Mm;
import io.pinlab.kernel.mm.PhysMem;
import io.pinlab.kernel.mm.Pte;
import io.pinlab.kernel.mm.VmFlag;
import io.pinlab.kernel.mm.Vma;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pinlab.kernel.mm.PhysMem.*;
import static io.pinlab.kernel.mm.VmFlag.*;

/**
 * What /proc shows (fs/proc/task_mmu.c, fs/proc/array.c, fs/proc/fd.c): maps, smaps-like
 * counters, pagemap with folio state, status, descriptors and mounts. Read-only.
 */
public final class Views {
    private Views() {}

    /** One /proc/PID/maps line as data, plus smaps' VmFlags, Rss (bytes) and the pages that may be DMA-pinned. */
    public record MapEntry(long start, long end, String perms, long offset, String dev, long inode, String path,
                           List<String> vmFlags, long rss, long pinned) {}

    public record Folio(long pfn, int order, int refcount, int pincount, int mapcount, String zone) {}

    /**
     * One page of /proc/PID/pagemap, with its folio (null for special PTEs of device memory).
     * {@code swapOffset}: PM_SWAP (bit 62) is set and the entry holds the swap offset (pte_to_pagemap_entry());
     * then {@code anonExclusive} is the entry's pte_swp_exclusive() and {@code value} what the slot holds.
     */
    public record PageEntry(long addr, boolean present, Long pfn, boolean writable, boolean anonExclusive, long value, Folio folio,
                            Long swapOffset) {}

    /** /proc/PID/status memory lines, in kB. */
    public record Status(long vmSizeKb, long vmRssKb, long vmPinKb, long vmLckKb, long rssAnonKb, long rssFileKb, long rssShmemKb,
                         long vmSwapKb) {}

    /** /proc/swaps: the one swapfile, sizes in kB (swap_show(), mm/swapfile.c); null when swap is off. */
    public record Swaps(String filename, String type, long sizeKb, long usedKb, int priority) {}

    public static Swaps swaps(Kernel k) {
        if (k.swap == null) return null;
        long kb = PAGE_SIZE / 1024;
        return new Swaps(io.pinlab.kernel.mm.SwapInfo.PATH, "file", k.swap.totalSwapPages() * kb, k.swap.inusePages() * kb, -2);
    }

    public record FdEntry(int fd, String path, int flags, long inode, String fs, long size, int refs, boolean ring) {}

    // ---------------------------------------------------------------- maps

    public static List<MapEntry> maps(Kernel k, Task t) {
        List<MapEntry> out = new ArrayList<>();
        for (Vma v : t.mm.vmas.values()) {
            long[] rp = rssAndPinned(k, t.mm, v);
            Inode in = v.file == null ? null : v.file.inode();
            out.add(new MapEntry(v.start, v.end, v.perms(), in == null ? 0 : v.pgoff << PAGE_SHIFT, dev(k, in),
                    in == null ? 0 : in.ino(), name(v), VmFlag.names(v.flags), rp[0] * PAGE_SIZE, rp[1]));
        }
        return out;
    }

    /** /proc/PID/maps exactly as show_map_vma() prints it (name column padded to 73, trailing space when unnamed). */
    public static String mapsText(Kernel k, Task t) {
        StringBuilder sb = new StringBuilder();
        for (MapEntry e : maps(k, t)) {
            int lineStart = sb.length();
            // "%08lx-%08lx %s %08llx %s %lu " without String.format, which costs ~4 us a line (65,530 VMAs)
            hex8(sb, e.start()).append('-');
            hex8(sb, e.end()).append(' ').append(e.perms()).append(' ');
            hex8(sb, e.offset()).append(' ').append(e.dev()).append(' ').append(e.inode()).append(' ');
            if (e.path() != null) {
                int width = 25 + 8 * 6 - 1; // seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)
                while (sb.length() - lineStart < width) sb.append(' ');
                sb.append(' ').append(e.path());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Appends v as lowercase hex, zero-padded to at least 8 digits (printf %08lx). */
    private static StringBuilder hex8(StringBuilder sb, long v) {
        String h = Long.toHexString(v);
        for (int i = h.length(); i < 8; i++) sb.append('0');
        return sb.append(h);
    }

    /** The name column: [stack], a file path, or "/name (deleted)" for unlinked inodes (d_path()). */
    static String name(Vma v) {
        if (v.name != null) return v.name;
        if (v.file == null) return null;
        Inode in = v.file.inode();
        return in.path() + (in.nlink == 0 ? " (deleted)" : "");
    }

    /** MAJOR:MINOR of the inode's super block, as %02x:%02x. Anonymous memory is 00:00. */
    static String dev(Kernel k, Inode in) {
        if (in == null) return "00:00";
        if (in.path() == null || in.nlink == 0) { // internal mounts: shm_mnt, hugetlbfs, secretmem
            return switch (in.fs()) {
                case TMPFS -> "00:01";
                case HUGETLBFS -> "00:0f";
                case SECRETMEM -> "00:0e";
                default -> "00:0d";
            };
        }
        Mount m = k.mountOf(in.path());
        return switch (m.path()) {
            case "/mnt/ext4" -> "fd:01";
            case "/mnt/xfs" -> "fd:02";
            case "/mnt/pmem" -> "103:00"; // pmem block major 259
            case "/dev/shm" -> "00:1a";
            case "/mnt/huge" -> "00:2d";
            case "/mnt/huge1G" -> "00:2e";
            default -> "00:05"; // devtmpfs
        };
    }

    /** smaps Rss (vm_normal_page() pages only: no zero page, no PFNMAP) and the pages whose folio may be DMA-pinned. */
    private static long[] rssAndPinned(Kernel k, Mm mm, Vma v) {
        long[] r = new long[2];
        mm.puds.forEach(v.start >>> 30, ((v.end - 1) >>> 30) + 1, (key, pud) -> {
            r[0] += PUD_NR;
            if (k.phys.maybeDmaPinned(Pte.pfn(pud))) r[1] += PUD_NR;
        });
        mm.pmds.forEach(v.start >>> 21, ((v.end - 1) >>> 21) + 1, (key, pmd) -> {
            if (HugeMemory.isHugeZeroPmd(k, pmd)) return; // vm_normal_page_pmd(): no RSS for the huge zero folio
            r[0] += HPAGE_NR;
            if (k.phys.maybeDmaPinned(Pte.pfn(pmd))) r[1] += HPAGE_NR;
        });
        mm.ptes.forEach(v.start >>> PAGE_SHIFT, v.end >>> PAGE_SHIFT, (vpn, pte) -> {
            if (Pte.special(pte) || Pte.isSwap(pte)) return;
            r[0]++;
            if (k.phys.maybeDmaPinned(Pte.pfn(pte))) r[1]++;
        });
        return r;
    }

    // ---------------------------------------------------------------- pagemap

    /** One entry per page of [addr, addr + len) (addr rounded down to a page). */
    public static List<PageEntry> pagemap(Kernel k, Task t, long addr, long len) {
        List<PageEntry> out = new ArrayList<>();
        long end = addr + len;
        for (long p = addr & ~(PAGE_SIZE - 1); Long.compareUnsigned(p, end) < 0; p += PAGE_SIZE) {
            long pte = Memory.followPte(t.mm, p);
            if (Pte.isSwap(pte)) {
                long off = Pte.swpOffset(pte);
                out.add(new PageEntry(p, false, null, false, Pte.swpExclusive(pte), k.swap.data(off), null, off));
                continue;
            }
            if (!Pte.present(pte)) {
                out.add(new PageEntry(p, false, null, false, false, 0, null, null));
                continue;
            }
            long pfn = Pte.pfn(pte);
            if (!k.phys.isRam(pfn) || !k.phys.isAllocated(pfn)) { // device memory: no struct page
                out.add(new PageEntry(p, true, pfn, Pte.write(pte), false, 0, null, null));
                continue;
            }
            out.add(new PageEntry(p, true, pfn, Pte.write(pte), k.phys.testPageFlag(pfn, PG_ANON_EXCLUSIVE),
                    k.phys.value(pfn), folio(k, pfn), null));
        }
        return out;
    }

    /**
     * The folio of pfn. {@code pincount}: folio->_pincount for large folios; for small ones the
     * kernel keeps none, so it is refcount / GUP_PIN_COUNTING_BIAS, the same estimate
     * folio_maybe_dma_pinned() makes.
     */
    public static Folio folio(Kernel k, long pfn) {
        long h = k.phys.head(pfn);
        int order = k.phys.order(h);
        int ref = k.phys.refcount(h);
        int pins = order > 0 ? k.phys.pincount(h) : ref / PhysMem.GUP_PIN_COUNTING_BIAS;
        return new Folio(h, order, ref, pins, k.phys.mapcount(h), k.phys.zone(h).name());
    }

    // ---------------------------------------------------------------- status, fds, mounts

    public static Status status(Kernel k, Task t) {
        Mm mm = t.mm;
        long kb = PAGE_SIZE / 1024;
        return new Status(mm.totalVm() * kb, (mm.rssAnon + mm.rssFile + mm.rssShmem) * kb, mm.pinnedVm * kb,
                mm.lockedVm * kb, mm.rssAnon * kb, mm.rssFile * kb, mm.rssShmem * kb, mm.rssSwap * kb);
    }

    public static List<FdEntry> fds(Kernel k, Task t) {
        List<FdEntry> out = new ArrayList<>();
        for (Map.Entry<Integer, OpenFile> e : t.fds.entrySet()) {
            OpenFile f = e.getValue();
            Inode in = f.inode();
            String path = IoUring.ringOf(f) != null ? "anon_inode:[io_uring]" : in.path() == null ? "anon_inode"
                    : in.path() + (in.nlink == 0 && Pipe.pipeOf(f) == null ? " (deleted)" : ""); // a pipe reads as pipe:[ino]
            out.add(new FdEntry(e.getKey(), path, f.flags(), in.ino(), in.fs().fsName, in.size, f.refs, IoUring.ringOf(f) != null));
        }
        return out;
    }

    public static List<Mount> mounts(Kernel k) { return List.copyOf(k.mounts); }

}
