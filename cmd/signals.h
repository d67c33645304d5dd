/* How the programs stop: SIGINT and SIGTERM set stop_requested; SIGPIPE is ignored. */
#ifndef K8SC_CMD_SIGNALS_H
#define K8SC_CMD_SIGNALS_H

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;

static inline void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Install the handlers (once, early in main). */
static inline void handle_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

#endif
