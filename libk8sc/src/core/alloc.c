#include "internal.h"

#include <stdlib.h>
#include <string.h>

void *k8sc__malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        k8sc__error_nomem();
    return p;
}

void *k8sc__calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        k8sc__error_nomem();
    return p;
}

void *k8sc__realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        k8sc__error_nomem();
    return p;
}

char *k8sc__strndup(const char *s, size_t n)
{
    char *p = k8sc__malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *k8sc__strdup(const char *s)
{
    return s ? k8sc__strndup(s, strlen(s)) : NULL;
}

void k8sc_free(void *ptr)
{
    free(ptr);
}
