/*
 * The kubelet's node API (node_server.h) over the fake runtime: logs
 * (plain, tail, timestamps, previous, follow ended by stop), exec and
 * attach over a hand-written WebSocket client (v5 and v4), output held
 * until the client is ready, errors.
 */
#include "internal.h"
#include "kubelet/node_server.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <k8sc/runtime.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static k8sc_runtime *rt;
static k8sc__node_server *srv;
static char dir[64];
static char *cid;
static char log_path[160], prev_path[160];

static int lookup(void *userdata, const char *ns, const char *pod, const char *container, bool previous,
                  char **container_id, char **path)
{
    (void)userdata;
    if (strcmp(ns, "default") != 0 || strcmp(pod, "p") != 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "pod \"%s\" not found", pod);
    if (container && *container && strcmp(container, "c") != 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "container \"%s\" in pod \"%s\" not found", container, pod);
    *container_id = strdup(cid);
    *path = strdup(previous ? prev_path : log_path);
    return 0;
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-nodesrv-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", NULL), 0);
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAME, "p" },
                                   { K8SC_LABEL_POD_NAMESPACE, "default" },
                                   { K8SC_LABEL_POD_UID, "u1" },
                                   { K8SC_LABEL_CONTAINER_NAME, "c" } };
    k8sc_sandbox_config sb = { .version = K8SC_SANDBOX_CONFIG_VERSION, .name = "p", .namespace_ = "default",
                               .uid = "u1", .log_directory = dir, .labels = labels, .n_labels = 3 };
    char *sid = NULL;
    ck_assert_int_eq(k8sc_runtime_run_sandbox(rt, &sid, &sb), 0);
    k8sc_container_config cc = { .version = K8SC_CONTAINER_CONFIG_VERSION, .name = "c", .image = "busybox",
                                 .log_path = "c/0.log", .labels = labels, .n_labels = 4 };
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &cid, sid, &cc, &sb), 0);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, cid), 0);
    free(sid);
    snprintf(log_path, sizeof(log_path), "%s/c/0.log", dir);
    snprintf(prev_path, sizeof(prev_path), "%s/prev.log", dir);
    FILE *f = fopen(prev_path, "w");
    fputs("2024-01-01T00:00:00Z stdout F old run\n", f);
    fclose(f);
    ck_assert_msg(k8sc__node_server_start(&srv, "127.0.0.1", 0, rt, lookup, NULL) == 0, "%s", k8sc_error_last());
    ck_assert_int_ne(k8sc__node_server_port(srv), 0);
}

static void teardown(void)
{
    k8sc__node_server_stop(srv);
    srv = NULL;
    k8sc_runtime_close(rt);
    free(cid);
    unlink(log_path);
    unlink(prev_path);
    char p[160];
    snprintf(p, sizeof(p), "%s/c", dir);
    rmdir(p);
    rmdir(dir);
}

typedef struct body {
    k8sc__buf buf;
    pthread_mutex_t lock;
} body;

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    body *b = userdata;
    pthread_mutex_lock(&b->lock);
    k8sc__buf_put(&b->buf, data, size * n);
    pthread_mutex_unlock(&b->lock);
    return size * n;
}

static long get(const char *path, body *b)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)k8sc__node_server_port(srv), path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

/* GET `path`: its status, with the body in *out (caller frees). */
static long get_text(const char *path, char **out)
{
    body b = { K8SC__BUF_INIT, PTHREAD_MUTEX_INITIALIZER };
    long status = get(path, &b);
    *out = k8sc__buf_detach(&b.buf, NULL);
    return status;
}

