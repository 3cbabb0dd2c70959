package io.pinlab.api.openapi;

import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.mm.FollFlag;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Request examples that work when executed in this order on a new session (pid 1, pin 1), as
 * "Try it out" in Swagger UI runs them: the first 16 KiB anonymous mmap of a new process lands at
 * 0x7ffff7ffb000 in every profile (no ASLR), a process starts with no open descriptors, so /mnt/ext4/data opens as fd 0, the ring as fd 1,
 * the memfd as fd 2 and the secretmem fd as fd 3.
 * OpenApiExamplesTest executes them from the served document.
 */
final class OpenApiExamples {
    static final String BUFFER = "0x7ffff7ffb000";

    /** operationId -> request body example, in execution order. */
    static final Map<String, String> REQUESTS = new LinkedHashMap<>();

    static {
        REQUESTS.put("createSession", "{\"profile\":\"v6.5\",\"label\":\"lab3\"}");
        REQUESTS.put("mmap", "{\"length\":16384,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}");
        REQUESTS.put("access", "{\"addr\":\"" + BUFFER + "\",\"length\":16384,\"access\":\"write\",\"value\":42}");
        REQUESTS.put("gup", "{\"call\":\"pin_user_pages_fast\",\"start\":\"" + BUFFER + "\",\"nrPages\":4,"
                + "\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}");
        REQUESTS.put("releasePin", "{\"how\":\"unpin_user_pages\"}");
        REQUESTS.put("open", "{\"path\":\"/mnt/ext4/data\",\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"size\":16384}");
        REQUESTS.put("ioUringSetup", "{\"entries\":8}");
        REQUESTS.put("ioUringRegister", "{\"fd\":1,\"opcode\":\"IORING_REGISTER_BUFFERS\",\"iovecs\":[{\"base\":\""
                + BUFFER + "\",\"len\":16384}]}");
        REQUESTS.put("ioUringEnter", "{\"fd\":1,\"sqes\":[{\"opcode\":\"IORING_OP_READ_FIXED\",\"fd\":0,\"addr\":\""
                + BUFFER + "\",\"len\":4096,\"off\":0,\"bufIndex\":0,\"userData\":1}]}");
        REQUESTS.put("ftruncate", "{\"fd\":0,\"length\":32768}");
        REQUESTS.put("memfdCreate", "{\"name\":\"buf\",\"size\":2097152}");
        REQUESTS.put("memfdSecret", "{\"size\":16384}");
        REQUESTS.put("close", "{\"fd\":3}");
        REQUESTS.put("fallocate", "{\"fd\":0,\"mode\":[\"FALLOC_FL_PUNCH_HOLE\",\"FALLOC_FL_KEEP_SIZE\"],\"offset\":0,\"len\":4096}");
        REQUESTS.put("pipe2", "{\"flags\":[\"O_NONBLOCK\"]}");
        REQUESTS.put("vmsplice", "{\"fd\":4,\"iovecs\":[{\"base\":\"" + BUFFER + "\",\"len\":8192}],\"flags\":[\"SPLICE_F_NONBLOCK\"]}");
        REQUESTS.put("read", "{\"fd\":3,\"buf\":\"" + BUFFER + "\",\"count\":4096}");
        REQUESTS.put("mprotect", "{\"addr\":\"" + BUFFER + "\",\"length\":4096,\"prot\":[\"PROT_READ\"]}");
        REQUESTS.put("madvise", "{\"addr\":\"0x7ffff7ffc000\",\"length\":4096,\"advice\":\"MADV_DONTNEED\"}");
        REQUESTS.put("mremap", "{\"addr\":\"0x7ffff7ffc000\",\"oldLength\":12288,\"newLength\":24576,\"flags\":[\"MREMAP_MAYMOVE\"]}");
        REQUESTS.put("munmap", "{\"addr\":\"" + BUFFER + "\",\"length\":16384}");
        REQUESTS.put("createProcess", "{\"comm\":\"worker\"}");
        REQUESTS.put("setSysctl", "{\"value\":64}");
        REQUESTS.put("swapon", "{\"size\":16777216}");
        REQUESTS.put("compareSession", "{\"profiles\":[\"v6.4\",\"v6.18\"]}");
        REQUESTS.put("answerExercise", "{\"answers\":{\"refcount\":1025,\"pincount\":1}}");
        REQUESTS.put("compare", "{\"profiles\":[\"v6.3\",\"v6.4\"],\"steps\":["
                + "{\"op\":\"memfd_create\",\"pid\":1,\"args\":{\"name\":\"buf\",\"size\":4096}},"
                + "{\"op\":\"mmap\",\"pid\":1,\"args\":{\"length\":4096,\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],"
                + "\"flags\":[\"MAP_PRIVATE\",\"MAP_ANONYMOUS\"]}},"
                + "{\"op\":\"mmap\",\"pid\":1,\"args\":{\"addr\":\"${2.addr}+0x1000\",\"length\":4096,"
                + "\"prot\":[\"PROT_READ\",\"PROT_WRITE\"],\"flags\":[\"MAP_SHARED\",\"MAP_FIXED\"],\"fd\":\"${1.ret}\"}},"
                + "{\"op\":\"io_uring_setup\",\"pid\":1,\"args\":{\"entries\":8}},"
                + "{\"op\":\"io_uring_register\",\"pid\":1,\"args\":{\"fd\":\"${4.ret}\",\"opcode\":\"IORING_REGISTER_BUFFERS\","
                + "\"iovecs\":[{\"base\":\"${2.addr}\",\"len\":8192}]}}]}");
        REQUESTS.put("createCourse", "{\"title\":\"OS lab, week 5\",\"maxSessions\":40}");
    }

