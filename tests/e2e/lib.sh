# Shared set-up of the kubectl end-to-end scripts; source it after setting
# APISERVER and KUBECTL. It starts k8sc-apiserver on a free loopback port
# with a fresh SQLite store in a private $TMP, writes a throw-away
# kubeconfig, gives kubectl a private HOME and discovery cache, and on exit
# kills what it started (by PID; a script's own background processes go in
# WATCH_PID or EXTRA_PIDS) and removes $TMP. Helpers: k, expect_ok, expect_out,
# expect_match, fail; FAILED is 1 once anything failed.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/k8sc-e2e.XXXXXX") || exit 1
SERVER_PID=
WATCH_PID=
EXTRA_PIDS=
FAILED=0

cleanup() {
    [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
    for pid in $EXTRA_PIDS; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*" >&2
    FAILED=1
}

# k ARGS...: kubectl, bounded in time, stdout to $TMP/out, stderr to $TMP/err; returns its status.
k() {
    timeout 30 "$KUBECTL" "$@" >"$TMP/out" 2>"$TMP/err"
}

expect_ok() {
    k "$@" || fail "kubectl $* exited $?: $(cat "$TMP/err")"
}

# expect_out TEXT: stdout equals TEXT exactly.
expect_out() {
    [ "$(cat "$TMP/out")" = "$1" ] || fail "expected output [$1], got [$(cat "$TMP/out")]"
}

# expect_match REGEX FILE: some line of FILE matches the extended REGEX.
expect_match() {
    grep -Eq -- "$1" "$2" || fail "no line of $(basename "$2") matches /$1/:
$(cat "$2")"
}

# --- start the server --------------------------------------------------------
"$APISERVER" --listen 127.0.0.1:0 --store "sqlite:$TMP/k8sc.db" >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
PORT=
i=0
while [ $i -lt 100 ]; do
    PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMP/server.out")
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$PORT" ]; then
    echo "FAIL: k8sc-apiserver did not start: $(cat "$TMP/server.err")" >&2
    exit 1
fi

cat >"$TMP/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8sc
  cluster:
    server: http://127.0.0.1:$PORT
users:
- name: anonymous
  user: {}
contexts:
- name: k8sc
  context:
    cluster: k8sc
    user: anonymous
    namespace: default
current-context: k8sc
EOF
# A private HOME and discovery cache: nothing read from or left in the user's ~/.kube.
HOME=$TMP
KUBECONFIG=$TMP/kubeconfig
KUBECACHEDIR=$TMP/cache
export HOME KUBECONFIG KUBECACHEDIR

# start_manager PATH: run k8sc-controller-manager (no leader election) against the server;
# its output goes to $TMP/cm.out and $TMP/cm.err, its PID to EXTRA_PIDS.
start_manager() {
    "$1" --kubeconfig "$KUBECONFIG" --leader-elect=false >"$TMP/cm.out" 2>"$TMP/cm.err" &
    EXTRA_PIDS="$EXTRA_PIDS $!"
}
