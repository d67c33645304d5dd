/*
 * WebSocket (RFC 6455) pieces shared by the node server's exec/attach
 * sessions and the client's: the handshake key and frames.
 */
#ifndef K8SC_CORE_WEBSOCKET_H
#define K8SC_CORE_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

#define K8SC__WS_CONT 0x0
#define K8SC__WS_TEXT 0x1
#define K8SC__WS_BINARY 0x2
#define K8SC__WS_CLOSE 0x8
#define K8SC__WS_PING 0x9
#define K8SC__WS_PONG 0xa

/* Size of a buffer holding a Sec-WebSocket-Accept value and its NUL. */
#define K8SC__WS_ACCEPT_BUFSIZE 29

/* Sec-WebSocket-Accept for client key `key`: base64(SHA-1(key + the RFC's GUID)). */
void k8sc__ws_accept(char out[K8SC__WS_ACCEPT_BUFSIZE], const char *key);

/* SHA-1 of `data` into `digest`. */
void k8sc__sha1(uint8_t digest[20], const void *data, size_t len);

/* Append one final frame; `mask` (4 bytes) masks it as a client must, NULL leaves it plain (a server's). */
void k8sc__ws_frame_put(k8sc__buf *b, int opcode, const void *data, size_t len, const uint8_t *mask);

/* A frame parsed out of a buffer; `payload` points into it (unmasked in place). */
typedef struct k8sc__ws_frame {
    int opcode;
    bool fin;
    uint8_t *payload;
    size_t len;
} k8sc__ws_frame;

/*
 * Parse the frame at the start of `data`: the bytes it takes, 0 when more
 * are needed, -1 for a malformed frame (a reserved bit, a control frame
 * over 125 bytes or fragmented, a length over `max`).
 */
ssize_t k8sc__ws_frame_parse(uint8_t *data, size_t len, size_t max, k8sc__ws_frame *f);

/* Write all of `data` to socket or pipe `fd` (no SIGPIPE); 0 or -1. */
int k8sc__write_all(int fd, const void *data, size_t len);

#endif
