# Shared set-up of the scripts that run a `k8sc up` cluster on runc; source
# it after setting K8SC, KUBECTL and EX (the examples directory). It skips
# (exit 0) without root, runc or /bin/busybox; runs the script again inside
# a network namespace of its own (removed afterwards); makes a private $TMP with the
# cluster's directory $DIR (a busybox image in $DIR/images), a private HOME
# and KUBECONFIG=$DIR/kubeconfig; on exit stops the cluster (UP_PID), runs
# `k8sc down` and removes $TMP. Helpers: fail, k, expect_ok, start_up NODE,
# stop_up.
if [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null || [ ! -x /bin/busybox ]; then
    echo "SKIPPED: needs root, runc and /bin/busybox"
    exit 0
fi
# The cluster's pod bridge, Service rules and addresses live in a network
# namespace of the test's own, deleted at the end.
# (unshare, not `ip netns exec`: that remounts /sys and hides the cgroup
# mounts runc needs); the namespace goes when its last process exits.
if [ -z "$K8SC_E2E_NETNS" ]; then
    K8SC_E2E_NETNS=1 exec unshare --net sh -c 'ip link set lo up && exec sh "$0" "$@"' "$0" "$@"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/k8sc-up.XXXXXX") || exit 1
DIR=$TMP/cluster
UP_PID=
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
# stop_up: SIGTERM the cluster (UP_PID) and wait for it to end; one that has
# not ended in 90 s fails the test with its last log lines and is killed.
stop_up() {
    kill "$UP_PID" 2>/dev/null
    i=0
    # (A zombie is gone enough: `wait` reaps it below.)
    while [ -r "/proc/$UP_PID/stat" ] && ! grep -q ') Z ' "/proc/$UP_PID/stat" 2>/dev/null && [ $i -lt 450 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    if [ $i -ge 450 ]; then
        fail "k8sc up (pid $UP_PID) did not stop within 90 s: $(tail -5 "$TMP/up.err")"
        kill -KILL "$UP_PID"
    fi
    wait "$UP_PID" 2>/dev/null
    UP_PID=
}
cleanup() {
    [ -n "$UP_PID" ] && stop_up
    [ -d "$DIR" ] && "$K8SC" down --data-dir "$DIR" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
HOME=$TMP
KUBECONFIG=$DIR/kubeconfig
KUBECACHEDIR=$TMP/cache
export HOME KUBECONFIG KUBECACHEDIR
k() { timeout 90 "$KUBECTL" "$@" >"$TMP/out" 2>"$TMP/err"; }
expect_ok() { k "$@" || fail "kubectl $* exited $?: $(cat "$TMP/err")"; }

mkdir -p "$DIR/images"
sh "$EX/images/build-busybox-image.sh" "$DIR/images/busybox.tar" busybox:1.36 >/dev/null || { echo "FAIL: image"; exit 1; }

# start_up NODE: run `k8sc up` on $DIR in the background (UP_PID) and wait for its kubeconfig.
# $UP_ARGS adds flags (and may replace --listen).
start_up() {
    rm -f "$DIR/kubeconfig"
    # shellcheck disable=SC2086
    "$K8SC" up --data-dir "$DIR" --listen 127.0.0.1:0 --runtime runc --node-name "$1" $UP_ARGS \
        >>"$TMP/up.out" 2>>"$TMP/up.err" &
    UP_PID=$!
    i=0
    until [ -f "$DIR/kubeconfig" ] || [ $i -ge 300 ]; do
        kill -0 "$UP_PID" 2>/dev/null || break
        sleep 0.2
        i=$((i + 1))
    done
    [ -f "$DIR/kubeconfig" ] || { echo "FAIL: k8sc up did not come up: $(tail -5 "$TMP/up.err")"; exit 1; }
}
