#!/bin/sh
# What loads with a program: libk8sc opens libcurl only when a request
# needs it, and k8sctl links only json-c and libyaml besides libc — its
# start-up time depends on it.
# usage: check-light.sh PATH/TO/libk8sc.so PATH/TO/k8sctl
set -u
lib=$1
ctl=$2
status=0
if ldd "$lib" | grep -q 'libcurl'; then
    echo "FAIL: $lib loads libcurl at start:"
    ldd "$lib"
    status=1
fi
for heavy in libcurl libsqlite3 libmicrohttpd libarchive libcrypto libgnutls; do
    if ldd "$ctl" | grep -q "$heavy"; then
        echo "FAIL: $ctl loads $heavy"
        status=1
    fi
done
[ $status -eq 0 ] && echo "ok: $(ldd "$ctl" | wc -l) objects load with k8sctl"
exit $status
