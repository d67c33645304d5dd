/* The local side of k8sctl exec and attach: -it, the terminal in raw mode, its size and SIGWINCH. */
#include "remote_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The write end of the SIGWINCH self-pipe (one session per process at a time). */
static volatile sig_atomic_t winch_fd = -1;

static void on_winch(int sig)
{
    (void)sig;
    int saved = errno;
    /* A full pipe already says that the size changed. */
    ssize_t n = winch_fd >= 0 ? write(winch_fd, "w", 1) : 0;
    (void)n;
    errno = saved;
}

static int terminal_size(uint16_t *width, uint16_t *height, void *userdata)
{
    (void)userdata;
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
        return -1;
    *width = ws.ws_col;
    *height = ws.ws_row;
    return 0;
}

/*
 * "-it" / "-ti" (before "--") split into "-i" "-t": the arguments in
 * `storage`, their number in `*argc`, where "--" is among them in `*dash`
 * (-1: nowhere).
 */
static void split_flags(int *argc, char **argv, char **storage, int *dash)
{
    int n = 0;
    *dash = -1;
    for (int i = 0; i < *argc && n < K8SC__CLI_MAX_ARGS - 1; i++) {
        if (*dash < 0 && strcmp(argv[i], "--") == 0)
            *dash = n;
        if (*dash < 0 && (strcmp(argv[i], "-it") == 0 || strcmp(argv[i], "-ti") == 0)) {
            storage[n++] = "-i";
            storage[n++] = "-t";
        } else {
            storage[n++] = argv[i];
        }
    }
    *argc = n;
}

int k8sc__cli_remote_parse(k8sc__cli *cli, const char *verb, int argc, char **argv, k8sc__cli_remote_args *out)
{
    memset(out, 0, sizeof(*out));
    const char *timeout = NULL;
    const k8sc__cli_flag flags[] = {
        { "c", "container", K8SC__FLAG_STRING, &out->container },
        { "i", "stdin", K8SC__FLAG_BOOL, &out->use_stdin },
        { "t", "tty", K8SC__FLAG_BOOL, &out->tty },
        { "q", "quiet", K8SC__FLAG_BOOL, &out->quiet },
        { NULL, "pod-running-timeout", K8SC__FLAG_STRING, &timeout },
        { 0 },
    };
    char *split[K8SC__CLI_MAX_ARGS];
    int dash;
    split_flags(&argc, argv, split, &dash);
    int rc = k8sc__cli_parse(cli, verb, flags, dash < 0 ? argc : dash, split, out->args, &out->nargs);
    out->at_dash = dash < 0 ? -1 : out->nargs;
    for (int i = dash + 1; !rc && dash >= 0 && i < argc; i++) {
        if (out->nargs >= K8SC__CLI_MAX_ARGS)
            return k8sc__cli_fail(cli, "too many arguments (at most %d)", K8SC__CLI_MAX_ARGS);
        out->args[out->nargs++] = split[i];
    }
    out->timeout_ms = 60000;
    if (!rc && timeout && k8sc__cli_duration_flag(cli, verb, "pod-running-timeout", timeout, &out->timeout_ms))
        return 1;
    return rc;
}

int k8sc__cli_remote_begin(k8sc__cli *cli, k8sc__cli_remote *r, bool use_stdin, bool tty, bool quiet,
    const char *container)
{
    k8sc_client_stream_options init = K8SC_CLIENT_STREAM_OPTIONS_INIT;
    r->opts = init;
    r->raw = false;
    r->winch[0] = r->winch[1] = -1;
    fflush(cli->out);
    fflush(cli->err);
    r->opts.container = container;
    r->opts.stdin_fd = use_stdin ? STDIN_FILENO : -1;
    r->opts.stdout_fd = fileno(cli->out);
    r->opts.stderr_fd = fileno(cli->err);
    if (r->opts.stdout_fd < 0 || r->opts.stderr_fd < 0)
        return k8sc__cli_fail(cli, "the streams need an output with a file descriptor");
    /* As kubectl's SetupTTY: without stdin there is no terminal to speak of. */
    if (tty && use_stdin && !isatty(STDIN_FILENO) && !quiet)
        fputs("Unable to use a TTY - input is not a terminal or the right kind of file\n", cli->err);
    tty = tty && use_stdin && isatty(STDIN_FILENO);
    r->opts.tty = tty;
    if (!tty)
        return 0;
    r->opts.size_fn = terminal_size;
    if (pipe2(r->winch, O_CLOEXEC | O_NONBLOCK) != 0)
        return k8sc__cli_fail(cli, "pipe: %s", strerror(errno));
    r->opts.resize_fd = r->winch[0];
    winch_fd = r->winch[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
    if (tcgetattr(STDIN_FILENO, &r->saved) == 0) {
        struct termios raw = r->saved;
        cfmakeraw(&raw);
        r->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    return 0;
}

void k8sc__cli_remote_end(k8sc__cli_remote *r)
{
    if (r->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
    r->raw = false;
    if (r->winch[0] >= 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGWINCH, &sa, NULL);
        winch_fd = -1;
        close(r->winch[0]);
        close(r->winch[1]);
        r->winch[0] = r->winch[1] = -1;
    }
}