START_TEST(healthz_pods_stats)
{
    char *s;
    ck_assert_int_eq(get_text("/healthz", &s), 200);
    ck_assert_str_eq(s, "ok");
    free(s);
    ck_assert_int_eq(get_text("/pods", &s), 200);
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"p\""));
    free(s);
    ck_assert_int_eq(get_text("/stats/summary", &s), 200);
    ck_assert_ptr_nonnull(strstr(s, "\"node\":{\"nodeName\""));
    ck_assert_ptr_nonnull(strstr(s, "\"pods\":["));
    free(s);
    ck_assert_int_eq(get_text("/nope", &s), 404);
    free(s);
    ck_assert_int_eq(get_text("/containerLogs/default/q/c", &s), 404);
    ck_assert_str_eq(s, "pod \"q\" not found\n");
    free(s);
    ck_assert_int_eq(get_text("/containerLogs/default/p/x", &s), 404);
    ck_assert_ptr_nonnull(strstr(s, "container \"x\""));
    free(s);
    ck_assert_int_eq(get_text("/containerLogs/default/p/c?tailLines=-1", &s), 400);
    free(s);
}
END_TEST

START_TEST(logs)
{
    char *s;
    ck_assert_int_eq(get_text("/containerLogs/default/p/c", &s), 200);
    ck_assert_str_eq(s, "started c\n");
    free(s);
    FILE *f = fopen(log_path, "a");
    fputs("2024-01-01T00:00:01.5Z stderr F second\n", f);
    fclose(f);
    ck_assert_int_eq(get_text("/containerLogs/default/p/c?tailLines=1&timestamps=true", &s), 200);
    ck_assert_str_eq(s, "2024-01-01T00:00:01.5Z second\n");
    free(s);
    ck_assert_int_eq(get_text("/containerLogs/default/p/c?timestamps=true&limitBytes=4", &s), 200);
    ck_assert_int_eq(strlen(s), 4);
    ck_assert_int_eq(strncmp(s, "20", 2), 0);
    free(s);
    ck_assert_int_eq(get_text("/containerLogs/default/p/c?previous=true", &s), 200);
    ck_assert_str_eq(s, "old run\n");
    free(s);
}
END_TEST

static void *follow_main(void *arg)
{
    return (void *)get("/containerLogs/default/p/c?follow=true", arg);
}

static bool has(body *b, const char *want)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&b->lock);
        bool found = b->buf.ptr && strstr(b->buf.ptr, want);
        pthread_mutex_unlock(&b->lock);
        if (found)
            return true;
        usleep(10000);
    }
    return false;
}

START_TEST(follow_ended_by_stop)
{
    body b = { K8SC__BUF_INIT, PTHREAD_MUTEX_INITIALIZER };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, follow_main, &b), 0);
    ck_assert(has(&b, "started c\n"));
    FILE *f = fopen(log_path, "a");
    fputs("2024-01-01T00:00:01Z stdout F more\n", f);
    fclose(f);
    ck_assert(has(&b, "started c\nmore\n"));
    int64_t t0 = k8sc_clock_mono(NULL);
    k8sc__node_server_stop(srv);
    srv = NULL;
    ck_assert_int_lt(k8sc_clock_mono(NULL) - t0, 2000000000);
    pthread_join(t, NULL);
    k8sc__buf_free(&b.buf);
}
END_TEST

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(k8sc__node_server_port(srv)) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Send an upgrade request; return the response head (caller frees), leaving the socket after it. */
static char *upgrade(int fd, const char *path, const char *key, const char *protocol)
{
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                     "Sec-WebSocket-Version: 13\r\n%s%s%sSec-WebSocket-Protocol: %s\r\n\r\n",
                     path, key ? "Sec-WebSocket-Key: " : "", key ? key : "", key ? "\r\n" : "", protocol);
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    k8sc__buf head = K8SC__BUF_INIT;
    char c;
    while (!(head.len >= 4 && memcmp(head.ptr + head.len - 4, "\r\n\r\n", 4) == 0) && read(fd, &c, 1) == 1)
        k8sc__buf_putc(&head, c);
    return k8sc__buf_detach(&head, NULL);
}

static void send_masked(int fd, const char *data, size_t len)
{
    uint8_t frame[256] = { 0x82, (uint8_t)(0x80 | len), 1, 2, 3, 4 };
    ck_assert_uint_lt(len, 126);
    for (size_t i = 0; i < len; i++)
        frame[6 + i] = (uint8_t)data[i] ^ frame[2 + i % 4];
    /* The fake command may be done before its stdin arrives: the server may have closed already. */
    ssize_t n = send(fd, frame, 6 + len, MSG_NOSIGNAL);
    ck_assert(n == (ssize_t)(6 + len) || n < 0);
}

