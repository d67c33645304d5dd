#!/bin/sh
# Every public header must compile on its own, strictly, as C11 and as C++ would include it.
set -eu
cc=$1
inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for h in "$inc"/k8sc/*.h "$inc"/k8sc/sys/*.h; do
    [ -f "$h" ] || continue
    rel=${h#"$inc"/}
    printf '#include <%s>\nint k8sc_header_check_dummy;\n' "$rel" > "$tmp/t.c"
    if "$cc" -std=c11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"; then
        echo "ok   $rel"
    else
        echo "FAIL $rel"
        status=1
    fi
done
exit $status
