/*
 * pinlab oracle: real system calls whose answers pinlab's v6.18 profile must reproduce.
 * Prints one "case value" line per observation; value is OK, an errno name, or a relation
 * (same/differ, thp/small, yes/no). Run as root through oracle/record.sh (not in CI).
 *
 * What a probe without CONFIG_GUP_TEST cannot see is listed by record.sh, not guessed here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <signal.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define HUGE (2UL << 20)
#define KPF_THP 22
#define KPF_ZERO_PAGE 24

static const char *dir; /* a directory on the file system named by fs */
static const char *fs;  /* "ext4", "xfs" or "btrfs": the prefix of file-backed case names */

static const char *ename(int e) {
    switch (e) {
    case 0: return "OK";
    case EINVAL: return "EINVAL"; case EFAULT: return "EFAULT"; case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF"; case EACCES: return "EACCES"; case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPERM: return "EPERM"; case ENOSYS: return "ENOSYS"; case EEXIST: return "EEXIST";
    case EOVERFLOW: return "EOVERFLOW"; case EBUSY: return "EBUSY"; case ENODEV: return "ENODEV";
    case EIO: return "EIO"; case ESRCH: return "ESRCH"; case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE"; case ENXIO: return "ENXIO";
    case ESPIPE: return "ESPIPE"; case EPIPE: return "EPIPE"; case EFBIG: return "EFBIG";
    default: { static char b[16]; snprintf(b, sizeof b, "E%d", e); return b; }
    }
}

static void out(const char *c, const char *v) { printf("%-48s %s\n", c, v); fflush(stdout); }

/* a case name with "%s" replaced by the file system's name */
static const char *fsc(const char *fmt) {
    static char b[128];
    snprintf(b, sizeof b, fmt, fs);
    return b;
}

/* a syscall returning -1/errno (mmap: MAP_FAILED) */
static void outl(const char *c, long v) { char b[32]; snprintf(b, sizeof b, "%ld", v); out(c, b); }
static void rc(const char *c, long r) { out(c, ename(r == -1 ? errno : 0)); }
static void mm(const char *c, void *p) { out(c, ename(p == MAP_FAILED ? errno : 0)); }
/* liburing: -errno */
static void ur(const char *c, int r) { out(c, ename(r < 0 ? -r : 0)); }

static uint64_t pagemap(void *a) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t e = 0;
    pread(fd, &e, 8, ((uintptr_t) a / PAGE) * 8);
    close(fd);
    return e;
}
static int present(void *a) { return (pagemap(a) >> 63) & 1; }
static uint64_t pfn(void *a) { return pagemap(a) & ((1ULL << 55) - 1); }
static uint64_t kflags(uint64_t p) {
    int fd = open("/proc/kpageflags", O_RDONLY);
    uint64_t f = 0;
    pread(fd, &f, 8, p * 8);
    close(fd);
    return f;
}
static const char *same(uint64_t a, uint64_t b) { return a == b ? "same" : "differ"; }
static const char *thp(void *a) { return (kflags(pfn(a)) >> KPF_THP) & 1 ? "thp" : "small"; }

static void sysfs(const char *path, const char *v) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, v, strlen(v)) < 0) { perror(path); exit(1); }
    close(fd);
}

/* HugePages_Rsvd with no hugetlb mapping held: reservations nothing holds any more (this 6.18 kernel
   leaks one each time a private hugetlb mapping with a reserved, unfaulted page is mremap-moved, as
   probe_mremap() does); the pool is sized on top of them so that each probe finds its pages free */
static long leaked_rsvd;
static long meminfo(const char *key) {
    char l[256];
    long v = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    while (f && fgets(l, sizeof l, f))
        if (strncmp(l, key, strlen(key)) == 0 && l[strlen(key)] == ':') v = atol(l + strlen(key) + 1);
    if (f) fclose(f);
    return v;
}
static void hugepages(long n) {
    char b[32];
    snprintf(b, sizeof b, "%ld", n == 0 ? 0 : n + meminfo("HugePages_Rsvd")); /* called with no hugetlb mapping held */
    sysfs("/proc/sys/vm/nr_hugepages", b);
}

static char *path(const char *name) {
    static char b[512];
    snprintf(b, sizeof b, "%s/%s", dir, name);
    return b;
}

static int fsfile(const char *name, size_t size, int oflags) {
    int fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(fd, size);
    if (oflags != O_RDWR) { close(fd); fd = open(path(name), oflags); }
    return fd;
}

/* a 2 MiB-aligned MADV_HUGEPAGE anonymous range of n huge pages */
static char *thp_range(int n) {
    char *raw = mmap(NULL, (n + 1) * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a = (char *) (((uintptr_t) raw + HUGE - 1) & ~(HUGE - 1));
    madvise(a, n * HUGE, MADV_HUGEPAGE);
    return a;
}

static void child_exit(pid_t p) { int st; waitpid(p, &st, 0); }

/* ---------------------------------------------------------------- mmap family */
static void probe_file_mmap(void) {
    int ro = fsfile("ro", 4 * PAGE, O_RDONLY);
    mm(fsc("mmap.%s_shared_write_rdonly_fd"), mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    mm(fsc("mmap.%s_private_write_rdonly_fd"), mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0));
    mm(fsc("mmap.%s_unaligned_offset"), mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ro, 100));
    close(ro);
}

static void probe_mmap(void) {
    mm("mmap.len0", mmap(NULL, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mm("mmap.fixed_unaligned", mmap((void *) 0x10000001UL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    mm("mmap.no_type", mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0));
    mm("mmap.badfd", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 999, 0));
    hugepages(0);
    mm("mmap.hugetlb_empty_pool", mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
    char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rc("munmap.unaligned", munmap(a + 1, PAGE));
    munmap(a, 4 * PAGE);
    rc("mprotect.unmapped", mprotect(a, PAGE, PROT_READ));
    a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rc("madvise.bad_advice", madvise(a, PAGE, 9999));
    munmap(a, PAGE);
}

/* ---------------------------------------------------------------- io_uring buffer registration */
static int reg(struct io_uring *r, void *base, size_t len) {
    struct iovec iov = { base, len };
    int ret = io_uring_register_buffers(r, &iov, 1);
    if (ret == 0) io_uring_unregister_buffers(r);
    return ret;
}

/* a ring whose one registered buffer pins [base, base + len); prints case c with the answer */
static void pin_buffer(const char *c, struct io_uring *r, void *base, size_t len) {
    io_uring_queue_init(8, r, 0);
    struct iovec iov = { base, len };
    ur(c, io_uring_register_buffers(r, &iov, 1));
}

static void probe_register(void) {
    struct io_uring r;
    if (io_uring_queue_init(8, &r, 0) < 0) { out("uring.setup", "FAILED"); return; }
    char *a;
    a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ur("uring.reg.anon_private", reg(&r, a, 2 * PAGE));
    a = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ur("uring.reg.anon_readonly", reg(&r, a, 2 * PAGE));
    a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ur("uring.reg.anon_shared", reg(&r, a, 2 * PAGE));
    a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(a, 2 * PAGE);
    ur("uring.reg.unmapped", reg(&r, a, 2 * PAGE));

    int mfd = memfd_create("oracle", 0);
    ftruncate(mfd, 4 * PAGE);
    ur("uring.reg.memfd_shared", reg(&r, mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0), 2 * PAGE));
    ur("uring.reg.memfd_private", reg(&r, mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0), 2 * PAGE));
    close(mfd);

    int sfd = syscall(SYS_memfd_secret, 0);
    if (sfd < 0) out("uring.reg.memfd_secret", ename(errno));
    else {
        ftruncate(sfd, 2 * PAGE);
        ur("uring.reg.memfd_secret", reg(&r, mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0), 2 * PAGE));
        close(sfd);
    }


    hugepages(4);
    a = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (a == MAP_FAILED) out("uring.reg.hugetlb_anon", "UNAVAILABLE");
    else { ur("uring.reg.hugetlb_anon", reg(&r, a, HUGE)); munmap(a, HUGE); }
    int hfd = memfd_create("oracle-huge", MFD_HUGETLB);
    ftruncate(hfd, HUGE);
    a = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
    if (a == MAP_FAILED) out("uring.reg.hugetlb_memfd_shared", "UNAVAILABLE");
    else { ur("uring.reg.hugetlb_memfd_shared", reg(&r, a, HUGE)); munmap(a, HUGE); }
    close(hfd);
    hugepages(0);
    io_uring_queue_exit(&r);
}

/* registration of a file mapping: GUP's check_vma_flags() decides since 6.5 */
static void probe_file_register(void) {
    struct io_uring r;
    if (io_uring_queue_init(8, &r, 0) < 0) { out("uring.setup", "FAILED"); return; }
    int fd = fsfile("rw", 4 * PAGE, O_RDWR);
    ur(fsc("uring.reg.%s_shared"), reg(&r, mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), 2 * PAGE));
    ur(fsc("uring.reg.%s_private"), reg(&r, mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), 2 * PAGE));
    ur(fsc("uring.reg.%s_shared_readonly"), reg(&r, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0), 2 * PAGE));
    close(fd);
    io_uring_queue_exit(&r);
}

/* ---------------------------------------------------------------- the other GUP users */
static pid_t fork_idle(int *go);
static void release(pid_t c, int go);
static int cqe_res(struct io_uring *r, int opcode, int fd, uint64_t addr, unsigned len, uint64_t off,
                   int buf_index, unsigned nop_flags);
static void res_out(const char *c, int res);
/* a byte count, or the errno name */
static void nb(const char *c, ssize_t n) {
    char b[32];
    if (n < 0) out(c, ename(errno));
    else { snprintf(b, sizeof b, "%zd", n); out(c, b); }
}

/* O_DIRECT pread/pwrite (iov_iter_extract_pages(): a short-term FOLL_PIN) into and out of a
 * MAP_SHARED mapping of a file on this file system, where io_uring registration is -EFAULT */
static void probe_file_direct(void) {
    int fd = fsfile("dio", 16 * PAGE, O_RDWR);
    int dfd = open(path("dio"), O_RDWR | O_DIRECT);
    int mfd = fsfile("shared", 4 * PAGE, O_RDWR);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    memset(m, 5, 2 * PAGE);
    nb(fsc("odirect.%s_pwrite_from_shared"), pwrite(dfd, m, 2 * PAGE, 0));
    nb(fsc("odirect.%s_pread_into_shared"), pread(dfd, m, 2 * PAGE, 4 * PAGE));
    nb(fsc("odirect.%s_pread_misaligned_buffer"), pread(dfd, m + 1, PAGE, 0));
    char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    nb(fsc("odirect.%s_pread_into_readonly"), pread(dfd, ro, PAGE, 0));
    close(dfd); close(fd); close(mfd);
}

/* O_DIRECT from memory GUP cannot pin (memfd_secret): iomap pins (-EFAULT); btrfs's buffered
 * fallback copies instead. A misaligned offset: iomap -EINVAL, btrfs buffered. */
static void probe_file_dio_fallback(void) {
    int fd = fsfile("sdio", 4 * PAGE, O_RDWR);
    int dfd = open(path("sdio"), O_RDWR | O_DIRECT);
    int s = syscall(SYS_memfd_secret, 0);
    ftruncate(s, PAGE);
    char *b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0);
    memset(b, 6, PAGE);
    nb(fsc("odirect.%s_pwrite_from_secretmem"), pwrite(dfd, b, PAGE, 0));
    char *a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 4, PAGE);
    /* data at offset 0 first: iomap zero-fills a hole without the alignment check */
    nb(fsc("odirect.%s_pwrite_aligned"), pwrite(dfd, a, PAGE, 0));
    nb(fsc("odirect.%s_pread_misaligned_offset"), pread(dfd, a, PAGE, 100));
    close(dfd); close(fd); close(s);
}

