#!/bin/sh
# The plugin ABI is exactly include/mdevfs/mdev.h (issue #19).
#
# usage: [NM=nm] [READELF=readelf] exports.sh CC HEADER PROGRAM [PLUGIN.so ...]
#
# Compares the dynamic symbols PROGRAM defines with the functions and
# objects HEADER declares, both ways, and checks that each PLUGIN.so
# defines mdevfs_plugin and nothing else.  Prints one line per symbol that
# is exported but not declared, or declared but not exported, and exits 1
# if there is any.
#
# The header is read through the C preprocessor (CC -E), so comments,
# macro bodies and line continuations never reach the parser; only the
# text that comes from HEADER itself (by the preprocessor's line markers)
# is parsed, not what it includes.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 CC HEADER PROGRAM [PLUGIN.so ...]" >&2
	exit 2
fi
cc=$1 header=$2 program=$3
nm=${NM:-nm} readelf=${READELF:-readelf}
shift 3

work=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-abi.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# The names HEADER declares, one a line: "NAME marked" when the
# declaration carries MDEVFS_API (visibility "default" once expanded),
# else "NAME unmarked".  Statements end at a ';' outside braces and
# parentheses; those with a body (struct, enum, union definitions),
# typedefs and bare tags (struct x;) declare no symbol.
declared_names() {
	"$cc" -E -x c "$header" | awk -v want="$header" '
	/^# [0-9]+ "/ {
		file = $0  # the name may hold blanks: take it between the quotes
		sub(/^# [0-9]+ "/, "", file)
		sub(/"[^"]*$/, "", file)
		inside = (file == want)
		next
	}
	/^#/ { next }
	inside { text = text " " $0 }
	function strip_attributes(s,    i, c, depth, start, out) {
		out = ""
		while ((start = index(s, "__attribute__")) > 0) {
			out = out substr(s, 1, start - 1)
			s = substr(s, start + length("__attribute__"))
			depth = 0
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (c == "(")
					depth++
				else if (c == ")" && --depth == 0)
					break
			}
			s = substr(s, i + 1)
		}
		return out s
	}
	function declare(stmt,    plain, name, marked) {
		if (stmt ~ /[{}]/ || stmt ~ /^[ \t]*typedef[ \t]/)
			return
		if (stmt ~ /^[ \t]*(struct|union|enum)[ \t]+[A-Za-z_0-9]+[ \t]*$/)
			return
		if (stmt ~ /^[ \t]*$/)
			return
		marked = (stmt ~ /visibility[ \t]*\([ \t]*"default"/)
		plain = strip_attributes(stmt)
		gsub(/\[[^]]*\]/, "", plain)  # an array object: x[]
		if (index(plain, "(") > 0)
			plain = substr(plain, 1, index(plain, "(") - 1)
		if (!match(plain, /[A-Za-z_][A-Za-z_0-9]*[ \t]*$/)) {
			printf "cannot parse declaration: %s\n", stmt > "/dev/stderr"
			bad = 1
			return
		}
		name = substr(plain, RSTART, RLENGTH)
		gsub(/[ \t]/, "", name)
		print name, (marked ? "marked" : "unmarked")
	}
	END {
		braces = 0; parens = 0; stmt = ""
		for (i = 1; i <= length(text); i++) {
			c = substr(text, i, 1)
			if (c == "{") braces++
			else if (c == "}") braces--
			else if (c == "(") parens++
			else if (c == ")") parens--
			if (c == ";" && braces == 0 && parens == 0) {
				declare(stmt)
				stmt = ""
			} else {
				stmt = stmt c
			}
		}
		exit bad
	}'
}

# What a linked program defines whatever its sources say: the start
# files' and the linker's own symbols, and under ASan the indicator that
# the compiler adds beside each exported variable (__odr_asan.NAME, for
# its one-definition check), which goes with NAME, checked on its own.
toolchain='^(_start|_IO_stdin_used|__bss_start|__data_start|data_start|_edata|_end|_init|_fini|__odr_asan[._].*)$'

# Objects of a library that the program refers to (stderr, the sanitizer
# runtime's flags) are copied into it and so show as defined there; their
# copy relocations say they are the library's, not ours.
copied_names() {
	"$readelf" -rW "$1" | awk '$3 ~ /_COPY$/ { n = $5; sub(/@.*/, "", n); print n }' |
		sort -u
}

exported_names() {
	copied_names "$1" >"$work/copied"
	"$nm" -D --defined-only "$1" | awk '{ n = $NF; sub(/@.*/, "", n); print n }' |
		grep -Ev "$toolchain" | sort -u | comm -23 - "$work/copied"
}

declared_names >"$work/declared" || {
	echo "FAIL: cannot read the declarations of $header" >&2
	exit 2
}
[ -s "$work/declared" ] || { echo "FAIL: no declarations found in $header" >&2; exit 2; }
cut -d' ' -f1 "$work/declared" | sort -u >"$work/api"
exported_names "$program" >"$work/exported" || exit 2

status=0
for name in $(comm -13 "$work/api" "$work/exported"); do
	echo "FAIL: $program exports $name, which $header does not declare"
	status=1
done
for name in $(comm -23 "$work/api" "$work/exported"); do
	how=$(awk -v n="$name" '$1 == n { print $2 }' "$work/declared")
	hint=
	[ "$how" = unmarked ] && hint=" (its declaration lacks MDEVFS_API)"
	echo "FAIL: $header declares $name, which $program does not export$hint"
	status=1
done
echo "$program: $(wc -l <"$work/exported") exported, $(wc -l <"$work/api") declared"

for plugin in "$@"; do
	extra=$(exported_names "$plugin" | grep -vx mdevfs_plugin)
	for name in $extra; do
		echo "FAIL: $plugin exports $name (a backend exports only mdevfs_plugin)"
		status=1
	done
	if ! exported_names "$plugin" | grep -qx mdevfs_plugin; then
		echo "FAIL: $plugin does not export mdevfs_plugin"
		status=1
	fi
done
[ $# -gt 0 ] && echo "$# plugins checked"
exit $status
