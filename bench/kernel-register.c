// The real kernel's side of goal 4 (issue 13): how long IORING_REGISTER_BUFFERS takes on this
// machine for (a) 16,384 buffers of 4 KiB and (b) one 1 GiB buffer, both over untouched private
// anonymous memory, so the kernel faults in and pins every page, as the simulator does.
// Build and run (root, or a RLIMIT_MEMLOCK of 1 GiB + 64 MiB):
//   gcc -O2 -o /tmp/kernel-register bench/kernel-register.c -luring && /tmp/kernel-register 7
// Prints one line per round and the median of each figure in milliseconds.
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// maps len bytes, registers them as n buffers of len/n bytes, returns the register time in ms
static double register_once(size_t n, size_t len) {
    struct io_uring ring;
    if (io_uring_queue_init(8, &ring, 0) < 0) { perror("io_uring_queue_init"); exit(1); }
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    struct iovec *iov = calloc(n, sizeof *iov);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = p + i * (len / n);
        iov[i].iov_len = len / n;
    }
    double t0 = now_ms();
    int ret = io_uring_register_buffers(&ring, iov, (unsigned)n);
    double t1 = now_ms();
    if (ret < 0) { fprintf(stderr, "io_uring_register_buffers: %s\n", strerror(-ret)); exit(1); }
    io_uring_unregister_buffers(&ring);
    io_uring_queue_exit(&ring);
    munmap(p, len);
    free(iov);
    return t1 - t0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    double small[64], big[64];
    if (rounds < 1 || rounds > 64) rounds = 7;
    for (int r = 0; r < rounds; r++) {
        small[r] = register_once(16384, 16384 * 4096UL);
        big[r] = register_once(1, 1UL << 30);
        printf("round %d: 16384 x 4 KiB %.2f ms, 1 x 1 GiB %.2f ms\n", r + 1, small[r], big[r]);
    }
    qsort(small, rounds, sizeof small[0], cmp);
    qsort(big, rounds, sizeof big[0], cmp);
    printf("median: 16384 x 4 KiB %.2f ms, 1 x 1 GiB %.2f ms\n", small[rounds / 2], big[rounds / 2]);
    return 0;
}
