/* k8sctl: the bundled kubectl-like command line; the whole of it is k8sc_cli_main in libk8sc. */
#include <k8sc/cli.h>
#include <k8sc/core.h>

#include <signal.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    k8sc_tune_allocator_command();
    signal(SIGPIPE, SIG_IGN);
    return k8sc_cli_main(argc, argv, stdout, stderr);
}
