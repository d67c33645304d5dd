#!/bin/sh
# `k8sc image` on a private runtime root: import a busybox archive (and a
# second tag of it), list, remove by name, and a clear error for a file
# that is not an image archive.
# Usage: k8sc_image.sh K8SC EXAMPLES_DIR
K8SC=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/k8sc-image.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
[ -x /bin/busybox ] || { echo "SKIPPED: needs /bin/busybox"; exit 0; }
sh "$2/images/build-busybox-image.sh" "$TMP/a.tar" busybox:1.36 >/dev/null || { echo "FAIL: image script"; exit 1; }
sh "$2/images/build-busybox-image.sh" "$TMP/b.tar" me/tools:v2 >/dev/null || { echo "FAIL: image script"; exit 1; }
k() { "$K8SC" --root-dir "$TMP/rt" "$@" >"$TMP/out" 2>"$TMP/err"; }

k image import "$TMP/a.tar" "$TMP/b.tar" || fail "import: $(cat "$TMP/err")"
grep -qx "imported docker.io/library/busybox:1.36" "$TMP/out" || fail "import output: $(cat "$TMP/out")"
grep -qx "imported docker.io/me/tools:v2" "$TMP/out" || fail "import output: $(cat "$TMP/out")"
k image ls || fail "ls: $(cat "$TMP/err")"
grep -Eq '^docker.io/library/busybox +1.36 +[0-9a-f]{12} +[0-9.]+MB$' "$TMP/out" || fail "ls: $(cat "$TMP/out")"
grep -Eq '^docker.io/me/tools +v2 ' "$TMP/out" || fail "ls: $(cat "$TMP/out")"
k image rm busybox:1.36 || fail "rm: $(cat "$TMP/err")"
k image ls
grep -q busybox "$TMP/out" && fail "busybox still listed after rm: $(cat "$TMP/out")"
grep -q 'me/tools' "$TMP/out" || fail "me/tools gone too: $(cat "$TMP/out")"
k image import /etc/hostname
[ $? = 1 ] || fail "importing a non-archive should fail"
grep -q "not an image archive" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"
k image rm nothing:here
[ $? = 1 ] || fail "removing a missing image should fail"
exit $FAILED
