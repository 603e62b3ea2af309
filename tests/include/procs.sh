# Shared by the shell suites (source it): the processes of a run.

# procs_with TEXT: processes (pid and command line) with TEXT in an
# argument; like pgrep -af, without needing procps.
procs_with() {
	local f

	for f in /proc/[0-9]*/cmdline; do
		grep -qaF -- "$1" "$f" 2>/dev/null || continue
		f=${f%/cmdline}
		echo "${f#/proc/} $(tr '\0' ' ' <"$f/cmdline" 2>/dev/null)"
	done
}
