#!/bin/sh
# The shared library exports only the public k8sc_ API and carries its SONAME.
set -eu
lib=$1
soversion=$2
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^k8sc_' | grep -v '^K8SC_' || true)
internal=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep '^k8sc__' || true)
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^k8sc_' || true)
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
status=0
if [ -n "$bad$internal" ]; then
    echo "non-API symbols exported:"; echo "$bad$internal"; status=1
fi
if [ "$count" -lt 50 ]; then
    echo "only $count k8sc_ symbols exported"; status=1
fi
if [ "$soname" != "libk8sc.so.$soversion" ]; then
    echo "SONAME is '$soname', want libk8sc.so.$soversion"; status=1
fi
[ $status -eq 0 ] && echo "ok: $count k8sc_ symbols, SONAME $soname"
exit $status
