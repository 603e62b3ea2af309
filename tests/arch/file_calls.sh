#!/usr/bin/env bash
# Print the calls between source files as "caller callee" lines, from the
# symbols their objects define and use: OBJ... are object files built
# from one layer's sources.  A file that calls another in its own layer
# appears once per callee, whatever the number of calls.
set -euo pipefail

defs=$(mktemp)
trap 'rm -f "$defs"' EXIT

name_of() { basename "$1" .o | sed 's/\.c$//'; }

for obj in "$@"; do
	nm --defined-only -g "$obj" |
		awk -v f="$(name_of "$obj")" 'NF == 3 { print $3, f }'
done >"$defs"

for obj in "$@"; do
	nm -u "$obj" | awk '{ print $NF }' |
		awk -v f="$(name_of "$obj")" 'NR == FNR { at[$1] = $2; next }
			($1 in at) && at[$1] != f { print f, at[$1] }' "$defs" -
done | sort -u
