/*
 * libk8sc — common definitions shared by every public header: the export
 * macro, version macros and the standard includes the API relies on.
 */
#ifndef K8SC_COMMON_H
#define K8SC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define K8SC_VERSION_MAJOR 0
#define K8SC_VERSION_MINOR 1
#define K8SC_VERSION_PATCH 0
#define K8SC_VERSION "0.1.0"
/* 0xMMmmpp: compare with `#if K8SC_VERSION_HEX >= 0x000100`. */
#define K8SC_VERSION_HEX \
    ((K8SC_VERSION_MAJOR << 16) | (K8SC_VERSION_MINOR << 8) | K8SC_VERSION_PATCH)
/* Bumped only when the ABI breaks; part of the shared library's SONAME. */
#define K8SC_SOVERSION 0

#if defined(_WIN32)
#define K8SC_EXTERN
#elif defined(__GNUC__)
#define K8SC_EXTERN __attribute__((visibility("default")))
#else
#define K8SC_EXTERN
#endif

#if defined(__GNUC__)
#define K8SC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define K8SC_PRINTF(fmt, args)
#endif

#endif