    private OpenApiExamples() {
    }

    /** What a FOLL_* flag asks of GUP (include/linux/mm_types.h, mm/internal.h). */
    static String meaning(FollFlag f) {
        return switch (f) {
            case FOLL_WRITE -> "check that the pages are writable (breaks COW first)";
            case FOLL_GET -> "take a page reference (get_page); the get_user_pages* entry points set it";
            case FOLL_DUMP -> "give an error for the zero page and holes (core dumps)";
            case FOLL_FORCE -> "override the VMA's protection (ptrace, /proc/PID/mem)";
            case FOLL_NOWAIT -> "start faults but do not wait for them (KVM async page faults)";
            case FOLL_NOFAULT -> "never fault: only pages already present";
            case FOLL_HWPOISON -> "return -EHWPOISON for poisoned pages";
            case FOLL_ANON -> "only anonymous pages";
            case FOLL_LONGTERM -> "the pin lasts indefinitely (RDMA, io_uring, VFIO): no ZONE_MOVABLE/CMA pages, "
                    + "no file pages that writeback may move";
            case FOLL_SPLIT_PMD -> "split a huge PMD into PTEs first";
            case FOLL_PCI_P2PDMA -> "allow PCI peer-to-peer DMA pages";
            case FOLL_INTERRUPTIBLE -> "faults may be interrupted by any signal, not only fatal ones";
            case FOLL_HONOR_NUMA_FAULT -> "honour NUMA hinting faults (PROT_NONE) instead of ignoring them";
            case FOLL_SAME_FILE -> "proposed in the April-2023 seed series: every page must come from the same file";
            case FOLL_TOUCH -> "internal: mark the page accessed";
            case FOLL_TRIED -> "internal: the fault was retried once already";
            case FOLL_REMOTE -> "internal: the mm is another process's";
            case FOLL_PIN -> "internal: a FOLL_PIN pin (pin_user_pages*): adds GUP_PIN_COUNTING_BIAS (1024) to a small folio's refcount";
            case FOLL_FAST_ONLY -> "internal: get_user_pages_fast_only(): never fall back to the slow path";
            case FOLL_UNLOCKABLE -> "internal: mmap_lock may be dropped (*locked)";
            case FOLL_MADV_POPULATE -> "internal: MADV_POPULATE_READ/WRITE";
        };
    }

    /** "meaning (kind; profiles: v6.3, ...)" for one flag. */
    static String describe(FollFlag f) {
        StringJoiner in = new StringJoiner(", ");
        for (Profile p : Profile.ALL) if (f.existsIn(p)) in.add(p.name());
        return meaning(f) + " [" + f.kind().name().toLowerCase() + "; 0x" + Integer.toHexString(f.value())
                + "; profiles: " + in + "]";
    }
}
