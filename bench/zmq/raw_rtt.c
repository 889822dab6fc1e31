/*
 * Raw libzmq ROUTER/DEALER benchmark: the baseline the Swift wrapper is compared with.
 *
 *   raw_rtt                       fork an echo server process and run both benchmarks on loopback
 *   raw_rtt serve ENDPOINT        echo server only (ROUTER, bind), e.g. tcp://0.0.0.0:5555
 *   raw_rtt client ENDPOINT       client only (DEALER, connect)
 *   raw_rtt inproc                one thread, inproc PAIR pair: CPU per send+receive (call overhead)
 *
 * Options (environment): ITER (ping-pong round trips, 20000), SIZE (payload bytes, 64),
 * MSGS (pipelined messages, 200000), WINDOW (pipelined messages in flight, 100).
 *
 * Ping-pong: one message in flight; reports p50/p99/mean round-trip in microseconds.
 * Pipelined: up to WINDOW messages in flight; reports echoed messages per second and the client
 * thread's CPU time per message (excludes libzmq's I/O thread).
 *
 * Build: cc -O2 -o raw_rtt raw_rtt.c -lzmq
 */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, zmq_strerror(zmq_errno())); exit(1); } } while (0)

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    return v ? atol(v) : dflt;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* CPU time of the calling thread only (not libzmq's I/O thread): the per-message cost of the
 * client code itself, which is far less sensitive to machine load than wall-clock figures. */
static double thread_cpu_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Echo every multipart message back to its sender until a 0-byte "stop" payload arrives. */
static void serve(const char *endpoint, int report_fd) {
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int linger = 100, hwm = 100000;
    CHECK(zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger));
    CHECK(zmq_setsockopt(router, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK(zmq_setsockopt(router, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK(zmq_bind(router, endpoint));
    char last[256];
    size_t len = sizeof last;
    CHECK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, last, &len));
    if (report_fd >= 0) {
        if (write(report_fd, last, strlen(last) + 1) < 0) exit(1);
        close(report_fd);
    } else {
        printf("serving on %s\n", last);
        fflush(stdout);
    }
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    for (;;) {
        CHECK(zmq_msg_recv(&id, router, 0));
        CHECK(zmq_msg_recv(&body, router, 0));
        if (zmq_msg_size(&body) == 0) break;
        CHECK(zmq_msg_send(&id, router, ZMQ_SNDMORE));
        CHECK(zmq_msg_send(&body, router, 0));
    }
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

static void client(const char *endpoint) {
    long iters = env_long("ITER", 20000), size = env_long("SIZE", 64);
    long msgs = env_long("MSGS", 200000), window = env_long("WINDOW", 100);
    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 100, hwm = 100000;
    CHECK(zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger));
    CHECK(zmq_setsockopt(dealer, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK(zmq_setsockopt(dealer, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK(zmq_connect(dealer, endpoint));
    char *payload = malloc(size), *in = malloc(size + 1);
    memset(payload, 'x', size);

    /* Warm-up: connection established, caches hot. */
    for (int i = 0; i < 1000; i++) {
        CHECK(zmq_send(dealer, payload, size, 0));
        CHECK(zmq_recv(dealer, in, size + 1, 0));
    }

    double *rtt = malloc(sizeof(double) * iters), sum = 0;
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        CHECK(zmq_send(dealer, payload, size, 0));
        CHECK(zmq_recv(dealer, in, size + 1, 0));
        rtt[i] = now_us() - t0;
        sum += rtt[i];
    }
    qsort(rtt, iters, sizeof(double), cmp_double);
    printf("pingpong  iters=%ld size=%ld  p50=%.1fus p99=%.1fus mean=%.1fus\n",
           iters, size, rtt[iters / 2], rtt[(long)(iters * 0.99)], sum / iters);

    long sent = 0, received = 0;
    double t0 = now_us(), c0 = thread_cpu_us();
    while (received < msgs) {
        while (sent < msgs && sent - received < window) {
            CHECK(zmq_send(dealer, payload, size, 0));
            sent++;
        }
        CHECK(zmq_recv(dealer, in, size + 1, 0));
        received++;
    }
    double secs = (now_us() - t0) / 1e6, cpu = thread_cpu_us() - c0;
    printf("pipelined msgs=%ld size=%ld window=%ld  %.0f msg/s  client-thread cpu=%.2fus/msg\n",
           msgs, size, window, msgs / secs, cpu / msgs);

    CHECK(zmq_send(dealer, "", 0, 0)); /* stop the server */
    free(rtt); free(payload); free(in);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}

/* One thread, inproc PAIR -> PAIR, batches of WINDOW: the per-message cost of the send/receive calls
 * themselves, no I/O thread and no scheduler in the way. */
static void inproc(void) {
    long msgs = env_long("MSGS", 200000) * 5, window = env_long("WINDOW", 100), size = env_long("SIZE", 64);
    void *ctx = zmq_ctx_new();
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    int linger = 0, hwm = 100000;
    CHECK(zmq_setsockopt(a, ZMQ_LINGER, &linger, sizeof linger));
    CHECK(zmq_setsockopt(b, ZMQ_LINGER, &linger, sizeof linger));
    CHECK(zmq_setsockopt(a, ZMQ_SNDHWM, &hwm, sizeof hwm));
    CHECK(zmq_setsockopt(b, ZMQ_RCVHWM, &hwm, sizeof hwm));
    CHECK(zmq_bind(b, "inproc://bench"));
    CHECK(zmq_connect(a, "inproc://bench"));
    char *payload = calloc(1, size), *in = malloc(size + 1);
    double c0 = thread_cpu_us();
    for (long done = 0; done < msgs; done += window) {
        for (long i = 0; i < window; i++) CHECK(zmq_send(a, payload, size, 0));
        for (long i = 0; i < window; i++) CHECK(zmq_recv(b, in, size + 1, 0));
    }
    printf("inproc    msgs=%ld size=%ld batch=%ld  send+recv cpu=%.0fns/msg\n", msgs, size, window,
           (thread_cpu_us() - c0) * 1000 / msgs);
    free(payload); free(in);
    zmq_close(a); zmq_close(b);
    zmq_ctx_term(ctx);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "inproc") == 0) { inproc(); return 0; }
    if (argc == 3 && strcmp(argv[1], "serve") == 0) { serve(argv[2], -1); return 0; }
    if (argc == 3 && strcmp(argv[1], "client") == 0) { client(argv[2]); return 0; }
    if (argc != 1) { fprintf(stderr, "usage: raw_rtt [inproc | serve ENDPOINT | client ENDPOINT]\n"); return 2; }

    /* Fork before any zmq context exists in the parent (contexts are not fork-safe). */
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) { close(fds[0]); serve("tcp://127.0.0.1:*", fds[1]); _exit(0); }
    close(fds[1]);
    char endpoint[256] = {0};
    ssize_t n = read(fds[0], endpoint, sizeof endpoint - 1);
    if (n <= 0) { fprintf(stderr, "server failed to start\n"); return 1; }
    client(endpoint);
    int status;
    waitpid(pid, &status, 0);
    return 0;
}
