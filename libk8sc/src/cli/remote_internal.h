/* What k8sctl exec and attach share: the flags -i/-t, the local terminal (raw mode, size, SIGWINCH). */
#ifndef K8SC_CLI_REMOTE_INTERNAL_H
#define K8SC_CLI_REMOTE_INTERNAL_H

#include "cli_internal.h"

#include <termios.h>

/* The local side of a session: the streams' options and what to restore. */
typedef struct k8sc__cli_remote {
    k8sc_client_stream_options opts;
    bool raw;              /* the terminal was put in raw mode */
    struct termios saved;  /* its mode before */
    int winch[2];          /* SIGWINCH self-pipe; -1 without a tty */
} k8sc__cli_remote;

/*
 * The command line of exec and attach: -c, -i, -t (also "-it"), -q,
 * --pod-running-timeout (default: kubectl's minute) and the arguments;
 * `at_dash` counts those before "--" (-1 without one), as cobra's ArgsLenAtDash.
 */
typedef struct k8sc__cli_remote_args {
    const char *container;
    bool use_stdin, tty, quiet;
    int64_t timeout_ms;
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs, at_dash;
} k8sc__cli_remote_args;

/*
 * Parse `verb`'s flags into `out`: 0, or the exit code once the error (or
 * --help) was printed. A --pod-running-timeout that is not positive is
 * left for the verb to refuse (each with its own message).
 */
int k8sc__cli_remote_parse(k8sc__cli *cli, const char *verb, int argc, char **argv, k8sc__cli_remote_args *out);

/*
 * Set up the streams: stdin (fd 0) when `use_stdin`, output to the fds
 * of cli->out and cli->err (flushed first), a terminal when `tty`,
 * `use_stdin` and stdin is one (when it is not, a warning as kubectl
 * prints it unless `quiet`), in raw mode with resizes sent on SIGWINCH.
 * 0, or 1 once the error was printed.
 */
int k8sc__cli_remote_begin(k8sc__cli *cli, k8sc__cli_remote *r, bool use_stdin, bool tty, bool quiet,
    const char *container);

/* Restore the terminal and the SIGWINCH handler. */
void k8sc__cli_remote_end(k8sc__cli_remote *r);

#endif
