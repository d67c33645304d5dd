#!/bin/sh
# Build a one-layer busybox image from the host's static /bin/busybox
# (Debian: busybox-static) and write it as a `docker save` archive that
# `docker load` and `k8sc image import` accept.
#
#   build-busybox-image.sh OUT.tar [NAME:TAG]     (default busybox:1.36)
#
# The layer holds /bin/busybox, a symlink per applet (`busybox --list`),
# /etc/passwd and /etc/group (root, nobody) and /tmp; the config runs
# `sh` with a standard PATH. The same inputs give the same bytes.
set -eu

usage() {
    echo "usage: $0 OUT.tar [NAME:TAG]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
name=${2:-busybox:1.36}
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "$0: $busybox not found (install busybox-static)" >&2; exit 1; }

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
armv7l | armv6l) arch=arm ;;
i?86) arch=386 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
    case $applet in
    busybox | */*) ;;
    *) [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet" ;;
    esac
done
[ -e "$root/bin/sh" ] || ln -s busybox "$root/bin/sh"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

mkdir -p "$work/image"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$root" -cf "$work/layer.tar" bin etc root tmp
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer"
mv "$work/layer.tar" "$work/image/$layer/layer.tar"

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=%s"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"build-busybox-image.sh"}]}' \
    "$arch" "$path" "$layer" >"$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config.json"

printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$config" "$name" "$layer" \
    >"$work/image/manifest.json"

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$work/image" -cf "$out.tmp" manifest.json "$config.json" "$layer"
mv "$out.tmp" "$out"
echo "$out: $name sha256:$config"
