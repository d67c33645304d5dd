/* Internals of the pod-network agent. */
#ifndef K8SC_NET_PODNET_INTERNAL_H
#define K8SC_NET_PODNET_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>

#include "internal.h"
#include "k8sc/net.h"

#define K8SC__PODNET_CIDR_MAX 64

/*
 * Whether `cidr` is "IP/prefix" with the prefix in range; `canon` (may be
 * NULL) gets its network address and prefix as ip(8) prints them, *v6
 * (may be NULL) its family.
 */
bool k8sc__podnet_valid_cidr(const char *cidr, char canon[K8SC__PODNET_CIDR_MAX], bool *v6);
/* Whether `name` can be a network interface's name (1-15 characters, no '/', ':' or blanks). */
bool k8sc__podnet_valid_ifname(const char *name);
/* Whether `ip` is an IPv4 or IPv6 address; *v6 tells the family (may be NULL). */
bool k8sc__podnet_valid_ip(const char *ip, bool *v6);

/*
 * podnet_conf.c: the CNI network list for `bridge` and `pod_cidr`, its
 * addresses kept in `ipam_dir` (NULL: host-local's default) (JSON text;
 * caller frees), NULL on ENOMEM.
 */
char *k8sc__podnet_conflist(const char *bridge, const char *pod_cidr, const char *ipam_dir);
/*
 * Make <dir>/10-k8sc.conflist hold `text`: written to a temporary file and
 * renamed over it, only when it differs. *changed (may be NULL) tells
 * whether it was written. EIO with the reason.
 */
int k8sc__podnet_write_conf(const char *dir, const char *text, bool *changed);

/* podnet_routes.c: the routes tagged K8SC_PODNET_ROUTE_PROTO as {dst: gateway} (new object). EIO. */
int k8sc__podnet_routes_list(json_object **out);
/*
 * Make the tagged routes be `want` ({dst: gateway}): missing or different
 * ones replaced, tagged ones not wanted removed; untagged routes are never
 * touched. EIO with the first failure (the others are still tried).
 */
int k8sc__podnet_routes_sync(json_object *want);

#endif