static long fsize(int fd) { struct stat st; fstat(fd, &st); return st.st_size; }

/* fallocate(2): vfs_fallocate() (fs/open.c) and the file system's ->fallocate */
static void probe_file_falloc(void) {
    int fd = fsfile("falloc", PAGE, O_RDWR);
    rc(fsc("falloc.%s_punch_no_keep"), fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PAGE));
    rc(fsc("falloc.%s_collapse_keep"), fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
    rc(fsc("falloc.%s_len0"), fallocate(fd, 0, 0, 0));
    rc(fsc("falloc.%s_wrap"), fallocate(fd, FALLOC_FL_KEEP_SIZE, LLONG_MAX, 1));
    rc(fsc("falloc.%s_keep_size"), fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8 * PAGE));
    out(fsc("falloc.%s_keep_size_size"), fsize(fd) == (long) PAGE ? "kept" : "changed");
    rc(fsc("falloc.%s_prealloc"), fallocate(fd, 0, 4 * PAGE, 4 * PAGE));
    out(fsc("falloc.%s_prealloc_size"), fsize(fd) == (long) (8 * PAGE) ? "extended" : "other");
    rc(fsc("falloc.%s_zero_range_keep"), fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
    int ro = open(path("falloc"), O_RDONLY);
    rc(fsc("falloc.%s_rdonly_fd"), fallocate(ro, 0, 0, PAGE));
    close(ro);
    /* a hole under a shared mapping: unmapped and gone from the page cache; the next page stays */
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memset(m, 5, 2 * PAGE);
    rc(fsc("falloc.%s_punch_mapped"), fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
    out(fsc("falloc.%s_punch_mapped_pte"), present(m) ? "present" : "absent");
    out(fsc("falloc.%s_punch_mapped_reads"), m[0] == 0 ? "zero" : "old");
    out(fsc("falloc.%s_punch_mapped_next"), m[PAGE] == 5 ? "kept" : "lost");
    munmap(m, 2 * PAGE);
    close(fd);
}

/* fallocate COLLAPSE_RANGE / INSERT_RANGE / UNSHARE_RANGE / WRITE_ZEROES on an 8-page file whose page i holds
 * i + 1 (dirty in the page cache), mapped shared: the page cache from offset on is written back and dropped,
 * the blocks move; ext4's truncate_pagecache() also zaps a private COW copy, xfs's truncate_pagecache_range() not.
 * The pages are written one pwrite() each, so the page cache holds 4 KiB folios (a fault on the empty file would
 * read ahead into large folios on xfs, and truncating part of one splits it, unmapping its other pages too) */
static void probe_file_falloc_shift(void) {
    int fd = fsfile("shift", 8 * PAGE, O_RDWR);
    char page[PAGE];
    for (int i = 0; i < 8; i++) { memset(page, i + 1, PAGE); pwrite(fd, page, PAGE, i * PAGE); }
    char *m = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    for (int i = 0; i < 8; i++) (void) *(volatile char *) (m + i * PAGE);
    char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    p[3 * PAGE] = 99; /* a private COW copy of page 3 */
    rc(fsc("falloc.%s_collapse_unaligned"), fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 100, PAGE));
    rc(fsc("falloc.%s_collapse_to_eof"), fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 4 * PAGE, 4 * PAGE));
    out(fsc("falloc.%s_collapse_einval_pte"), present(m + 5 * PAGE) ? "present" : "absent");
    rc(fsc("falloc.%s_insert_unaligned"), fallocate(fd, FALLOC_FL_INSERT_RANGE, PAGE, 100));
    rc(fsc("falloc.%s_insert_at_eof"), fallocate(fd, FALLOC_FL_INSERT_RANGE, 8 * PAGE, PAGE));
    int pp[2];
    pipe(pp);
    struct iovec v = { m + 2 * PAGE, PAGE };
    vmsplice(pp[1], &v, 1, 0); /* a pipe's reference to page 2 */
    rc(fsc("falloc.%s_collapse"), fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, PAGE, PAGE));
    out(fsc("falloc.%s_collapse_size"), fsize(fd) == (long) (7 * PAGE) ? "shrunk" : "other");
    out(fsc("falloc.%s_collapse_first_pte"), present(m) ? "present" : "absent");
    out(fsc("falloc.%s_collapse_offset_pte"), present(m + PAGE) ? "present" : "absent");
    out(fsc("falloc.%s_collapse_reads"), m[PAGE] == 3 ? "moved" : m[PAGE] == 2 ? "old" : "other");
    out(fsc("falloc.%s_collapse_last_reads"), m[6 * PAGE] == 8 ? "moved" : "other");
    out(fsc("falloc.%s_collapse_private_cow"), p[3 * PAGE] == 99 ? "kept" : p[3 * PAGE] == 5 ? "zapped" : "other");
    char b[PAGE];
    nb(fsc("falloc.%s_collapse_pipe_read"), read(pp[0], b, PAGE));
    out(fsc("falloc.%s_collapse_pipe_data"), b[0] == 3 ? "old" : "other");
    close(pp[0]); close(pp[1]);
    rc(fsc("falloc.%s_insert"), fallocate(fd, FALLOC_FL_INSERT_RANGE, 2 * PAGE, PAGE));
    out(fsc("falloc.%s_insert_size"), fsize(fd) == (long) (8 * PAGE) ? "grown" : "other");
    out(fsc("falloc.%s_insert_hole_reads"), m[2 * PAGE] == 0 ? "zero" : "other");
    out(fsc("falloc.%s_insert_next_reads"), m[3 * PAGE] == 4 ? "moved" : "other");
    rc(fsc("falloc.%s_unshare"), fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 6 * PAGE, 4 * PAGE));
    out(fsc("falloc.%s_unshare_size"), fsize(fd) == (long) (10 * PAGE) ? "extended" : fsize(fd) == (long) (8 * PAGE) ? "kept" : "other");
    rc(fsc("falloc.%s_write_zeroes"), fallocate(fd, 0x80 /* FALLOC_FL_WRITE_ZEROES */, 0, PAGE));
    rc(fsc("falloc.%s_write_zeroes_keep"), fallocate(fd, 0x80 | FALLOC_FL_KEEP_SIZE, 0, PAGE));
    munmap(m, 8 * PAGE); munmap(p, 8 * PAGE);
    close(fd);
}

/* MADV_PAGEOUT of page-cache folios, each page mapped alone (no fault-around): shrink_folio_list()
 * drops a clean one (mincore() 0; the next fault reads it from disk), keeps a dirty one (file folios
 * are not written back by reclaim) and one a pipe references (__remove_mapping() fails); all are unmapped */
static int cached(void *a) { unsigned char v = 0; mincore(a, PAGE, &v); return v & 1; }
static const char *yes(int b) { return b ? "yes" : "no"; }
static void probe_file_pageout(void) {
    int fd = fsfile("pageout", 4 * PAGE, O_RDWR);
    char *h = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    (void) *(volatile char *) h; /* a hole: a clean zero-filled folio */
    rc(fsc("pageout.%s_hole"), madvise(h, PAGE, MADV_PAGEOUT));
    out(fsc("pageout.%s_hole_present"), yes(present(h)));
    out(fsc("pageout.%s_hole_cached"), yes(cached(h)));
    out(fsc("pageout.%s_hole_reads"), h[0] == 0 ? "zero" : "other");
    out(fsc("pageout.%s_hole_cached_after_read"), yes(cached(h)));
    /* data written by O_DIRECT (btrfs: buffered, then written back and invalidated): clean */
    int dfd = open(path("pageout"), O_RDWR | O_DIRECT);
    char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 4, PAGE);
    nb(fsc("pageout.%s_direct_write"), pwrite(dfd, buf, PAGE, PAGE));
    char *d = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
    (void) *(volatile char *) d;
    rc(fsc("pageout.%s_clean"), madvise(d, PAGE, MADV_PAGEOUT));
    out(fsc("pageout.%s_clean_present"), yes(present(d)));
    out(fsc("pageout.%s_clean_cached"), yes(cached(d)));
    out(fsc("pageout.%s_clean_reads"), d[0] == 4 ? "kept" : "lost");
    /* written through the mapping: dirty */
    char *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PAGE);
    w[0] = 9;
    uint64_t wp = pfn(w);
    rc(fsc("pageout.%s_dirty"), madvise(w, PAGE, MADV_PAGEOUT));
    out(fsc("pageout.%s_dirty_present"), yes(present(w)));
    out(fsc("pageout.%s_dirty_cached"), yes(cached(w)));
    out(fsc("pageout.%s_dirty_reads"), w[0] == 9 ? "kept" : "lost");
    out(fsc("pageout.%s_dirty_pfn"), same(pfn(w), wp));
    /* a pipe holds a reference (vmsplice) */
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 3 * PAGE);
    (void) *(volatile char *) s;
    int p[2];
    pipe(p);
    struct iovec v = { s, PAGE };
    nb(fsc("pageout.%s_vmsplice"), vmsplice(p[1], &v, 1, 0));
    rc(fsc("pageout.%s_spliced"), madvise(s, PAGE, MADV_PAGEOUT));
    out(fsc("pageout.%s_spliced_present"), yes(present(s)));
    out(fsc("pageout.%s_spliced_cached"), yes(cached(s)));
    close(p[0]); close(p[1]);
    /* mapped twice: folio_mapcount() != 1, left alone */
    char *h2 = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    (void) *(volatile char *) h2;
    rc(fsc("pageout.%s_twice"), madvise(h, PAGE, MADV_PAGEOUT));
    out(fsc("pageout.%s_twice_present"), yes(present(h)));
    out(fsc("pageout.%s_twice_cached"), yes(cached(h)));
    munmap(h, PAGE); munmap(h2, PAGE); munmap(d, PAGE); munmap(w, PAGE); munmap(s, PAGE); munmap(buf, PAGE);
    close(dfd); close(fd);
}

/* PUNCH_HOLE on a shmem page that io_uring holds pinned (FOLL_LONGTERM): the page leaves the
 * mapping and the page cache, the registered buffer keeps the old page and its data */
static void probe_falloc_pinned(void) {
    int mfd = memfd_create("pin", 0);
    ftruncate(mfd, 2 * PAGE);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    memset(m, 7, 2 * PAGE);
    uint64_t before = pfn(m);
    struct io_uring r;
    pin_buffer("falloc.shmem_pinned_register", &r, m, PAGE);
    rc("falloc.shmem_pinned_punch", fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE));
    out("falloc.shmem_pinned_pte", present(m) ? "present" : "absent");
    out("falloc.shmem_pinned_reads", m[0] == 0 ? "zero" : "old");
    out("falloc.shmem_pinned_pfn", same(pfn(m), before));
    int f = fsfile("pinned_out", PAGE, O_RDWR);
    res_out("falloc.shmem_pinned_write_fixed", cqe_res(&r, IORING_OP_WRITE_FIXED, f, (uintptr_t) m, PAGE, 0, 0, 0));
    char c = 1;
    pread(f, &c, 1, 0);
    out("falloc.shmem_pinned_buffer_data", c == 7 ? "old" : c == 0 ? "zero" : "other");
    close(f);
    io_uring_queue_exit(&r);
    close(mfd);
}