/* Read frames until the server closes: channel 1 into out, channel 3 into status. */
static void read_session(int fd, k8sc__buf *out, k8sc__buf *status)
{
    for (;;) {
        uint8_t h[2];
        if (recv(fd, h, 2, MSG_WAITALL) != 2)
            return;
        ck_assert_int_eq(h[1] & 0x80, 0);
        size_t len = h[1] & 0x7f;
        if (len == 126) {
            uint8_t l[2];
            ck_assert_int_eq(recv(fd, l, 2, MSG_WAITALL), 2);
            len = (size_t)l[0] << 8 | l[1];
        }
        ck_assert_uint_lt(len, 65536);
        char payload[65536];
        ck_assert_int_eq(recv(fd, payload, len, MSG_WAITALL), (ssize_t)len);
        if ((h[0] & 0x0f) == 0x8)
            return;
        ck_assert_int_eq(h[0], 0x82);
        ck_assert_uint_gt(len, 0);
        if (payload[0] == 1)
            k8sc__buf_put(out, payload + 1, len - 1);
        else if (payload[0] == 3)
            k8sc__buf_put(status, payload + 1, len - 1);
    }
}

static void stream_case(const char *kind, const char *query, const char *protocol, const char *want_proto,
                        const char *want_out, const char *want_status, bool send_stdin)
{
    int fd = connect_server();
    char path[256];
    snprintf(path, sizeof(path), "/%s/default/p/c?%s", kind, query);
    char *head = upgrade(fd, path, "dGhlIHNhbXBsZSBub25jZQ==", protocol);
    ck_assert_msg(strncmp(head, "HTTP/1.1 101", 12) == 0, "%s", head);
    /* RFC 6455's example key and answer. */
    ck_assert_ptr_nonnull(strcasestr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    ck_assert_ptr_nonnull(strstr(head, want_proto));
    free(head);
    if (send_stdin) {
        send_masked(fd, "\0input", 6);
        send_masked(fd, "\xff\0", 2);
    }
    k8sc__buf out = K8SC__BUF_INIT, status = K8SC__BUF_INIT;
    read_session(fd, &out, &status);
    close(fd);
    ck_assert_str_eq(out.ptr ? out.ptr : "", want_out);
    /* The whole Status, or its start when the message varies. */
    ck_assert_msg(strncmp(status.ptr ? status.ptr : "", want_status, strlen(want_status)) == 0 &&
                      (status.len > 0) == (want_status[0] != '\0'),
                  "status %s, want %s", status.ptr ? status.ptr : "", want_status);
    k8sc__buf_free(&out);
    k8sc__buf_free(&status);
}

static void exec_case(const char *query, const char *protocol, const char *want_proto, const char *want_out,
                      const char *want_status, bool send_stdin)
{
    stream_case("exec", query, protocol, want_proto, want_out, want_status, send_stdin);
}

START_TEST(exec_v5_and_v4)
{
    exec_case("command=echo&command=hi&command=there&stdout=true&stderr=true", "v5.channel.k8s.io",
              "v5.channel.k8s.io", "hi there\n", "{\"metadata\":{},\"status\":\"Success\"}", false);
    exec_case("command=false&stdout=true", "v4.channel.k8s.io, v5.channel.k8s.io", "v4.channel.k8s.io", "",
              "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
              "exit status 1\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
              "\"message\":\"1\"}]}}",
              false);
    exec_case("command=true&stdin=true&stdout=true", "v5.channel.k8s.io", "v5.channel.k8s.io", "",
              "{\"metadata\":{},\"status\":\"Success\"}", true);
}
END_TEST

/* The fake runtime's attach: its container's line without stdin, an echo of stdin with; Success at the end. */
START_TEST(attach_v5_and_v4)
{
    stream_case("attach", "stdout=true&stderr=true", "v4.channel.k8s.io", "v4.channel.k8s.io", "started c\n",
                "{\"metadata\":{},\"status\":\"Success\"}", false);
    /* Only v5 can end stdin (channel 255), which ends the fake's echo. */
    stream_case("attach", "stdin=true&stdout=true", "v5.channel.k8s.io", "v5.channel.k8s.io", "input",
                "{\"metadata\":{},\"status\":\"Success\"}", true);
    stream_case("attach", "stdin=true&stdout=true&tty=true", "v5.channel.k8s.io", "v5.channel.k8s.io", "input",
                "{\"metadata\":{},\"status\":\"Success\"}", true);
}
END_TEST

/* Milliseconds from the 101 of an `echo` exec to its first frame; `ready` sends a resize frame first. */
static int64_t first_frame_ms(bool ready)
{
    int fd = connect_server();
    char *head = upgrade(fd, "/exec/default/p/c?command=echo&command=x&stdout=true&tty=true", "dGhlIHNhbXBsZSBub25jZQ==",
                         "v5.channel.k8s.io");
    ck_assert_msg(strncmp(head, "HTTP/1.1 101", 12) == 0, "%s", head);
    free(head);
    int64_t t0 = k8sc_clock_mono(NULL);
    if (ready) {
        const char resize[] = "\4{\"Width\":80,\"Height\":24}";
        send_masked(fd, resize, sizeof(resize) - 1);
    }
    uint8_t h[3];
    ck_assert_int_eq(recv(fd, h, 3, MSG_WAITALL), 3);
    ck_assert_int_eq(h[2], 1);
    close(fd);
    return (k8sc_clock_mono(NULL) - t0) / 1000000;
}

/*
 * client-go drops frames for streams it has not created yet, and creates
 * them after the 101: output waits until the client has spoken or a
 * quarter second has passed.
 */
START_TEST(output_waits_for_client)
{
    ck_assert_int_ge(first_frame_ms(false), 200);
    ck_assert_int_lt(first_frame_ms(true), 200);
}
END_TEST

START_TEST(exec_errors)
{
    int fd = connect_server();
    char *head = upgrade(fd, "/exec/default/p/c?command=true&stdout=true", NULL, "v5.channel.k8s.io");
    ck_assert_msg(strncmp(head, "HTTP/1.1 400", 12) == 0, "%s", head);
    free(head);
    close(fd);
    fd = connect_server();
    head = upgrade(fd, "/exec/default/p/c?command=true&stdout=true", "dGhlIHNhbXBsZSBub25jZQ==", "v1.channel.k8s.io");
    ck_assert_msg(strncmp(head, "HTTP/1.1 400", 12) == 0, "%s", head);
    free(head);
    close(fd);
    fd = connect_server();
    head = upgrade(fd, "/exec/default/nope/c?command=true&stdout=true", "dGhlIHNhbXBsZSBub25jZQ==",
                   "v5.channel.k8s.io");
    ck_assert_msg(strncmp(head, "HTTP/1.1 404", 12) == 0, "%s", head);
    free(head);
    close(fd);
    char *s;
    ck_assert_int_eq(get_text("/exec/default/p/c?stdout=true", &s), 400);
    free(s);
    ck_assert_int_eq(get_text("/attach/default/p/c?stdout=true", &s), 400);
    ck_assert_str_eq(s, "a WebSocket upgrade (with Sec-WebSocket-Key) is required\n");
    free(s);
    ck_assert_int_eq(get_text("/attach/default/p/c", &s), 400);
    ck_assert_str_eq(s, "you must specify at least 1 of stdin, stdout, stderr\n");
    free(s);
    /* A stopped container cannot be attached to: the error comes as the session's Status. */
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, cid, 0), 0);
    stream_case("attach", "stdout=true", "v5.channel.k8s.io", "v5.channel.k8s.io", "",
                "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"container ", false);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("node_server");
    TCase *tc = tcase_create("node_server");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, healthz_pods_stats);
    tcase_add_test(tc, logs);
    tcase_add_test(tc, follow_ended_by_stop);
    tcase_add_test(tc, exec_v5_and_v4);
    tcase_add_test(tc, attach_v5_and_v4);
    tcase_add_test(tc, output_waits_for_client);
    tcase_add_test(tc, exec_errors);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
