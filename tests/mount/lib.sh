# Shared by the mount tests written in bash (source it).

# mounted DIR [FSTYPE]: is there a mount (of that type) at DIR?
mounted() {
	awk -v m="$1" -v t="${2:-}" '
		{ for (i = 7; i <= NF; i++) if ($i == "-") { type = $(i + 1); break } }
		$5 == m && (t == "" || type == t) { found = 1 }
		END { exit !found }' /proc/self/mountinfo
}