/* vmsplice(2) (fs/splice.c): get_user_pages_fast() FOLL_GET references held by the pipe */
static void probe_vmsplice(void) {
    int p[2];
    signal(SIGPIPE, SIG_IGN);
    pipe2(p, O_NONBLOCK);
    char *a = mmap(NULL, 20 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *o = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 5, 20 * PAGE);
    struct iovec v = { a, PAGE };
    nb("vmsplice.page", vmsplice(p[1], &v, 1, 0));
    memset(a, 9, PAGE); /* writable and exclusive: no fault, the pipe's page is this page */
    nb("vmsplice.read", read(p[0], o, PAGE));
    out("vmsplice.read_after_write", o[0] == 9 ? "new" : o[0] == 5 ? "old" : "other");
    /* the child splices the page it shares with its parent and exits; the parent's write copies */
    memset(a, 5, PAGE);
    pid_t c = fork();
    if (c == 0) { vmsplice(p[1], &v, 1, 0); _exit(0); }
    child_exit(c);
    uint64_t before = pfn(a);
    memset(a, 9, PAGE);
    out("vmsplice.cow_parent_pfn", same(pfn(a), before));
    nb("vmsplice.cow_read", read(p[0], o, PAGE));
    out("vmsplice.cow_data", o[0] == 5 ? "old" : o[0] == 9 ? "new" : "other");
    v.iov_len = 20 * PAGE;
    nb("vmsplice.fill", vmsplice(p[1], &v, 1, SPLICE_F_NONBLOCK));
    nb("vmsplice.full", vmsplice(p[1], &v, 1, SPLICE_F_NONBLOCK));
    nb("vmsplice.bad_flags", vmsplice(p[1], &v, 1, 0x10));
    int f = fsfile("vms", PAGE, O_RDWR);
    nb("vmsplice.regular_file", vmsplice(f, &v, 1, 0));
    close(f);
    rc("falloc.pipe", fallocate(p[1], 0, 0, PAGE));
    nb("pipe.drain", read(p[0], o, 16 * PAGE));
    nb("pipe.read_write_end", read(p[1], o, PAGE));
    nb("pipe.read_empty_nonblock", read(p[0], o, PAGE));
    close(p[0]);
    v.iov_len = PAGE;
    nb("vmsplice.no_reader", vmsplice(p[1], &v, 1, 0));
    close(p[1]);
    pipe(p);
    memset(a, 3, PAGE);
    nb("vmsplice.gift", vmsplice(p[1], &v, 1, SPLICE_F_GIFT));
    close(p[1]);
    nb("vmsplice.gift_read", read(p[0], o, PAGE));
    out("vmsplice.gift_data", o[0] == 3 ? "same" : "other");
    nb("pipe.read_eof", read(p[0], o, PAGE));
    close(p[0]);
}

/* process_vm_readv/writev (pin_user_pages_remote()) and /proc/PID/mem (FOLL_FORCE) */
static void probe_remote(void) {
    int mfd = fsfile("remote", 4 * PAGE, O_RDWR);
    char *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    memset(shared, 6, 2 * PAGE);
    char *rop = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile char x = rop[0];
    (void) x;
    char *hole = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, PAGE);
    int go;
    pid_t c = fork_idle(&go);
    char buf[2 * PAGE];
    struct iovec l = { buf, 2 * PAGE }, r = { shared, 2 * PAGE };
    nb(fsc("process_vm_readv.%s_shared"), process_vm_readv(c, &l, 1, &r, 1, 0));
    nb(fsc("process_vm_writev.%s_shared"), process_vm_writev(c, &l, 1, &r, 1, 0));
    struct iovec rh = { hole, PAGE };
    nb("process_vm_readv.unmapped_remote", process_vm_readv(c, &l, 1, &rh, 1, 0));
    struct iovec rr = { rop, PAGE };
    nb("process_vm_writev.readonly_remote", process_vm_writev(c, &l, 1, &rr, 1, 0));
    nb("process_vm_readv.flags", process_vm_readv(c, &l, 1, &r, 1, 1));
    release(c, go);
    nb("process_vm_readv.exited", process_vm_readv(c, &l, 1, &r, 1, 0));

    int mem = open("/proc/self/mem", O_RDWR);
    uint64_t before = pfn(rop);
    char v = 9;
    nb("procmem.write_readonly_private", pwrite(mem, &v, 1, (uintptr_t) rop));
    out("procmem.write_readonly_private_pfn", same(pfn(rop), before));
    char *ros = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mfd, 0);
    nb("procmem.write_readonly_shared", pwrite(mem, &v, 1, (uintptr_t) ros));
    nb("procmem.read_unmapped", pread(mem, &v, 1, 0x1000)); /* below mmap_min_addr: never mapped */
    close(mem);
    close(mfd);
}

/* io_uring_register() opcode numbers, IORING_REGISTER_CLONE_BUFFERS, NOP flags, READV_FIXED
 * (liburing 2.3 predates the last three: raw syscall numbers and SQE fields are used) */
struct clone_buffers { uint32_t src_fd, flags, src_off, dst_off, nr, pad[3]; };

static int cqe_res(struct io_uring *r, int opcode, int fd, uint64_t addr, unsigned len, uint64_t off,
                   int buf_index, unsigned nop_flags) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(r);
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->fd = fd;
    sqe->addr = addr;
    sqe->len = len;
    sqe->off = off;
    sqe->buf_index = buf_index;
    sqe->rw_flags = nop_flags; /* the union member nop_flags */
    io_uring_submit(r);
    struct io_uring_cqe *cqe;
    io_uring_wait_cqe(r, &cqe);
    int res = cqe->res;
    io_uring_cqe_seen(r, cqe);
    return res;
}

static void res_out(const char *c, int res) {
    char b[32];
    if (res < 0) out(c, ename(-res));
    else { snprintf(b, sizeof b, "%d", res); out(c, b); }
}

static void probe_uring_ops(void) {
    struct io_uring src, dst;
    io_uring_queue_init(8, &src, 0);
    io_uring_queue_init(8, &dst, 0);
    rc("uring.register_opcode_36", syscall(__NR_io_uring_register, src.ring_fd, 36, NULL, 0));
    rc("uring.register_opcode_999", syscall(__NR_io_uring_register, src.ring_fd, 999, NULL, 0));
    rc("uring.register_opcode_999_bad_fd", syscall(__NR_io_uring_register, 12345, 999, NULL, 0));
    char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov = { a, 4 * PAGE };
    io_uring_register_buffers(&src, &iov, 1);
    struct clone_buffers cb = { .src_fd = src.ring_fd };
    rc("uring.clone_buffers", syscall(__NR_io_uring_register, dst.ring_fd, 30, &cb, 1));
    rc("uring.clone_buffers_again", syscall(__NR_io_uring_register, dst.ring_fd, 30, &cb, 1));
    cb.flags = 2; /* IORING_REGISTER_DST_REPLACE */
    rc("uring.clone_buffers_replace", syscall(__NR_io_uring_register, dst.ring_fd, 30, &cb, 1));
    rc("uring.clone_buffers_nr_args_2", syscall(__NR_io_uring_register, dst.ring_fd, 30, &cb, 2));

    res_out("uring.nop", cqe_res(&src, 0, 0, 0, 0, 0, 0, 0));
    res_out("uring.nop_fixed_buffer_registered", cqe_res(&src, 0, 0, 0, 0, 0, 0, 1 << 3));
    res_out("uring.nop_fixed_buffer_empty_slot", cqe_res(&src, 0, 0, 0, 0, 0, 5, 1 << 3));
    res_out("uring.nop_inject_result", cqe_res(&src, 0, 0, 0, 42, 0, 0, 1 << 0));
    res_out("uring.nop_unknown_flag", cqe_res(&src, 0, 0, 0, 0, 0, 0, 1 << 9));

    int fd = fsfile("vec", 4 * PAGE, O_RDWR);
    struct iovec segs[2] = { { a + 3 * PAGE, PAGE }, { a, PAGE } };
    res_out("uring.readv_fixed", cqe_res(&src, 60, fd, (uintptr_t) segs, 2, 0, 0, 0));
    struct iovec outside[1] = { { a + 3 * PAGE, 2 * PAGE } };
    res_out("uring.readv_fixed_past_buffer", cqe_res(&src, 60, fd, (uintptr_t) outside, 1, 0, 0, 0));
    res_out("uring.writev_fixed", cqe_res(&dst, 61, fd, (uintptr_t) segs, 2, 0, 0, 0));
    close(fd);
    io_uring_queue_exit(&dst);
    io_uring_queue_exit(&src);
}

/* Registered files (io_uring/rsrc.c io_sqe_files_register(), __io_sqe_files_update(),
 * io_sqe_files_unregister(); raw io_uring_register() calls so nr_args and the structs are exact)
 * and tag CQEs of replaced or unregistered slots while a request holds the node: a READ_FIXED
 * from an empty pipe stays in flight until the pipe is written. */
struct rsrc_register { uint32_t nr, flags; uint64_t resv2, data, tags; };
struct rsrc_update2 { uint32_t offset, resv; uint64_t data, tags; uint32_t nr, resv2; };

static long ureg(int ring, unsigned op, void *arg, unsigned nr_args) {
    return syscall(__NR_io_uring_register, ring, op, arg, nr_args);
}
static long files2(int ring, int32_t *fds, uint64_t *tags, uint32_t nr, uint32_t flags, unsigned size) {
    struct rsrc_register rr = { .nr = nr, .flags = flags, .data = (uintptr_t) fds, .tags = (uintptr_t) tags };
    return ureg(ring, 13, &rr, size);
}
static long update2(int ring, uint32_t off, int32_t *fds, uint64_t *tags, uint32_t nr) {
    struct rsrc_update2 up = { .offset = off, .data = (uintptr_t) fds, .tags = (uintptr_t) tags, .nr = nr };
    return ureg(ring, 14, &up, sizeof up);
}
static long update1(int ring, uint32_t off, int32_t *fds, unsigned nr_args) {
    struct rsrc_update2 up = { .offset = off, .data = (uintptr_t) fds };
    return ureg(ring, 6, &up, nr_args);
}
/* the CQEs waiting in the ring, as user_data:res,... (res an errno name when negative); "none" when empty */
static void cqes_out(const char *c, struct io_uring *r, unsigned wait) {
    char b[256] = "";
    struct io_uring_cqe *cqe;
    if (wait) io_uring_wait_cqe_nr(r, &cqe, wait);
    while (io_uring_peek_cqe(r, &cqe) == 0) {
        char res[16];
        if (cqe->res < 0) snprintf(res, sizeof res, "%s", ename(-cqe->res));
        else snprintf(res, sizeof res, "%d", cqe->res);
        snprintf(b + strlen(b), sizeof b - strlen(b), "%s%llu:%s", *b ? "," : "", (unsigned long long) cqe->user_data, res);
        io_uring_cqe_seen(r, cqe);
    }
    out(c, *b ? b : "none");
}
static void rw_fixed(struct io_uring *r, int write, int fd, void *buf, unsigned len, int index, int fixed_file, uint64_t ud) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(r);
    if (write) io_uring_prep_write_fixed(sqe, fd, buf, len, 0, index);
    else io_uring_prep_read_fixed(sqe, fd, buf, len, 0, index);
    if (fixed_file) sqe->flags |= IOSQE_FIXED_FILE;
    sqe->user_data = ud;
    io_uring_submit(r);
}

