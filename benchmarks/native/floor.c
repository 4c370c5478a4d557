/*
 * The native floor of the round-trip latency scenario (docs/benchmarks.md, "The C floor"): the
 * same exchange as the raw length-prefix peer — a 4-byte little-endian length, then the payload,
 * echoed back — over a unix stream socket, in C, with blocking reads and one write per message.
 * No runtime, no event loop, no allocation per message: what the kernel and the machine cost
 * today. The harness compiles it with `cc -O2` at setup and runs it in every latency run.
 *
 *   floor server <socket-path>                         echo until the client hangs up
 *   floor client <socket-path> <count> <warmup> <size> print {"p50Us":…,"p99Us":…,"p999Us":…}
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (1 << 20)
#define MAX_COUNT 100000000L

static void die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int read_full(int fd, uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r == 0) return 0;
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    got += (size_t)r;
  }
  return 1;
}

static void write_full(int fd, const uint8_t *buf, size_t n) {
  size_t put = 0;
  while (put < n) {
    ssize_t w = write(fd, buf + put, n - put);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    put += (size_t)w;
  }
}

static struct sockaddr_un address(const char *path) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) {
    errno = ENAMETOOLONG;
    die("socket path");
  }
  strcpy(a.sun_path, path);
  return a;
}

static int serve(const char *path) {
  struct sockaddr_un a = address(path);
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  if (ls < 0) die("socket");
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(ls, 1) < 0) die("listen");
  printf("{\"type\":\"ready\"}\n");
  fflush(stdout);
  int fd = accept(ls, NULL, NULL);
  if (fd < 0) die("accept");
  uint8_t *buf = malloc(4 + MAX_SIZE);
  if (buf == NULL) die("malloc");
  for (;;) {
    if (!read_full(fd, buf, 4)) break;
    uint32_t len = (uint32_t)buf[0] | ((uint32_t)buf[1] << 8) | ((uint32_t)buf[2] << 16) | ((uint32_t)buf[3] << 24);
    if (len > MAX_SIZE) {
      errno = EMSGSIZE;
      die("frame length");
    }
    if (!read_full(fd, buf + 4, len)) break;
    write_full(fd, buf, 4 + len);
  }
  close(fd);
  close(ls);
  unlink(path);
  return 0;
}

static int compare(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* The p-th percentile (nearest rank) of sorted[n], as benchmarks/lib/stats.ts computes it. */
static double percentile(const double *sorted, long n, double p) {
  long rank = (long)((p / 100.0) * (double)n + 0.999999999);
  long i = rank - 1;
  if (i < 0) i = 0;
  if (i > n - 1) i = n - 1;
  return sorted[i];
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int client(const char *path, long count, long warmup, long size) {
  if (count < 1 || count > MAX_COUNT || warmup < 0 || warmup > MAX_COUNT || size < 0 || size > MAX_SIZE) {
    fprintf(stderr, "floor: count 1..%ld, warmup 0..%ld, size 0..%d\n", MAX_COUNT, MAX_COUNT, MAX_SIZE);
    return 2;
  }
  struct sockaddr_un a = address(path);
  int fd = -1;
  for (int attempt = 0; attempt < 3000; attempt++) { /* the server may still be starting: up to 30 s */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) break;
    close(fd);
    fd = -1;
    usleep(10000);
  }
  if (fd < 0) die("connect");
  uint8_t *out = malloc(4 + (size_t)size);
  uint8_t *in = malloc(4 + (size_t)size);
  double *samples = malloc(sizeof(double) * (size_t)count);
  if (out == NULL || in == NULL || samples == NULL) die("malloc");
  out[0] = (uint8_t)size;
  out[1] = (uint8_t)(size >> 8);
  out[2] = (uint8_t)(size >> 16);
  out[3] = (uint8_t)(size >> 24);
  memset(out + 4, 'x', (size_t)size);
  for (long i = 0; i < warmup + count; i++) {
    double start = now_us();
    write_full(fd, out, 4 + (size_t)size);
    if (!read_full(fd, in, 4 + (size_t)size)) {
      errno = ECONNRESET;
      die("server hung up");
    }
    if (i >= warmup) samples[i - warmup] = now_us() - start;
  }
  close(fd);
  qsort(samples, (size_t)count, sizeof(double), compare);
  printf("{\"type\":\"result\",\"metrics\":{\"p50Us\":%.3f,\"p99Us\":%.3f,\"p999Us\":%.3f}}\n", percentile(samples, count, 50),
         percentile(samples, count, 99), percentile(samples, count, 99.9));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(argv[2]);
  if (argc == 6 && strcmp(argv[1], "client") == 0) return client(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
  fprintf(stderr, "usage: floor server <socket-path> | floor client <socket-path> <count> <warmup> <size>\n");
  return 2;
}
