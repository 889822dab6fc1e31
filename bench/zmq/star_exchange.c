/*
 * The floor under data-parallel training's exchanges: raw libzmq, no Drover code.
 *
 * A coordinator ROUTER (this process) and SHARDS DEALERs (forked processes) on loopback, shaped like
 * `drover bench distributed`'s GBDT exchanges: each exchange sends a 200-byte request to every shard,
 * each shard busy-waits WORK_MS (its "histograms") and replies REPLY_BYTES whose first 8 bytes are the
 * nanoseconds it computed; the exchange ends when every reply is in. Reports, per exchange, the wall
 * time and the overhead: wall minus the busiest shard's compute — the figure drover's bench calls
 * "coordination overhead" (there it also holds the coordinator's own work, here zero).
 * With SPIN_US > 0 a shard, after each reply, polls without sleeping (yielding the CPU between
 * polls) for that long before it blocks, as drover's shard loop does (2000 µs).
 *
 *   star_exchange [SHARDS [REPLY_BYTES [EXCHANGES [WORK_MS [SPIN_US]]]]]     defaults: 2 244892 1000 6 0
 *
 * Build: cc -O2 -o star_exchange star_exchange.c -lzmq
 */
#include <zmq.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sched.h>
#include <errno.h>

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, zmq_strerror(zmq_errno())); exit(1); } } while (0)

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One shard: HELLO, then per request WORK_NS of busy-waiting and a reply; "q" ends it. */
static void shard(const char *endpoint, int index, size_t reply_bytes, int64_t work_ns, int64_t spin_ns) {
    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    char id[16];
    snprintf(id, sizeof id, "shard%d", index);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, id, strlen(id)));
    CHECK(zmq_connect(dealer, endpoint));
    char *reply = malloc(reply_bytes);
    memset(reply, 1, reply_bytes);
    CHECK(zmq_send(dealer, "hello", 5, 0));
    char request[512];
    int64_t replied = 0;
    for (;;) {
        int n = -1;
        while (spin_ns > 0 && now_ns() - replied < spin_ns) {
            n = zmq_recv(dealer, request, sizeof request, ZMQ_DONTWAIT);
            if (n >= 0 || errno != EAGAIN) break;
            sched_yield();
        }
        if (n < 0) n = zmq_recv(dealer, request, sizeof request, 0);
        if (n < 0 || request[0] == 'q') break;
        int64_t start = now_ns();
        volatile uint64_t busy = 0;
        while (now_ns() - start < work_ns) busy++;
        int64_t computed = now_ns() - start;
        memcpy(reply, &computed, sizeof computed);
        CHECK(zmq_send(dealer, reply, reply_bytes, 0));
        replied = now_ns();
    }
    zmq_close(dealer);
    zmq_ctx_term(ctx);
    _exit(0);
}

int main(int argc, char **argv) {
    int shards = argc > 1 ? atoi(argv[1]) : 2;
    size_t reply_bytes = argc > 2 ? (size_t)atol(argv[2]) : 244892;
    int exchanges = argc > 3 ? atoi(argv[3]) : 1000;
    double work_ms = argc > 4 ? atof(argv[4]) : 6;
    long spin_us = argc > 5 ? atol(argv[5]) : 0;
    if (shards < 1 || shards > 64 || reply_bytes < 8 || exchanges < 1 || work_ms < 0 || spin_us < 0) {
        fprintf(stderr, "usage: star_exchange [SHARDS 1-64 [REPLY_BYTES >= 8 [EXCHANGES >= 1 [WORK_MS >= 0 [SPIN_US >= 0]]]]]\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK(zmq_bind(router, "tcp://127.0.0.1:*"));
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    for (int s = 0; s < shards; s++)
        if (fork() == 0) shard(endpoint, s, reply_bytes, (int64_t)(work_ms * 1e6), (int64_t)spin_us * 1000);

    char ids[64][16];
    int id_len[64];
    char scratch[16];
    for (int s = 0; s < shards; s++) {
        CHECK(id_len[s] = zmq_recv(router, ids[s], sizeof ids[s], 0));
        CHECK(zmq_recv(router, scratch, sizeof scratch, 0));
    }
    char request[200];
    memset(request, 'g', sizeof request);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int64_t *wall = malloc(sizeof *wall * exchanges), *overhead = malloc(sizeof *overhead * exchanges);
    for (int e = 0; e < exchanges; e++) {
        int64_t start = now_ns(), busiest = 0;
        for (int s = 0; s < shards; s++) {
            CHECK(zmq_send(router, ids[s], id_len[s], ZMQ_SNDMORE));
            CHECK(zmq_send(router, request, sizeof request, 0));
        }
        for (int s = 0; s < shards; s++) {
            CHECK(zmq_msg_recv(&msg, router, 0));  /* routing id */
            CHECK(zmq_msg_recv(&msg, router, 0));
            int64_t computed;
            memcpy(&computed, zmq_msg_data(&msg), sizeof computed);
            if (computed > busiest) busiest = computed;
        }
        wall[e] = now_ns() - start;
        overhead[e] = wall[e] - busiest;
    }
    for (int s = 0; s < shards; s++) {
        CHECK(zmq_send(router, ids[s], id_len[s], ZMQ_SNDMORE));
        CHECK(zmq_send(router, "q", 1, 0));
    }
    double mean_wall = 0, mean_overhead = 0;
    for (int e = 0; e < exchanges; e++) { mean_wall += wall[e]; mean_overhead += overhead[e]; }
    mean_wall /= exchanges * 1e6;
    mean_overhead /= exchanges * 1e6;
    qsort(overhead, exchanges, sizeof *overhead, by_value);
    printf("star: %d shards, %zu-byte replies, %.1f ms of compute, spin %ld µs, %d exchanges: %.3f ms each; "
           "overhead mean %.3f ms, p50 %.3f, p90 %.3f\n",
           shards, reply_bytes, work_ms, spin_us, exchanges, mean_wall, mean_overhead,
           overhead[exchanges / 2] / 1e6, overhead[exchanges * 9 / 10] / 1e6);
    zmq_msg_close(&msg);
    zmq_close(router);
    zmq_ctx_term(ctx);
    while (wait(NULL) > 0) {}
    return 0;
}