static void probe_uring_files(void) {
    struct rlimit saved, nofile = { 1024, 1024 }; /* the simulated machine's RLIMIT_NOFILE */
    getrlimit(RLIMIT_NOFILE, &saved);
    setrlimit(RLIMIT_NOFILE, &nofile);
    struct io_uring r;
    io_uring_queue_init(8, &r, 0);
    int a = fsfile("fa", PAGE, O_RDWR), b = fsfile("fb", PAGE, O_RDWR);
    char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 5, PAGE);
    struct iovec iov = { buf, PAGE };
    io_uring_register_buffers(&r, &iov, 1);
    int32_t f[4];
    rc("uring.files.register_null_arg", ureg(r.ring_fd, 2, NULL, 1));
    f[0] = a;
    rc("uring.files.register_nr_args_0", ureg(r.ring_fd, 2, f, 0));
    rc("uring.files.register_above_max", ureg(r.ring_fd, 2, f, (1u << 20) + 1));
    rc("uring.files.register_above_nofile", ureg(r.ring_fd, 2, f, 1025));
    f[1] = 9999;
    rc("uring.files.register_bad_fd", ureg(r.ring_fd, 2, f, 2));
    f[0] = r.ring_fd;
    rc("uring.files.register_ring_fd", ureg(r.ring_fd, 2, f, 1));
    f[0] = -1; f[1] = a;
    rc("uring.files.register_sparse", ureg(r.ring_fd, 2, f, 2));
    rc("uring.files.register_again", ureg(r.ring_fd, 2, f, 2));
    close(a);
    rw_fixed(&r, 1, 1, buf, PAGE, 0, 1, 1);
    cqes_out("uring.files.write_fixed_file_closed_fd", &r, 1);
    rw_fixed(&r, 1, 0, buf, PAGE, 0, 1, 2);
    cqes_out("uring.files.write_fixed_empty_slot", &r, 1);
    rw_fixed(&r, 1, 7, buf, PAGE, 0, 1, 3);
    cqes_out("uring.files.write_fixed_past_table", &r, 1);
    rc("uring.files.unregister_nr_args_1", ureg(r.ring_fd, 3, NULL, 1));
    rc("uring.files.unregister", ureg(r.ring_fd, 3, NULL, 0));
    rc("uring.files.unregister_again", ureg(r.ring_fd, 3, NULL, 0));

    a = fsfile("fa", PAGE, O_RDWR);
    uint64_t t[4] = { 3 };
    f[0] = -1;
    rc("uring.files2.tag_on_sparse", files2(r.ring_fd, f, t, 1, 0, sizeof(struct rsrc_register)));
    f[0] = a;
    rc("uring.files2.sparse_flag_with_data", files2(r.ring_fd, f, NULL, 1, 1, sizeof(struct rsrc_register)));
    rc("uring.files2.nr_args_24", files2(r.ring_fd, f, NULL, 1, 0, 24));
    rc("uring.files2.nr_0", files2(r.ring_fd, f, NULL, 0, 0, sizeof(struct rsrc_register)));
    /* one readable tag, the next page unmapped: 6.13+ read fd 0 (bad) before tag 1 */
    char *tp = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(tp + PAGE, PAGE);
    uint64_t *short_tags = (uint64_t *) (tp + PAGE - 8);
    *short_tags = 1;
    f[0] = 9999; f[1] = 9998;
    rc("uring.files2.short_tags_bad_fd", files2(r.ring_fd, f, short_tags, 2, 0, sizeof(struct rsrc_register)));
    rc("uring.files2.update_without_table", update2(r.ring_fd, 0, f, NULL, 1));
    f[0] = a; f[1] = 9999;
    t[0] = 5; t[1] = 6;
    rc("uring.files2.failed_register", files2(r.ring_fd, f, t, 2, 0, sizeof(struct rsrc_register)));
    cqes_out("uring.files2.failed_register_cqes", &r, 0);
    rc("uring.files2.sparse_table", files2(r.ring_fd, NULL, NULL, 4, 1, sizeof(struct rsrc_register)));
    rc("uring.files2.unregister_sparse", ureg(r.ring_fd, 3, NULL, 0));
    f[0] = a; f[1] = -1; f[2] = -1;
    t[0] = 7; t[1] = 0; t[2] = 0;
    rc("uring.files2.register_tagged", files2(r.ring_fd, f, t, 3, 0, sizeof(struct rsrc_register)));
    rc("uring.files2.update_past_table", update2(r.ring_fd, 2, f, NULL, 2));
    rc("uring.files2.update_offset_overflow", update2(r.ring_fd, 0xffffffffu, f, NULL, 2));
    f[0] = -2; t[0] = 1;
    rc("uring.files2.update_skip_with_tag", update2(r.ring_fd, 0, f, t, 1));
    f[0] = -1;
    rc("uring.files2.update_minus1_with_tag", update2(r.ring_fd, 1, f, t, 1));
    cqes_out("uring.files2.no_change_cqes", &r, 0);
    f[0] = b; f[1] = -2;
    t[0] = 9; t[1] = 0;
    long n = update2(r.ring_fd, 0, f, t, 2);
    res_out("uring.files2.update_two", n < 0 ? -errno : (int) n);
    cqes_out("uring.files2.update_tag_cqes", &r, 0);
    f[0] = a; f[1] = 9999;
    n = update1(r.ring_fd, 1, f, 2);
    res_out("uring.files.update_second_bad", n < 0 ? -errno : (int) n);
    f[0] = 9999;
    rc("uring.files.update_first_bad", update1(r.ring_fd, 1, f, 1));
    rc("uring.files.update_nr_args_0", update1(r.ring_fd, 1, f, 0));
    rc("uring.files2.unregister_tagged", ureg(r.ring_fd, 3, NULL, 0));
    cqes_out("uring.files2.unregister_tag_cqes", &r, 0);
    io_uring_queue_exit(&r);
    close(a);
    close(b);

    /* a buffer slot replaced while a READ_FIXED from an empty pipe holds its node */
    int p[2];
    pipe(p);
    io_uring_queue_init(8, &r, 0);
    struct iovec one = { buf, PAGE };
    uint64_t tag = 11;
    struct rsrc_register rb = { .nr = 1, .data = (uintptr_t) &one, .tags = (uintptr_t) &tag };
    ureg(r.ring_fd, 15, &rb, sizeof rb);
    rw_fixed(&r, 0, p[0], buf, PAGE, 0, 0, 1);
    char *other = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(other, 1, PAGE);
    struct iovec repl = { other, PAGE };
    uint64_t zero = 0;
    struct rsrc_update2 ub = { .offset = 0, .data = (uintptr_t) &repl, .tags = (uintptr_t) &zero, .nr = 1 };
    n = ureg(r.ring_fd, 16, &ub, sizeof ub);
    res_out("uring.inflight.buffer_update", n < 0 ? -errno : (int) n);
    cqes_out("uring.inflight.buffer_cqes_before", &r, 0);
    write(p[1], other, PAGE);
    cqes_out("uring.inflight.buffer_cqes_after", &r, 2);
    io_uring_queue_exit(&r);

    /* a file slot unregistered while a READ_FIXED through it is in flight */
    io_uring_queue_init(8, &r, 0);
    io_uring_register_buffers(&r, &iov, 1);
    int32_t pf = p[0];
    uint64_t ftag = 21;
    files2(r.ring_fd, &pf, &ftag, 1, 0, sizeof(struct rsrc_register));
    rw_fixed(&r, 0, 0, buf, PAGE, 0, 1, 4);
    rc("uring.inflight.files_unregister", ureg(r.ring_fd, 3, NULL, 0));
    cqes_out("uring.inflight.file_cqes_before", &r, 0);
    write(p[1], other, PAGE);
    cqes_out("uring.inflight.file_cqes_after", &r, 2);
    io_uring_queue_exit(&r);
    close(p[0]);
    close(p[1]);
    setrlimit(RLIMIT_NOFILE, &saved);
}

/* RLIMIT_MEMLOCK without CAP_IPC_LOCK: an unprivileged uid, rings and buffers charged to user->locked_vm */
static void probe_memlock(const char *name, rlim_t limit, size_t bufpages) {
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = { limit, limit };
        setrlimit(RLIMIT_MEMLOCK, &rl);
        if (setgid(65534) || setuid(65534)) _exit(1);
        char res[128];
        struct io_uring r;
        int s = io_uring_queue_init(8, &r, 0);
        const char *reg_res = "-";
        if (s == 0 && bufpages) {
            char *a = mmap(NULL, bufpages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            struct iovec iov = { a, bufpages * PAGE };
            int rr = io_uring_register_buffers(&r, &iov, 1);
            reg_res = ename(rr < 0 ? -rr : 0);
        }
        snprintf(res, sizeof res, "%s %s", ename(s < 0 ? -s : 0), reg_res);
        write(p[1], res, strlen(res) + 1);
        _exit(0);
    }
    close(p[1]);
    char res[128] = "";
    read(p[0], res, sizeof res);
    close(p[0]);
    child_exit(c);
    char setup[64], regr[64];
    sscanf(res, "%63s %63s", setup, regr);
    char cname[96];
    snprintf(cname, sizeof cname, "uring.memlock.%s.setup", name);
    out(cname, setup);
    if (bufpages) {
        snprintf(cname, sizeof cname, "uring.memlock.%s.register_%zu_pages", name, bufpages);
        out(cname, regr);
    }
}

/* ---------------------------------------------------------------- pagemap, fork with pins */
static void probe_pagemap_fork(void) {
    char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    out("pagemap.untouched_present", present(a) ? "yes" : "no");
    volatile char x = a[0] + a[PAGE];
    (void) x;
    out("pagemap.two_read_faults_pfn", same(pfn(a), pfn(a + PAGE)));
    out("pagemap.read_fault_zero_page", (kflags(pfn(a)) >> KPF_ZERO_PAGE) & 1 ? "yes" : "no");
    a[2 * PAGE] = 1;
    out("pagemap.write_fault_vs_zero_page", same(pfn(a + 2 * PAGE), pfn(a)));

    /* fork without pins: the child maps the parent's page */
    int p[2];
    uint64_t before = pfn(a + 2 * PAGE), child;
    pipe(p);
    pid_t c = fork();
    if (c == 0) { uint64_t v = pfn(a + 2 * PAGE); write(p[1], &v, 8); _exit(0); }
    read(p[0], &child, 8);
    child_exit(c);
    out("fork.unpinned_child_pfn", same(child, before));
    a[2 * PAGE] = 2;
    out("fork.unpinned_parent_write_after_child_exit_pfn", same(pfn(a + 2 * PAGE), before));

    /* fork with a registered (FOLL_PIN|FOLL_LONGTERM) buffer: copied at fork */
    char *b = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    b[0] = 1;
    before = pfn(b);
    struct io_uring r;
    pin_buffer("fork.pinned.register", &r, b, 2 * PAGE);
    c = fork();
    if (c == 0) { uint64_t v = pfn(b); write(p[1], &v, 8); _exit(0); }
    read(p[0], &child, 8);
    child_exit(c);
    out("fork.pinned_child_pfn", same(child, before));
    b[0] = 2;
    out("fork.pinned_parent_write_pfn", same(pfn(b), before));
    io_uring_queue_exit(&r);
    close(p[0]);
    close(p[1]);
}

/* ---------------------------------------------------------------- fault-time reuse (issue 9) */
static pid_t fork_idle(int *go) {
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) { char ch; close(p[1]); read(p[0], &ch, 1); _exit(0); }
    close(p[0]);
    *go = p[1];
    return c;
}
static void release(pid_t c, int go) { close(go); child_exit(c); }

