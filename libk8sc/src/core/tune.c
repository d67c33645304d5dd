/* Process-wide settings of the C library's allocator for the two kinds of program: servers and short commands. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

void k8sc_tune_allocator(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
#endif
}

#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* The heap below the huge page, held so that nothing is placed there. */
static void *heap_skipped;

/*
 * glibc's malloc: the heap is extended by 2 MiB at a time and never
 * trimmed, large buffers come from it rather than from mmap, and the part
 * below the first 2 MiB boundary is taken by a block that stays allocated
 * and untouched. Anything unexpected (no brk heap, say under a sanitizer)
 * leaves the heap unadvised.
 */
void k8sc_tune_allocator_command(void)
{
    if (heap_skipped)
        return;
    k8sc_tune_allocator();
    /* The heap is made, or extended, with room for a whole huge page past the boundary... */
    mallopt(M_TOP_PAD, (int)(3 * HUGE_PAGE));
    void *probe = malloc(1);
    uintptr_t start = (uintptr_t)probe + 32, end = (uintptr_t)sbrk(0);
    uintptr_t boundary = (start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    /* ...and the rest below the boundary is taken, all without touching a page above it before the advice. */
    void *skip = probe && start < end && end - start < HUGE_PAGE * 8 && boundary - start > 64
        ? malloc(boundary - start - 64) : NULL;
    end = (uintptr_t)sbrk(0);
    mallopt(M_TOP_PAD, (int)HUGE_PAGE);
    if (skip && (uintptr_t)skip < boundary && end >= boundary + HUGE_PAGE &&
        madvise((void *)boundary, (end - boundary) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE) == 0)
        heap_skipped = skip;
    else
        free(skip);
    free(probe);
}
#else
void k8sc_tune_allocator_command(void)
{
    k8sc_tune_allocator();
}
#endif
