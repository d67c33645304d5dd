/* Command-line flags shared by the programs: "--name VALUE" and "--name=VALUE". */
#ifndef K8SC_CMD_FLAGS_H
#define K8SC_CMD_FLAGS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of flag `name` at argv[*i] (advancing *i past a separate value); NULL if argv[*i] is another flag. */
static inline const char *flag_value(const char *prog, int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, name);
        exit(2);
    }
    return argv[++*i];
}

/* A boolean flag: "--name", "--name=true" or "--name=false". Sets *out and returns true if argv[*i] is it. */
static inline bool flag_bool(const char *prog, char **argv, int i, const char *name, bool *out)
{
    size_t n = strlen(name);
    const char *a = argv[i];
    if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return false;
    if (a[n] == '\0' || strcmp(a + n + 1, "true") == 0) {
        *out = true;
    } else if (strcmp(a + n + 1, "false") == 0) {
        *out = false;
    } else {
        fprintf(stderr, "%s: %s takes true or false, not \"%s\"\n", prog, name, a + n + 1);
        exit(2);
    }
    return true;
}

#endif