static void probe_reuse(void) {
    int go;
    /* 1. a PMD-mapped THP once shared with an exited child: do_huge_pmd_wp_page() reuses it */
    char *t = thp_range(1);
    memset(t, 1, HUGE);
    if (strcmp(thp(t), "thp")) { out("reuse.thp_available", "no"); return; }
    uint64_t head = pfn(t);
    pid_t c = fork_idle(&go);
    release(c, go);
    t[5 * PAGE] = 2;
    out("reuse.thp_once_shared_write_pfn", same(pfn(t), head));
    out("reuse.thp_once_shared_write_still_thp", thp(t));

    /* 2. the last remaining PTE of a THP (6.18: copied, mapcount <= 1) */
    t = thp_range(1);
    memset(t, 1, HUGE);
    head = pfn(t);
    c = fork_idle(&go);
    release(c, go);
    madvise(t + PAGE, HUGE - PAGE, MADV_DONTNEED);
    t[0] = 3;
    out("reuse.thp_last_pte_write_pfn", same(pfn(t), head));

    /* 3. a PTE-mapped THP no other mm maps any more: reused (6.18 __wp_can_reuse_large_anon_folio) */
    t = thp_range(1);
    memset(t, 1, HUGE);
    c = fork_idle(&go);
    madvise(t + HUGE - PAGE, PAGE, MADV_DONTNEED);
    uint64_t p7 = pfn(t + 7 * PAGE);
    release(c, go);
    t[7 * PAGE] = 4;
    out("reuse.thp_pte_mapped_after_child_exit_write_pfn", same(pfn(t + 7 * PAGE), p7));

    t = thp_range(1);
    memset(t, 1, HUGE);
    c = fork_idle(&go);
    madvise(t + HUGE - PAGE, PAGE, MADV_DONTNEED);
    p7 = pfn(t + 7 * PAGE);
    t[7 * PAGE] = 4;
    out("reuse.thp_pte_mapped_child_alive_write_pfn", same(pfn(t + 7 * PAGE), p7));
    release(c, go);

    /* 4. hugetlb_wp(): an anon hugetlb folio mapped once is reused */
    hugepages(4);
    char *h = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    h[0] = 1;
    head = pfn(h);
    c = fork_idle(&go);
    release(c, go);
    h[0] = 2;
    out("reuse.hugetlb_once_shared_write_pfn", same(pfn(h), head));
    c = fork_idle(&go);
    h[0] = 3;
    out("reuse.hugetlb_shared_write_pfn", same(pfn(h), head));
    release(c, go);
    munmap(h, HUGE);
    hugepages(0);

    /* 5. the huge zero folio */
    sysfs("/sys/kernel/mm/transparent_hugepage/use_zero_page", "1");
    char *z1 = thp_range(1), *z2 = thp_range(1);
    volatile char y = z1[3 * PAGE] + z2[0];
    (void) y;
    out("zero.thp_read_two_ranges_pfn", same(pfn(z1), pfn(z2)));
    out("zero.thp_read_consecutive", pfn(z1 + PAGE) == pfn(z1) + 1 ? "yes" : "no");
    out("zero.thp_read_is_zero_page", (kflags(pfn(z1)) >> KPF_ZERO_PAGE) & 1 ? "yes" : "no");
    z1[9 * PAGE] = 1;
    out("zero.thp_write_after_read", thp(z1));
    out("zero.thp_write_after_read_vs_zero_pfn", same(pfn(z1), pfn(z2)));
    sysfs("/sys/kernel/mm/transparent_hugepage/use_zero_page", "0");
    char *z3 = thp_range(1);
    y = z3[0];
    out("zero.use_zero_page_0_read", thp(z3));
    out("zero.use_zero_page_0_read_vs_zero_pfn", same(pfn(z3), pfn(z2)));
    sysfs("/sys/kernel/mm/transparent_hugepage/use_zero_page", "1");
}

