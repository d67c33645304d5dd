/*
 * The runc backend's processes. The spawner (runc_spawner.c), forked from
 * the host, starts pause processes and container monitors: one that stops
 * answering is killed and replaced instead of holding its callers for
 * ever, and spawners forked while other threads start and end threads
 * still work (a fork of a multi-threaded host must not wait for a lock
 * another thread held: under ASan, prctl(PR_SET_NAME) did). A runc
 * command (k8sc__runc_run) that does not end in time is killed. No root
 * needed: the pause processes get no new namespaces, and the commands run
 * a stand-in for runc.
 */
#include "testutil.h"
#include "runtime/runc_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* /proc/<pid>/comm without its newline, in buf. */
static const char *comm_of(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    buf[0] = '\0';
    if (f) {
        if (fgets(buf, (int)size, f))
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
    return buf;
}

/* Whether pid's comm becomes `want` within 5 s (a new spawner names itself just after its fork). */
static bool named(pid_t pid, const char *want)
{
    char buf[32];
    for (int i = 0; i < 500; i++) {
        if (strcmp(comm_of(pid, buf, sizeof(buf)), want) == 0)
            return true;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return false;
}

/* Start a pause process without namespaces through `s`; 0 and its pid, or the error. */
static int start_pause(runc_spawner *s, runc_proc *out)
{
    const char *fields[] = { "0", NULL, NULL };
    return k8sc__runc_spawn(s, out, "test pause", 'p', fields, 3);
}

/* End a pause process (a child of a spawner, or of init once its spawner is gone) and wait until it is. */
static void end_pause(pid_t pid)
{
    kill(pid, SIGKILL);
    for (int i = 0; i < 200 && kill(pid, 0) == 0; i++) {
        char state[64];
        /* Killed but not reaped by anyone yet (its spawner was stopped): gone enough. */
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        bool zombie = f && fgets(state, sizeof(state), f) && strstr(state, ") Z");
        if (f)
            fclose(f);
        if (zombie)
            break;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

START_TEST(spawns_named_processes)
{
    runc_spawner *s = NULL;
    ck_assert_int_eq(k8sc__runc_spawner_open(&s, -1), 0);
    ck_assert(named(s->pid, "k8sc-spawner"));
    runc_proc p = { 0, 0 };
    char name[32];
    ck_assert_msg(start_pause(s, &p) == 0, "%s", k8sc_error_last());
    ck_assert_int_gt(p.pid, 0);
    ck_assert_str_eq(comm_of(p.pid, name, sizeof(name)), "k8sc-pause");
    /* Its own session: it outlives the spawner. */
    ck_assert_int_eq(getsid(p.pid), p.pid);
    k8sc__runc_spawner_close(s);
    ck_assert_int_eq(kill(p.pid, 0), 0);
    end_pause(p.pid);
}
END_TEST

/* A spawner that stops (SIGSTOP) at once: it takes no request and answers none. *pid: its pid. */
static runc_spawner *stopped_spawner(int timeout_ms, pid_t *pid)
{
    runc_spawner *s = NULL;
    ck_assert_int_eq(k8sc__runc_spawner_open(&s, -1), 0);
    s->timeout_ms = timeout_ms;
    *pid = s->pid;
    ck_assert_int_eq(kill(*pid, SIGSTOP), 0);
    return s;
}

START_TEST(wedged_spawner_replaced)
{
    pid_t first;
    runc_spawner *s = stopped_spawner(400, &first);
    runc_proc p = { 0, 0 };
    double t0 = now();
    int rc = start_pause(s, &p);
    double took = now() - t0;
    ck_assert_int_eq(rc, K8SC_ETIMEOUT);
    ck_assert_msg(strstr(k8sc_error_last(), "no answer from the spawner within 400 ms"), "%s", k8sc_error_last());
    ck_assert_msg(took >= 0.35 && took < 5, "the request waited %.2f s", took);
    /* The stopped spawner was killed and reaped: its pid is no child of ours any more. */
    ck_assert_int_eq(waitpid(first, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
    ck_assert_int_eq(s->sock, -1);
    /* The next request starts a new spawner, which answers. */
    ck_assert_msg(start_pause(s, &p) == 0, "%s", k8sc_error_last());
    ck_assert_int_ne(s->pid, first);
    char name[32];
    ck_assert_str_eq(comm_of(p.pid, name, sizeof(name)), "k8sc-pause");
    end_pause(p.pid);
    k8sc__runc_spawner_close(s);
}
END_TEST

START_TEST(close_kills_a_wedged_spawner)
{
    /* A stopped spawner does not see its socket close: closing kills it instead of waiting for ever. */
    pid_t pid;
    runc_spawner *s = stopped_spawner(30000, &pid);
    double t0 = now();
    k8sc__runc_spawner_close(s);
    double took = now() - t0;
    ck_assert_msg(took >= 1.5 && took < 10, "closing took %.2f s", took);
    ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}
END_TEST

typedef struct filler {
    runc_spawner *s;
    int rc;
} filler;

static char big[60 * 1024];

/* A 60 KiB request of an unknown kind: a live spawner answers E at once; a stopped one never reads it. */
static void *send_filler(void *arg)
{
    filler *f = arg;
    const char *fields[] = { "0", big, NULL };
    runc_proc p;
    f->rc = k8sc__runc_spawn(f->s, &p, "filler", 'z', fields, 3);
    return NULL;
}

START_TEST(full_socket_times_out)
{
    /*
     * Six large requests to a stopped spawner: its socket holds about three,
     * so the others cannot even be sent. Every one returns by its deadline.
     */
    pid_t first;
    runc_spawner *s = stopped_spawner(500, &first);
    memset(big, 'x', sizeof(big) - 1);
    filler f[6];
    pthread_t t[6];
    double t0 = now();
    for (int i = 0; i < 6; i++) {
        f[i].s = s;
        f[i].rc = 1;
        ck_assert_int_eq(pthread_create(&t[i], NULL, send_filler, &f[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    double took = now() - t0;
    int timeouts = 0;
    for (int i = 0; i < 6; i++) {
        ck_assert_int_ne(f[i].rc, 0);
        timeouts += f[i].rc == K8SC_ETIMEOUT;
    }
    ck_assert_int_ge(timeouts, 1);
    ck_assert_msg(took < 10, "the requests took %.2f s", took);
    ck_assert_int_eq(waitpid(first, NULL, WNOHANG), -1);
    k8sc__runc_spawner_close(s);
}
END_TEST

static atomic_bool churning;

static void *idle_thread(void *arg)
{
    return arg;
}

/* Start and end threads until told to stop: the thread registry's lock is taken all the time. */
static void *churn(void *arg)
{
    while (atomic_load(&churning)) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle_thread, NULL) == 0)
            pthread_join(t, NULL);
    }
    return arg;
}

START_TEST(forks_while_threads_churn)
{
    atomic_store(&churning, true);
    pthread_t churners[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&churners[i], NULL, churn, NULL), 0);
    int failed = 0;
    char first_error[256] = "";
    for (int i = 0; i < 400; i++) {
        runc_spawner *s = NULL;
        ck_assert_int_eq(k8sc__runc_spawner_open(&s, -1), 0);
        s->timeout_ms = 3000;
        runc_proc p = { 0, 0 };
        if (start_pause(s, &p) != 0) {
            if (!failed++)
                snprintf(first_error, sizeof(first_error), "%s", k8sc_error_last());
        } else {
            end_pause(p.pid);
        }
        k8sc__runc_spawner_close(s);
    }
    atomic_store(&churning, false);
    for (int i = 0; i < 2; i++)
        pthread_join(churners[i], NULL);
    ck_assert_msg(failed == 0, "%d of 400 spawners did not start a process: %s", failed, first_error);
}
END_TEST

/* A stand-in for runc: `--version`, `hang` (never ends), `leave` (ends, its output held open by a child), else 3. */
static const char FAKE_RUNC[] = "#!/bin/sh\n"
                                "case \"$3\" in\n"
                                "--version) echo 'runc version 9.9.9' ;;\n"
                                "hang) exec sleep 30 ;;\n"
                                "leave) sleep 5 & ;;\n"
                                "*) exit 3 ;;\n"
                                "esac\n";

START_TEST(runc_command_bounded)
{
    char dir[] = "/tmp/k8sc-runc-XXXXXX";
    char *path = k8sc_test_temp_file(dir, "runc", FAKE_RUNC, 0755);
    runc r;
    memset(&r, 0, sizeof(r));
    r.runc_path = path;
    r.runc_exe = path;
    r.runc_root = dir;
    r.run_timeout_ms = 300;

    char *out = NULL;
    ck_assert_int_eq(k8sc__runc_run(&r, (const char *[]){ "--version", NULL }, &out), 0);
    ck_assert_str_eq(out, "runc version 9.9.9\n");
    free(out);
    ck_assert_int_eq(k8sc__runc_run(&r, (const char *[]){ "other", NULL }, NULL), 3);

    /* Killed once its time is up; no output is handed back. */
    out = NULL;
    double t0 = now();
    ck_assert_int_eq(k8sc__runc_run(&r, (const char *[]){ "hang", NULL }, &out), K8SC_ETIMEOUT);
    ck_assert_msg(now() - t0 < 5, "%.2f s", now() - t0);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(k8sc_error_last(), "hang: no end within 300 ms"), "%s", k8sc_error_last());
    /* Ended, but a process it left holds its output: not waited for beyond the limit either. */
    t0 = now();
    ck_assert_int_eq(k8sc__runc_run(&r, (const char *[]){ "leave", NULL }, NULL), K8SC_ETIMEOUT);
    ck_assert_msg(now() - t0 < 4, "%.2f s", now() - t0);
    unlink(path);
    free(path);
    rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("runc_processes");
    TCase *tc = tcase_create("spawner");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, spawns_named_processes);
    tcase_add_test(tc, wedged_spawner_replaced);
    tcase_add_test(tc, full_socket_times_out);
    tcase_add_test(tc, close_kills_a_wedged_spawner);
    tcase_add_test(tc, forks_while_threads_churn);
    suite_add_tcase(s, tc);
    tc = tcase_create("commands");
    tcase_add_test(tc, runc_command_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return k8sc_test_main(suite());
}