/* ---------------------------------------------------------------- mremap (mm/mremap.c) */
static void *mr(void *old, size_t ol, size_t nl, int flags, void *na) {
    return mremap(old, ol, nl, flags, na);
}
static void mrc(const char *c, void *r) { out(c, ename(r == MAP_FAILED ? errno : 0)); }
static char *anon(size_t len) {
    return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void probe_mremap(void) {
    char *a = anon(4 * PAGE), *b = anon(4 * PAGE);
    memset(a, 1, 4 * PAGE);
    mrc("mremap.unaligned_addr", mr(a + 1, PAGE, PAGE, MREMAP_MAYMOVE, NULL));
    mrc("mremap.new_len_0", mr(a, PAGE, 0, MREMAP_MAYMOVE, NULL));
    mrc("mremap.bad_flags", mr(a, PAGE, PAGE, 8, NULL));
    mrc("mremap.fixed_without_maymove", mr(a, PAGE, PAGE, MREMAP_FIXED, b));
    mrc("mremap.dontunmap_resize", mr(a, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
    mrc("mremap.fixed_overlap", mr(a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a + PAGE));
    mrc("mremap.fixed_unaligned_new", mr(a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, b + 1));
    mrc("mremap.old_len_0_private", mr(a, 0, PAGE, MREMAP_MAYMOVE, NULL));
    munmap(b, 4 * PAGE);
    mrc("mremap.unmapped", mr(b, PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL));
    /* the new address is checked before the VMA is looked up since the 6.17 rework */
    mrc("mremap.unmapped_fixed_unaligned_new", mr(b, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a + 1));
    /* growing with a VMA right behind: no MAYMOVE -> ENOMEM; with it -> moved */
    char *c = anon(8 * PAGE);
    munmap(c + 2 * PAGE, PAGE); /* c: [0,2) hole [3,8) */
    memset(c, 2, 2 * PAGE);
    mrc("mremap.grow_blocked_no_maymove", mr(c, 2 * PAGE, 4 * PAGE, 0, NULL));
    mrc("mremap.grow_across_vma_end", mr(c, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL));
    uint64_t p0 = pfn(c);
    char *m = mr(c, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
    out("mremap.grow_moved_addr", m == c ? "same" : "differ");
    out("mremap.grow_moved_pfn", same(pfn(m), p0));
    out("mremap.grow_moved_old_present", present(c) ? "yes" : "no");
    out("mremap.grow_moved_value", m[PAGE] == 2 ? "kept" : "lost");
    /* grow in place into the hole */
    char *g = mr(c + 3 * PAGE, 5 * PAGE, 5 * PAGE, 0, NULL); /* no-op resize */
    out("mremap.same_size_addr", g == c + 3 * PAGE ? "same" : "differ");
    char *d = anon(2 * PAGE);
    munmap(d + PAGE, PAGE);
    d[0] = 3;
    char *e = mr(d, PAGE, 2 * PAGE, 0, NULL);
    out("mremap.grow_in_place", e == d ? "same" : (e == MAP_FAILED ? ename(errno) : "differ"));
    /* shrink: the tail goes */
    char *s = anon(4 * PAGE);
    memset(s, 4, 4 * PAGE);
    char *s2 = mr(s, 4 * PAGE, 2 * PAGE, 0, NULL);
    out("mremap.shrink_addr", s2 == s ? "same" : "differ");
    out("mremap.shrink_tail_present", present(s + 3 * PAGE) ? "yes" : "no");
    /* a move keeps the frames, and a pinned frame stays pinned and in place */
    char *f = anon(4 * PAGE), *to = anon(4 * PAGE);
    memset(f, 5, 4 * PAGE);
    uint64_t f1 = pfn(f + PAGE);
    struct io_uring r;
    pin_buffer("mremap.pin_register", &r, f, 2 * PAGE);
    char *moved = mr(f, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    mrc("mremap.fixed_move", moved);
    out("mremap.fixed_move_pinned_pfn", same(pfn(to + PAGE), f1));
    out("mremap.fixed_move_old_present", present(f + PAGE) ? "yes" : "no");
    io_uring_unregister_buffers(&r);
    io_uring_queue_exit(&r);
    /* MREMAP_DONTUNMAP: the old range stays mapped but empty */
    char *u = anon(2 * PAGE);
    memset(u, 6, 2 * PAGE);
    uint64_t u0 = pfn(u);
    char *u2 = mr(u, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    mrc("mremap.dontunmap_anon", u2);
    out("mremap.dontunmap_new_pfn", same(pfn(u2), u0));
    out("mremap.dontunmap_old_present", present(u) ? "yes" : "no");
    out("mremap.dontunmap_old_reads", u[0] == 0 ? "zero" : "data");
    char *sh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sh[0] = 7;
    char *sh2 = mr(sh, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    mrc("mremap.dontunmap_shared", sh2);
    out("mremap.dontunmap_shared_old_reads", sh2 != MAP_FAILED && sh[0] == 7 ? "data" : "zero");
    /* a move-only MREMAP_FIXED spanning two VMAs (6.17+: remap_move() moves both) */
    char *two = anon(4 * PAGE), *dst = anon(8 * PAGE);
    mprotect(two + 2 * PAGE, 2 * PAGE, PROT_READ);
    mrc("mremap.fixed_move_two_vmas", mr(two, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
    mrc("mremap.resize_two_vmas", mr(dst, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL));
    /* THP: a whole PMD moves as a PMD; half of one splits it (split_huge_pmd) */
    char *t = thp_range(1), *tt = thp_range(1);
    memset(t, 8, HUGE);
    uint64_t head = pfn(t);
    char *tm = mr(t, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, tt);
    out("mremap.thp_whole_pfn", same(pfn(tm), head));
    out("mremap.thp_whole_still_thp", thp(tm));
    char *h = thp_range(1), *hh = thp_range(1);
    memset(h, 9, HUGE);
    head = pfn(h);
    char *hm = mr(h + HUGE / 2, HUGE / 2, HUGE / 2, MREMAP_MAYMOVE | MREMAP_FIXED, hh);
    out("mremap.thp_half_moved_pfn", pfn(hm) == head + 256 ? "head+256" : "other");
    out("mremap.thp_half_moved_folio", thp(hm));
    out("mremap.thp_half_left_pfn", same(pfn(h), head));
    out("mremap.thp_half_left_tail_present", present(h + HUGE / 2) ? "yes" : "no");
    /* hugetlb: huge-aligned only, never grown */
    hugepages(4);
    char *hp = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    hp[0] = 1;
    uint64_t hhead = pfn(hp);
    mrc("mremap.hugetlb_grow", mr(hp, HUGE, 2 * HUGE + HUGE, MREMAP_MAYMOVE, NULL));
    mrc("mremap.hugetlb_unaligned_new", mr(hp, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, tt + PAGE));
    char *hd = mmap(NULL, 4 * HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    hd = (char *) (((uintptr_t) hd + HUGE - 1) & ~(HUGE - 1));
    char *hpm = mr(hp, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, hd);
    mrc("mremap.hugetlb_move", hpm);
    out("mremap.hugetlb_move_pfn", hpm != MAP_FAILED ? same(pfn(hpm), hhead) : "failed");
    munmap(hpm, HUGE);
    munmap(hp, 2 * HUGE);
    hugepages(0);
}

/* ---------------------------------------------------------------- MADV_COLLAPSE (mm/khugepaged.c) */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
/* a 2 MiB-aligned range of small pages (MADV_NOHUGEPAGE while written, then cleared) */
static char *small_range(void) {
    char *a = thp_range(1);
    madvise(a, HUGE, MADV_NOHUGEPAGE);
    memset(a, 1, HUGE);
    madvise(a, HUGE, MADV_NORMAL); /* leaves VM_NOHUGEPAGE: clear it with MADV_HUGEPAGE */
    madvise(a, HUGE, MADV_HUGEPAGE);
    return a;
}

static void probe_collapse(void) {
    char *a = small_range();
    uint64_t p = pfn(a + PAGE);
    a[PAGE] = 42;
    out("collapse.small_before", thp(a));
    rc("collapse.small", madvise(a, HUGE, MADV_COLLAPSE));
    out("collapse.small_after", thp(a));
    out("collapse.small_pfn", same(pfn(a + PAGE), p));
    out("collapse.small_value", a[PAGE] == 42 ? "kept" : "lost");
    rc("collapse.already_thp", madvise(a, HUGE, MADV_COLLAPSE));
    /* an extra reference (an io_uring pin) on one page: SCAN_PAGE_COUNT -> EAGAIN */
    char *b = small_range();
    p = pfn(b + 3 * PAGE);
    struct io_uring r;
    pin_buffer("collapse.pin_register", &r, b + 3 * PAGE, PAGE);
    rc("collapse.pinned", madvise(b, HUGE, MADV_COLLAPSE));
    out("collapse.pinned_pfn", same(pfn(b + 3 * PAGE), p));
    out("collapse.pinned_folio", thp(b));
    io_uring_unregister_buffers(&r);
    io_uring_queue_exit(&r);
    rc("collapse.after_unpin", madvise(b, HUGE, MADV_COLLAPSE));
    /* pages shared with a child (read-only PTEs) */
    int go;
    char *c = small_range();
    pid_t ch = fork_idle(&go);
    rc("collapse.shared_with_child", madvise(c, HUGE, MADV_COLLAPSE));
    out("collapse.shared_with_child_folio", thp(c));
    release(ch, go);
    /* a never-touched VMA has no anon_vma: thp_vma_allowable_order() says no */
    char *n = thp_range(1);
    rc("collapse.untouched", madvise(n, HUGE, MADV_COLLAPSE));
    /* a range with no PMD-aligned 2 MiB inside: nothing to do */
    char *s = small_range();
    rc("collapse.subrange", madvise(s + PAGE, PAGE, MADV_COLLAPSE));
    out("collapse.subrange_folio", thp(s));
    /* half-populated: none PTEs are filled with zeroes */
    char *hf = thp_range(1);
    madvise(hf, HUGE, MADV_NOHUGEPAGE);
    memset(hf, 1, HUGE / 2);
    madvise(hf, HUGE, MADV_HUGEPAGE);
    rc("collapse.half_populated", madvise(hf, HUGE, MADV_COLLAPSE));
    out("collapse.half_populated_folio", thp(hf + HUGE - PAGE));
    /* VM_NOHUGEPAGE, a VMA smaller than 2 MiB, hugetlb */
    char *no = small_range();
    madvise(no, HUGE, MADV_NOHUGEPAGE);
    rc("collapse.nohugepage", madvise(no, HUGE, MADV_COLLAPSE));
    /* PROT_NONE on both sides: the 16 pages cannot merge into a neighbour that earlier probes left large enough */
    char *guard = mmap(NULL, 18 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *tiny = mmap(guard + PAGE, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memset(tiny, 1, 16 * PAGE);
    rc("collapse.small_vma", madvise(tiny, 16 * PAGE, MADV_COLLAPSE));
    hugepages(4);
    char *hp = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (hp == MAP_FAILED) { out("collapse.hugetlb", "no_pool"); return; }
    hp[0] = 1;
    rc("collapse.hugetlb", madvise(hp, HUGE, MADV_COLLAPSE));
    munmap(hp, HUGE);
    hugepages(0);
}

/* ---------------------------------------------------------------- MADV_COLLAPSE of shmem and file mappings
 * (hpage_collapse_scan_file() -> collapse_file()). The cases compared are the ones decided before the page
 * cache changes; what a successful collapse leaves (ShmemPmdMapped, pfns) is printed as comment lines,
 * because pinlab does not simulate collapse_file() (no large folios in its page cache). */
static long smaps_kb(void *a, const char *key) { /* the smaps field KEY of the VMA holding a, in kB */
    FILE *f = fopen("/proc/self/smaps", "r");
    char l[256];
    int in = 0;
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(l, sizeof l, f)) {
        unsigned long s, e;
        char c;
        if (sscanf(l, "%lx-%lx %c", &s, &e, &c) == 3 && strchr(l, '-') < strchr(l, ' ')) { in = (uintptr_t) a >= s && (uintptr_t) a < e; continue; }
        if (in && !strncmp(l, key, kl) && l[kl] == ':') { sscanf(l + kl + 1, "%ld", &v); break; }
    }
    if (f) fclose(f);
    return v;
}
/* MAP_SHARED of fd at a 2 MiB-aligned address (over a thp_range() reservation) */
static char *shared_at(int fd, size_t len, off_t off, int prot) {
    return mmap(thp_range(len / HUGE + 1), len, prot, MAP_SHARED | MAP_FIXED, fd, off);
}
static int memfd_written(const char *name, size_t size, size_t written, char **m) {
    int fd = memfd_create(name, 0);
    ftruncate(fd, size);
    *m = shared_at(fd, HUGE, 0, PROT_READ | PROT_WRITE);
    memset(*m, 1, written);
    return fd;
}

static void probe_collapse_file(void) {
    char b[64];
    FILE *sf = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
    if (!sf || !fgets(b, sizeof b, sf)) strcpy(b, "unreadable\n");
    if (sf) fclose(sf);
    printf("# collapse.shmem_*: sysfs shmem_enabled %s", b);
    /* a written memfd: collapse_file(), then collapse_pte_mapped_thp() maps it by PMD */
    char *m;
    int mf = memfd_written("collapse", HUGE, HUGE, &m);
    m[5 * PAGE] = 42;
    uint64_t before = pfn(m);
    rc("collapse.shmem_written", madvise(m, HUGE, MADV_COLLAPSE));
    outl("collapse.shmem_written_pmd_kb", smaps_kb(m, "ShmemPmdMapped"));
    out("collapse.shmem_written_pfn", same(pfn(m), before));
    out("collapse.shmem_written_contiguous", pfn(m + 511 * PAGE) == pfn(m) + 511 ? "yes" : "no");
    out("collapse.shmem_written_aligned", pfn(m) % 512 == 0 ? "yes" : "no");
    out("collapse.shmem_written_folio", thp(m + 300 * PAGE));
    out("collapse.shmem_written_value", m[5 * PAGE] == 42 ? "kept" : "lost");
    rc("collapse.shmem_written_again", madvise(m, HUGE, MADV_COLLAPSE));
    m[9 * PAGE] = 7; /* the PMD of a shared writable mapping is writable: no split */
    outl("collapse.shmem_written_after_write_kb", smaps_kb(m, "ShmemPmdMapped"));
    /* a pin of the collapsed range (io_uring), then unmap and map again: do_set_pmd() */
    uint64_t head = pfn(m);
    struct io_uring ring;
    pin_buffer("collapse.shmem_thp_pin_register", &ring, m, HUGE);
    out("collapse.shmem_thp_pinned_folio", thp(m + 100 * PAGE));
    munmap(m, HUGE);
    m = shared_at(mf, HUGE, 0, PROT_READ);
    out("collapse.shmem_remap_value", m[5 * PAGE] == 42 ? "kept" : "lost");
    outl("collapse.shmem_remap_pmd_kb", smaps_kb(m, "ShmemPmdMapped"));
    out("collapse.shmem_remap_pfn", same(pfn(m), head));
    /* a hole punched in the pinned folio: truncate_inode_partial_folio() cannot split it, zeroes the range */
    rc("collapse.shmem_punch_pinned", fallocate(mf, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100 * PAGE, 100 * PAGE));
    outl("collapse.shmem_punch_pinned_pmd_kb", smaps_kb(m, "ShmemPmdMapped"));
    out("collapse.shmem_punch_pinned_value", m[150 * PAGE] == 0 && m[5 * PAGE] == 42 ? "zeroed" : "other");
    out("collapse.shmem_punch_pinned_folio", thp(m + 150 * PAGE));
    out("collapse.shmem_punch_pinned_pfn", pfn(m + 150 * PAGE) == head + 150 ? "head+150" : "other");
    io_uring_unregister_buffers(&ring);
    io_uring_queue_exit(&ring);
    /* a private mapping of the THP: a read maps the PMD read-only, a write splits it (zap) and copies 4 KiB */
    char *pv = mmap(thp_range(2), HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, mf, 0);
    volatile char rd = pv[6 * PAGE];
    (void) rd;
    outl("collapse.shmem_private_read_pmd_kb", smaps_kb(pv, "ShmemPmdMapped"));
    pv[5 * PAGE] = 99;
    outl("collapse.shmem_private_write_pmd_kb", smaps_kb(pv, "ShmemPmdMapped"));
    out("collapse.shmem_private_write_pfn", pfn(pv + 5 * PAGE) == head + 5 ? "file" : "copy");
    out("collapse.shmem_private_write_file_value", m[5 * PAGE] == 42 ? "kept" : "lost");
    outl("collapse.shmem_private_write_rss_kb", smaps_kb(pv, "Rss"));
    munmap(pv, HUGE);
    /* a VM_NOHUGEPAGE mapping of the THP: do_set_pmd() refuses, a write fault maps the whole folio by PTEs */
    char *nh = shared_at(mf, HUGE, 0, PROT_READ | PROT_WRITE);
    madvise(nh, HUGE, MADV_NOHUGEPAGE);
    nh[3 * PAGE] = 1;
    outl("collapse.shmem_nohugepage_map_pmd_kb", smaps_kb(nh, "ShmemPmdMapped"));
    outl("collapse.shmem_nohugepage_map_rss_kb", smaps_kb(nh, "Rss"));
    out("collapse.shmem_nohugepage_map_pfn", pfn(nh + 500 * PAGE) == head + 500 ? "head+500" : "other");
    munmap(nh, HUGE);
    /* truncation of the whole file frees the folio: the mapping reads SIGBUS territory, so only the size is seen */
    munmap(m, HUGE);
    rc("collapse.shmem_truncate_all", ftruncate(mf, 0));
    close(mf);
    /* an io_uring pin on one page: hpage_collapse_scan_file() SCAN_PAGE_COUNT */
    char *p;
    memfd_written("collapse-pin", HUGE, HUGE, &p);
    before = pfn(p + 3 * PAGE);
    pin_buffer("collapse.shmem_pin_register", &ring, p + 3 * PAGE, PAGE);
    rc("collapse.shmem_pinned", madvise(p, HUGE, MADV_COLLAPSE));
    out("collapse.shmem_pinned_pfn", same(pfn(p + 3 * PAGE), before));
    out("collapse.shmem_pinned_folio", thp(p + 3 * PAGE));
    io_uring_unregister_buffers(&ring);
    io_uring_queue_exit(&ring);
    rc("collapse.shmem_after_unpin", madvise(p, HUGE, MADV_COLLAPSE));
    outl("collapse.shmem_after_unpin_pmd_kb", smaps_kb(p, "ShmemPmdMapped"));
    /* half written, and a file of 1 MiB under a 2 MiB VMA: holes become zeroed pages of the folio */
    char *h, *s;
    memfd_written("collapse-half", HUGE, HUGE / 2, &h);
    rc("collapse.shmem_half_written", madvise(h, HUGE, MADV_COLLAPSE));
    outl("collapse.shmem_half_written_pmd_kb", smaps_kb(h, "ShmemPmdMapped"));
    out("collapse.shmem_half_written_hole", h[HUGE - PAGE] == 0 ? "zero" : "other");
    memfd_written("collapse-short", HUGE / 2, HUGE / 2, &s);
    rc("collapse.shmem_short_file", madvise(s, HUGE, MADV_COLLAPSE));
    char *sa = mmap(thp_range(2), HUGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memset(sa, 1, HUGE);
    rc("collapse.shmem_anon_shared", madvise(sa, HUGE, MADV_COLLAPSE));
    outl("collapse.shmem_anon_shared_pmd_kb", smaps_kb(sa, "ShmemPmdMapped"));
    /* nothing in the page cache: collapse_file() SCAN_TRUNCATED */
    char *u;
    memfd_written("collapse-untouched", HUGE, 0, &u);
    rc("collapse.shmem_untouched", madvise(u, HUGE, MADV_COLLAPSE));
    /* thp_vma_allowable_order() refusals */
    char *no;
    memfd_written("collapse-no", HUGE, HUGE, &no);
    madvise(no, HUGE, MADV_NOHUGEPAGE);
    rc("collapse.shmem_nohugepage", madvise(no, HUGE, MADV_COLLAPSE));
    out("collapse.shmem_nohugepage_folio", thp(no));
    int of = memfd_create("collapse-pgoff", 0);
    ftruncate(of, 2 * HUGE);
    char *o = shared_at(of, HUGE, PAGE, PROT_READ | PROT_WRITE); /* aligned address, file offset 4 KiB */
    memset(o, 1, HUGE);
    rc("collapse.shmem_pgoff_unaligned", madvise(o, HUGE, MADV_COLLAPSE));
    int tf = memfd_create("collapse-tiny", 0);
    ftruncate(tf, HUGE);
    char *guard = mmap(NULL, 18 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *tiny = mmap(guard + PAGE, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, tf, 0);
    memset(tiny, 1, 16 * PAGE);
    rc("collapse.shmem_small_vma", madvise(tiny, 16 * PAGE, MADV_COLLAPSE));
    /* a read-only ext4 file mapping: file_thp_enabled() needs CONFIG_READ_ONLY_THP_FOR_FS */
    int ff = fsfile("collapse-ro", 0, O_RDWR);
    char pg[PAGE];
    memset(pg, 3, PAGE);
    for (int i = 0; i < 512; i++) write(ff, pg, PAGE);
    fsync(ff);
    close(ff);
    ff = open(path("collapse-ro"), O_RDONLY);
    char *fm = mmap(thp_range(2), HUGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, ff, 0);
    volatile char x = fm[0];
    (void) x;
    rc("collapse.file_readonly", madvise(fm, HUGE, MADV_COLLAPSE));
    out("collapse.file_readonly_folio", thp(fm));
    printf("# collapse.file_readonly: FilePmdMapped %ld kB\n", smaps_kb(fm, "FilePmdMapped"));
}

/* usage: probes DIR FS [files]: DIR is a writable directory on file system FS (ext4, xfs, btrfs);
 * "files" runs only the file-backed cases (for a second file system) */

/* ---------------------------------------------------------------- swap: MADV_PAGEOUT, swap-in, fork, swapoff */
static char *swapfile;
static int swapped(void *a) { return (pagemap(a) >> 62) & 1; }
/* a 16 MiB file of zeroes made a swap area by mkswap(8); 0 on success */
static int make_swapfile(const char *file) {
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static char zero[1 << 20];
    for (int i = 0; i < 16; i++) write(fd, zero, sizeof zero);
    fsync(fd);
    close(fd);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkswap %s >/dev/null 2>&1", file);
    return system(cmd);
}

static long swaps_kb(int used) { /* our swapfile's Size or Used column of /proc/swaps, -1 if absent */
    FILE *f = fopen("/proc/swaps", "r");
    char line[512], name[256], type[32];
    long size, use, v = -1;
    int prio;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%255s %31s %ld %ld %d", name, type, &size, &use, &prio) == 5 && strcmp(name, swapfile) == 0)
            v = used ? use : size;
    if (f) fclose(f);
    return v;
}
static void num(const char *c, long v) { char b[32]; snprintf(b, sizeof b, "%ld", v); out(c, b); }
static long swapped_pages(char *a, long n) {
    long c = 0;
    for (long i = 0; i < n; i++) c += swapped(a + i * PAGE);
    return c;
}
static char *page1(size_t n, char v) {
    char *a = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < n; i++) a[i * PAGE] = v;
    return a;
}
/* MADV_PAGEOUT, then a pause so that the swap writeback has completed */
static void pageout(const char *c, void *a, size_t len) {
    long r = madvise(a, len, MADV_PAGEOUT);
    if (c) rc(c, r);
    usleep(300000);
}
static void probe_swap(void) {
    char *z = page1(1, 1);
    pageout(NULL, z, PAGE);
    out("swap.no_swap_pageout_present", present(z) ? "yes" : "no");
    /* a THP with no swap area: folio_alloc_swap() fails, shrink_folio_list() splits it, the pages stay */
    char *tz = thp_range(1);
    memset(tz, 2, HUGE);
    uint64_t tzh = pfn(tz);
    out("swap.thp_no_swap_before", thp(tz));
    pageout(NULL, tz, HUGE);
    out("swap.thp_no_swap_present", present(tz + 100 * PAGE) ? "yes" : "no");
    out("swap.thp_no_swap_pfn", same(pfn(tz + 100 * PAGE), tzh + 100));
    out("swap.thp_no_swap_folio", thp(tz + 100 * PAGE));
    munmap(tz, HUGE);
    /* a dirty shmem page with no swap area: shmem_writeout() redirties it; unmapped, it stays in the page cache */
    int nf = memfd_create("noswap", 0);
    ftruncate(nf, PAGE);
    char *ns = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, nf, 0);
    ns[0] = 3;
    pageout(NULL, ns, PAGE);
    out("swap.shmem_no_swap_present", yes(present(ns)));
    out("swap.shmem_no_swap_cached", yes(cached(ns)));
    num("swap.shmem_no_swap_value", ns[0]);
    munmap(ns, PAGE);
    close(nf);

    swapfile = strdup(path("pinlab-swapfile"));
    if (make_swapfile(swapfile) != 0) { out("swap.swapon", "no-mkswap"); return; }
    long r = swapon(swapfile, 0);
    rc("swap.swapon", r);
    if (r) return;
    rc("swap.swapon_again", swapon(swapfile, 0));
    num("swap.size_kb", swaps_kb(0));

    /* two exclusive pages: written to swap, read back, written */
    char *b = page1(2, 11);
    pageout("swap.pageout", b, 2 * PAGE);
    out("swap.pageout_present", present(b) ? "yes" : "no");
    out("swap.pageout_swapped", swapped(b) ? "yes" : "no");
    num("swap.pageout_used_kb", swaps_kb(1));
    num("swap.read_value", b[0]);
    out("swap.read_present", present(b) ? "yes" : "no");
    out("swap.read_swapped", swapped(b) ? "yes" : "no");
    num("swap.read_used_kb", swaps_kb(1));
    b[PAGE] = 12;
    num("swap.write_used_kb", swaps_kb(1));

    /* THPs: a swapfile has no large swap entries (not SWP_BLKDEV), so a reclaimed THP is split and
       its pages swapped one by one; a pinned one stays whole */
    char *t1 = thp_range(1);
    memset(t1, 3, HUGE);
    out("swap.thp_before", thp(t1));
    long u0 = swaps_kb(1);
    pageout("swap.thp_pageout", t1, HUGE);
    num("swap.thp_pageout_used_kb", swaps_kb(1) - u0);
    num("swap.thp_pageout_swapped_pages", swapped_pages(t1, HUGE / PAGE));
    num("swap.thp_read_value", t1[77 * PAGE]);
    out("swap.thp_read_folio", thp(t1 + 77 * PAGE));
    munmap(t1, HUGE);
    char *t2 = thp_range(1);
    memset(t2, 4, HUGE);
    u0 = swaps_kb(1);
    pageout(NULL, t2 + 4 * PAGE, 2 * PAGE);
    num("swap.thp_partial_used_kb", swaps_kb(1) - u0);
    num("swap.thp_partial_swapped_pages", swapped_pages(t2, HUGE / PAGE));
    out("swap.thp_partial_rest_folio", thp(t2 + 6 * PAGE));
    munmap(t2, HUGE);
    char *t3 = thp_range(1); /* PTE-mapped: mprotect() of one page splits the PMD */
    memset(t3, 5, HUGE);
    mprotect(t3, PAGE, PROT_READ);
    mprotect(t3, PAGE, PROT_READ | PROT_WRITE);
    out("swap.thp_ptemapped_folio", thp(t3 + 9 * PAGE));
    u0 = swaps_kb(1);
    pageout(NULL, t3, HUGE);
    num("swap.thp_ptemapped_used_kb", swaps_kb(1) - u0);
    munmap(t3, HUGE);
    char *t4 = thp_range(1);
    memset(t4, 6, HUGE);
    struct io_uring tring;
    pin_buffer("swap.thp_pinned.register", &tring, t4, HUGE);
    u0 = swaps_kb(1);
    pageout(NULL, t4, HUGE);
    pageout(NULL, t4 + PAGE, PAGE);
    num("swap.thp_pinned_used_kb", swaps_kb(1) - u0);
    out("swap.thp_pinned_folio", thp(t4));
    io_uring_queue_exit(&tring);
    munmap(t4, HUGE);

    /* a page pinned by an io_uring registered buffer is not paged out */
    char *p = page1(1, 5);
    struct io_uring ring;
    pin_buffer("swap.pinned.register", &ring, p, PAGE);
    pageout("swap.pinned.pageout", p, PAGE);
    out("swap.pinned_present", present(p) ? "yes" : "no");
    io_uring_queue_exit(&ring);

    /* fork with a swapped-out page: both swap it in to the same folio; the parent's write copies,
       the child's then reuses */
    char *c = page1(1, 21);
    pageout(NULL, c, PAGE);
    int up[2], down[2];
    pipe(up);
    pipe(down);
    pid_t child = fork();
    if (child == 0) {
        char ch;
        uint64_t v = c[0] == 21 ? pfn(c) : 0;
        write(up[1], &v, 8);
        read(down[0], &ch, 1);
        c[0] = 22;
        v = pfn(c);
        write(up[1], &v, 8);
        _exit(0);
    }
    uint64_t first, second;
    read(up[0], &first, 8);
    out("swap.fork_child_read", first ? "yes" : "no");
    num("swap.fork_parent_read_value", c[0]);
    out("swap.fork_swapin_pfn", same(pfn(c), first));
    c[0] = 23;
    out("swap.fork_parent_write_pfn", same(pfn(c), first));
    write(down[1], "x", 1);
    read(up[0], &second, 8);
    child_exit(child);
    out("swap.fork_child_write_pfn", same(second, first));
    close(up[0]); close(up[1]); close(down[0]); close(down[1]);

    /* munmap gives the slot back */
    char *m = page1(1, 41);
    pageout(NULL, m, PAGE);
    long before = swaps_kb(1);
    munmap(m, PAGE);
    num("swap.munmap_freed_kb", before - swaps_kb(1));

    /* shmem: a dirty page goes to swap (shmem_writeout(): the page cache holds the swap entry, the PTE is none),
     * a clean one (read, never written) is dropped; a read swaps the dirty one in and frees its slot */
    int sf = memfd_create("swapped", 0);
    ftruncate(sf, 2 * PAGE);
    char *sh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, sf, 0);
    sh[0] = 7;
    (void) *(volatile char *) (sh + PAGE);
    long u = swaps_kb(1);
    pageout("swap.shmem_pageout", sh, 2 * PAGE);
    out("swap.shmem_dirty_present", yes(present(sh)));
    out("swap.shmem_dirty_swapped", yes(swapped(sh)));
    num("swap.shmem_pageout_used_kb", swaps_kb(1) - u);
    out("swap.shmem_clean_cached", yes(cached(sh + PAGE)));
    num("swap.shmem_read_value", sh[0]);
    num("swap.shmem_read_used_kb", swaps_kb(1) - u);
    num("swap.shmem_clean_read_value", sh[PAGE]);
    /* pinned by io_uring: unmapped, but pageout() keeps it (a reference beyond the page cache's) */
    sh[0] = 8;
    struct io_uring sr;
    pin_buffer("swap.shmem_pinned_register", &sr, sh, PAGE);
    u = swaps_kb(1);
    pageout("swap.shmem_pinned_pageout", sh, PAGE);
    out("swap.shmem_pinned_present", yes(present(sh)));
    out("swap.shmem_pinned_cached", yes(cached(sh)));
    num("swap.shmem_pinned_used_kb", swaps_kb(1) - u);
    io_uring_unregister_buffers(&sr);
    io_uring_queue_exit(&sr);
    /* swapped out again, then truncated: shmem_undo_range() frees the slot */
    (void) *(volatile char *) sh;
    pageout(NULL, sh, PAGE);
    num("swap.shmem_again_used_kb", swaps_kb(1) - u);
    ftruncate(sf, 0);
    num("swap.shmem_truncate_used_kb", swaps_kb(1) - u);
    munmap(sh, 2 * PAGE);
    /* a shmem page on swap at swapoff: shmem_unuse() reads it back into the page cache */
    ftruncate(sf, PAGE);
    sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, sf, 0);
    sh[0] = 9;
    pageout(NULL, sh, PAGE);

    /* swapoff reads every swapped-out page back */
    char *o = page1(1, 31);
    pageout(NULL, o, PAGE);
    rc("swap.swapoff", swapoff(swapfile));
    out("swap.swapoff_present", present(o) ? "yes" : "no");
    num("swap.swapoff_value", o[0]);
    out("swap.swapoff_shmem_cached", yes(cached(sh)));
    num("swap.swapoff_shmem_value", sh[0]);
    munmap(sh, PAGE);
    close(sf);
    rc("swap.swapoff_again", swapoff(swapfile));
    unlink(swapfile);
}

/* ---------------------------------------------------------------- hugetlb COW with an empty pool */
/* the child reads (r) or writes (w) the shared huge page when told; its end: "exit" or the signal */
static pid_t hcow_child(char *a, char op, int *go) {
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        char ch;
        close(p[1]);
        read(p[0], &ch, 1);
        if (op == 'w') a[0] = 6; else { volatile char x = a[0]; (void) x; }
        _exit(0);
    }
    close(p[0]);
    *go = p[1];
    return c;
}
static const char *hcow_end(pid_t c, int go) {
    int st;
    write(go, "x", 1);
    close(go);
    waitpid(c, &st, 0);
    return WIFSIGNALED(st) ? (WTERMSIG(st) == SIGBUS ? "SIGBUS" : "signal") : "exit";
}
static void probe_hugetlb_cow(void) {
    int go;
    hugepages(1);
    /* the owner (the mmap with the reservation) writes: unmap_ref_private() takes the page from the child */
    char *a = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    mm("hcow.mmap", a);
    if (a == MAP_FAILED) return;
    a[0] = 4;
    uint64_t h = pfn(a);
    pid_t c = hcow_child(a, 'r', &go);
    a[PAGE] = 5;
    out("hcow.owner_write_pfn", same(pfn(a), h));
    out("hcow.child_read_after", hcow_end(c, go));
    munmap(a, HUGE);
    /* the child (no reservation) writes: -ENOSPC, VM_FAULT_SIGBUS */
    a = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    a[0] = 4;
    c = hcow_child(a, 'w', &go);
    out("hcow.child_write", hcow_end(c, go));
    num("hcow.parent_value_after", a[0]);
    munmap(a, HUGE);
    hugepages(0);
}

/* ---------------------------------------------------------------- the 1 GiB hstate */

#define GIG (1UL << 30)
#define HUGE_1GB (30U << 26) /* MAP_HUGE_1GB / MFD_HUGE_1GB */
#define HUGE_LOG25 (25U << 26) /* a size no hstate has */
#define KPF_HUGE 17
#define GIG_SYSFS "/sys/kernel/mm/hugepages/hugepages-1048576kB/"
static const char *gig_count(const char *file) {
    static char b[32];
    int fd = open(file, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b - 1);
    if (fd >= 0) close(fd);
    b[n > 0 ? n - 1 : 0] = 0; /* drop the newline */
    return b;
}
static void probe_gigantic(void) {
    int go;
    int gflags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | HUGE_1GB;
    if (access(GIG_SYSFS "nr_hugepages", F_OK) != 0) { /* hugetlb_add_hstate(PUD_SHIFT) needs X86_FEATURE_GBPAGES */
        printf("# gig: not recorded: this host has no 1 GiB hstate (no pdpe1gb)\n");
        return;
    }
    sysfs(GIG_SYSFS "nr_hugepages", "0");
    mm("gig.mmap_empty_pool", mmap(NULL, GIG, PROT_READ | PROT_WRITE, gflags, -1, 0));
    mm("gig.mmap_unknown_sizelog", mmap(NULL, GIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | HUGE_LOG25, -1, 0));
    sysfs("/proc/sys/vm/compact_memory", "1"); /* two free 1 GiB ranges for alloc_contig_pages() */
    sysfs(GIG_SYSFS "nr_hugepages", "2");
    out("gig.pool_after_setting_2", gig_count(GIG_SYSFS "nr_hugepages"));
    mm("gig.mmap_3g_pool_of_2", mmap(NULL, 3 * GIG, PROT_READ | PROT_WRITE, gflags, -1, 0));
    char *a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, gflags, -1, 0);
    mm("gig.mmap_one_page_len", a);
    if (a == MAP_FAILED) return;
    out("gig.mmap_addr_aligned", ((uintptr_t) a & (GIG - 1)) == 0 ? "yes" : "no");
    out("gig.resv_after_mmap", gig_count(GIG_SYSFS "resv_hugepages"));
    rc("gig.munmap_first_page", munmap(a, PAGE));
    rc("gig.munmap_upper_half", munmap(a + GIG / 2, GIG / 2));
    rc("gig.mprotect_lower_half", mprotect(a, GIG / 2, PROT_READ));
    mm("gig.mmap_fixed_unaligned", mmap(a + HUGE, GIG, PROT_READ | PROT_WRITE, gflags | MAP_FIXED, -1, 0));
    a[5 * PAGE] = 1;
    uint64_t h = pfn(a);
    out("gig.fault_pfn_aligned", (h & ((GIG / PAGE) - 1)) == 0 ? "yes" : "no");
    out("gig.pfn_last_page", pfn(a + GIG - PAGE) == h + GIG / PAGE - 1 ? "head+262143" : "other");
    out("gig.kpageflags_huge", (kflags(h) >> KPF_HUGE) & 1 ? "yes" : "no");
    out("gig.free_after_fault", gig_count(GIG_SYSFS "free_hugepages"));
    out("gig.resv_after_fault", gig_count(GIG_SYSFS "resv_hugepages"));
    struct io_uring r;
    io_uring_queue_init(8, &r, 0);
    ur("gig.uring.reg_whole", reg(&r, a, GIG));
    ur("gig.uring.reg_over_1g", reg(&r, a, GIG + PAGE));
    io_uring_queue_exit(&r);
    pid_t c = fork_idle(&go);
    out("gig.fork", ename(c < 0 ? errno : 0));
    a[PAGE] = 2;
    out("gig.fork_parent_write_pfn", same(pfn(a), h));
    out("gig.free_after_cow", gig_count(GIG_SYSFS "free_hugepages"));
    release(c, go);
    out("gig.free_after_child_exit", gig_count(GIG_SYSFS "free_hugepages"));
    uint64_t h2 = pfn(a);
    char *area = mmap(NULL, 3 * GIG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    char *dst = (char *) (((uintptr_t) area + GIG - 1) & ~(GIG - 1));
    char *m = mr(a, GIG, GIG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
    mrc("gig.mremap_move", m);
    out("gig.mremap_move_pfn", m != MAP_FAILED ? same(pfn(m), h2) : "failed");
    munmap(area, 3 * GIG);
    out("gig.free_after_munmap", gig_count(GIG_SYSFS "free_hugepages"));
    int fd = memfd_create("oracle-gig", MFD_HUGETLB | HUGE_1GB);
    rc("gig.memfd_create", fd);
    rc("gig.memfd_ftruncate_2m", ftruncate(fd, HUGE));
    rc("gig.memfd_ftruncate_1g", ftruncate(fd, GIG));
    char *s = mmap(NULL, GIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    mm("gig.memfd_mmap_shared", s);
    if (s != MAP_FAILED) {
        s[0] = 1;
        out("gig.memfd_pfn_aligned", (pfn(s) & ((GIG / PAGE) - 1)) == 0 ? "yes" : "no");
        munmap(s, GIG);
    }
    close(fd);
    rc("gig.memfd_unknown_sizelog", memfd_create("oracle-gig", MFD_HUGETLB | HUGE_LOG25));
    sysfs(GIG_SYSFS "nr_hugepages", "0");
}

/* MADV_PAGEOUT of a PMD-mapped shmem THP (collapsed memfd): shrink_folio_list() unmaps it; shmem_writeout()
 * keeps it whole with no swap area, and with one splits it (no large swap entry on a swapfile) and writes every page */
static void probe_collapse_pageout(void) {
    char *m;
    int mf = memfd_written("collapse-pageout", HUGE, HUGE, &m);
    m[7 * PAGE] = 7;
    rc("collapse.shmem_pageout_no_swap_collapse", madvise(m, HUGE, MADV_COLLAPSE));
    pageout(NULL, m, HUGE);
    outl("collapse.shmem_pageout_no_swap_pmd_kb", smaps_kb(m, "ShmemPmdMapped"));
    out("collapse.shmem_pageout_no_swap_present", yes(present(m + 7 * PAGE)));
    out("collapse.shmem_pageout_no_swap_value", m[7 * PAGE] == 7 ? "kept" : "lost");
    out("collapse.shmem_pageout_no_swap_folio", thp(m + 7 * PAGE));
    munmap(m, HUGE);
    close(mf);
    char *sf = strdup(path("pinlab-swapfile-collapse"));
    if (make_swapfile(sf) != 0 || swapon(sf, 0)) { out("collapse.shmem_pageout_swapon", "FAILED"); return; }
    char *saved = swapfile;
    swapfile = sf; /* swaps_kb() reads this swapfile's line */
    mf = memfd_written("collapse-pageout-swap", HUGE, HUGE, &m);
    m[7 * PAGE] = 7;
    rc("collapse.shmem_pageout_collapse", madvise(m, HUGE, MADV_COLLAPSE));
    pageout(NULL, m, HUGE);
    outl("collapse.shmem_pageout_pmd_kb", smaps_kb(m, "ShmemPmdMapped"));
    outl("collapse.shmem_pageout_used_kb", swaps_kb(1));
    out("collapse.shmem_pageout_present", yes(present(m + 300 * PAGE)));
    out("collapse.shmem_pageout_value", m[7 * PAGE] == 7 ? "kept" : "lost");
    out("collapse.shmem_pageout_read_folio", thp(m + 7 * PAGE));
    munmap(m, HUGE);
    close(mf);
    rc("collapse.shmem_pageout_swapoff", swapoff(sf));
    swapfile = saved;
    unlink(sf);
}


int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s DIR FS [files]\n", argv[0]); return 2; }
    dir = argv[1];
    fs = argv[2];
    if (argc > 3 && !strcmp(argv[3], "collapse_file")) { /* only these cases, for a partial re-recording */
        probe_collapse_file();
        probe_collapse_pageout();
        return 0;
    }
    leaked_rsvd = meminfo("HugePages_Rsvd");
    if (leaked_rsvd) printf("# hugetlb: %ld reservation(s) of 2 MiB leaked before this run (mremap of a reserved private mapping); the pool is sized on top\n", leaked_rsvd);
    probe_file_mmap();
    probe_file_register();
    probe_file_direct();
    probe_file_dio_fallback();
    probe_file_falloc();
    probe_file_falloc_shift();
    probe_file_pageout();
    if (argc > 3) return 0;
    probe_vmsplice();
    probe_falloc_pinned();
    probe_remote();
    probe_uring_ops();
    probe_uring_files();
    probe_mmap();
    probe_register();
    probe_memlock("0", 0, 0);
    probe_memlock("64k_a", 64 << 10, 4);
    probe_memlock("64k_b", 64 << 10, 16);
    probe_pagemap_fork();
    probe_reuse();
    probe_mremap();
    probe_collapse();
    probe_collapse_file();
    probe_collapse_pageout();
    probe_swap();
    probe_hugetlb_cow();
    probe_gigantic();
    return 0;
}
