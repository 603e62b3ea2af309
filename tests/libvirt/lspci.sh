#!/usr/bin/env bash
# lspci (pciutils 3.9, sysfs access) inside mdevfs-run with the NVIDIA
# boards (T4, P40, M10, an A40 with two VFs) and GVT-g:
#   - lspci -nnk names every emulated board: IDs, class, revision,
#     subsystem, "Kernel driver in use" (names from Debian 12's pci.ids);
#     with --layout=full it shows exactly those boards, and in the
#     default layout the same lines for each of them (the emulated
#     0000:00:02.0 hides the host's device of that address);
#   - lspci -vvv decodes each NVIDIA board's PCIe capability (Endpoint,
#     or Legacy Endpoint) with the link sysfs shows (LnkCap =
#     max_link_*, LnkSta = current_link_*),
#     the A40 PF's SR-IOV capability with the sriov_* files' values,
#     GVT-g's PCIe capability, and every board's IOMMU group;
#   - lspci -x is the first 64 bytes of the config file, lspci -xxxx
#     (root, which the command is in the runner's namespace) the whole
#     file.
# All of it needs /sys/bus/pci/devices/<bdf>/config (from the PCI core).
# Environment: MDEVFS_RUN; PLUGIN_DIR, the built backends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2054 # a40,vfs=2 is one argument
BACKENDS=(-b nvidia:board=t4 -b nvidia:board=p40 -b nvidia:board=m10
	-b nvidia:board=a40,vfs=2 -b gvtg)

# What lspci -nnk must print for each board (without "Kernel modules:",
# which depends on the host's modules.alias).
expected_nnk() {
	local gvt='VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e92]'
	local t4='3D controller [0302]: NVIDIA Corporation TU104GL [Tesla T4] [10de:1eb8] (rev a1)'
	local p40='3D controller [0302]: NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)'
	local m10='VGA compatible controller [0300]: NVIDIA Corporation GM107GL [Tesla M10] [10de:13bd] (rev a2)'
	local a40='3D controller [0302]: NVIDIA Corporation GA102GL [A40] [10de:2235] (rev a1)'
	local nv=$'\tKernel driver in use: nvidia' d

	printf '%s\n' "00:02.0 $gvt" \
		$'\tSubsystem: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:2212]' \
		$'\tKernel driver in use: i915'
	printf '%s\n' "3b:00.0 $t4" \
		$'\tSubsystem: NVIDIA Corporation TU104GL [Tesla T4] [10de:12a2]' "$nv"
	for d in 41:00.0 41:00.4 41:00.5; do
		printf '%s\n' "$d $a40" \
			$'\tSubsystem: NVIDIA Corporation GA102GL [A40] [10de:145a]' "$nv"
	done
	printf '%s\n' "82:00.0 $p40" \
		$'\tSubsystem: NVIDIA Corporation GP102GL [Tesla P40] [10de:11d9]' "$nv"
	for d in 84:00.0 85:00.0 86:00.0 87:00.0; do
		printf '%s\n' "$d $m10" $'\tSubsystem: NVIDIA Corporation Tesla M10 [10de:1160]' "$nv"
	done
}
BOARDS=(0000:00:02.0 0000:3b:00.0 0000:41:00.0 0000:41:00.4 0000:41:00.5
	0000:82:00.0 0000:84:00.0 0000:85:00.0 0000:86:00.0 0000:87:00.0)

failures=0
bad() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
good() { echo "ok   $*"; }

# lspci with its stderr checked: nothing but libkmod's complaint about
# a host without modules may appear there (pcilib's "Cannot open" would).
run_lspci() {
	local err

	err=$(mktemp)
	OUT=$(lspci "$@" 2>"$err") || bad "lspci $*: exit status $?"
	# (no grep -q at the end of a pipe: pipefail would see SIGPIPE)
	if [[ -n $(grep -v 'libkmod' "$err") ]]; then
		bad "lspci $*: $(grep -v libkmod "$err" | sort -u | tr '\n' ' ')"
	fi
	rm -f "$err"
	OUT=$(grep -v $'^\tKernel modules:' <<<"$OUT" || true)
}

# The block of one board in expected_nnk.
expected_block() {
	expected_nnk | awk -v d="${1#0000:}" '
		/^[^\t]/ { on = (index($0, d " ") == 1) } on'
}

# GT/s as lspci writes it from the sysfs form ("16.0 GT/s PCIe").
speed() {
	local s=${1%% GT/s*}

	echo "${s%.0}GT/s"
}

hexdump_of() { od -An -tx1 -v "$@" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }
lspci_bytes() { sed -n 's/^[0-9a-f]*0: //p' <<<"$1" | tr -s ' \n' ' ' | sed 's/ $//'; }

inside() {
	local layout=$1 d cfg want size t got

	for d in "${BOARDS[@]}"; do
		[[ -e /sys/bus/pci/devices/$d/config ]] ||
			echo "NOTE: /sys/bus/pci/devices/$d/config does not exist: needs PCI config (branch wip-pci)"
	done

	if [[ $layout == full ]]; then
		run_lspci -nnk
		want=$(expected_nnk)
		if [[ $OUT == "$want" ]]; then
			good "[full] lspci -nnk shows exactly the emulated boards"
		else
			bad "[full] lspci -nnk differs:"
			diff <(echo "$want") <(echo "$OUT") | sed 's/^/      /' || true
		fi
		return 0
	fi

	for d in "${BOARDS[@]}"; do
		run_lspci -nnk -s "$d"
		want=$(expected_block "$d")
		if [[ $OUT == "$want" ]]; then
			good "lspci -nnk -s $d: ${OUT%%$'\n'*}"
		else
			bad "lspci -nnk -s $d: got '$OUT', expected '$want'"
		fi

		run_lspci -vvv -s "$d"
		t=/sys/bus/pci/devices/$d
		if grep -q $'^\tIOMMU group: [0-9]' <<<"$OUT"; then
			good "lspci -vvv -s $d: $(grep -m1 'IOMMU group' <<<"$OUT" | tr -d '\t')"
		else
			bad "lspci -vvv -s $d: no IOMMU group"
		fi
		if [[ $d == 0000:00:02.0 ]]; then
			if grep -q 'Capabilities: \[[0-9a-f]*\] Express (v2)' <<<"$OUT"; then
				good "lspci -vvv -s $d: $(grep -m1 'Express' <<<"$OUT" | tr -d '\t')"
			else
				bad "lspci -vvv -s $d: no PCIe capability decoded"
			fi
		else
			# (a VGA-class board such as the M10 may be a Legacy
			# Endpoint, as GPUs with I/O BARs often are)
			if grep -qE 'Capabilities: \[[0-9a-f]*\] Express \(v2\) (Legacy )?Endpoint' <<<"$OUT"; then
				good "lspci -vvv -s $d: $(grep -m1 -o 'Express (v2) [A-Za-z ]*Endpoint' <<<"$OUT")"
			else
				bad "lspci -vvv -s $d: no PCIe Endpoint capability decoded"
			fi
			if [[ -e $t/max_link_speed && -e $t/current_link_speed ]]; then
				want="LnkCap:.*Speed $(speed "$(<"$t/max_link_speed")"), Width x$(<"$t/max_link_width"),"
				if grep -qE $'^\t\t'"$want" <<<"$OUT"; then
					good "lspci -vvv -s $d: $(grep -m1 -o 'LnkCap:.*Width x[0-9]*' <<<"$OUT")"
				else
					bad "lspci -vvv -s $d: no '$want' in: $(grep 'LnkCap:' <<<"$OUT" || echo no LnkCap)"
				fi
				want="LnkSta:.*Speed $(speed "$(<"$t/current_link_speed")")( \([a-z]+\))?, Width x$(<"$t/current_link_width")"
				if grep -qE $'^\t\t'"$want" <<<"$OUT"; then
					good "lspci -vvv -s $d: $(grep -m1 -o 'LnkSta:.*Width x[0-9]*' <<<"$OUT")"
				else
					bad "lspci -vvv -s $d: no '$want' in: $(grep 'LnkSta:' <<<"$OUT" || echo no LnkSta)"
				fi
			else
				bad "$t has no max_link_speed/current_link_speed to check the link against"
			fi
		fi
		if [[ $d == 0000:41:00.0 ]]; then
			want="Total VFs: $(<"$t/sriov_totalvfs"), Number of VFs: $(<"$t/sriov_numvfs"),"
			if grep -q 'Single Root I/O Virtualization (SR-IOV)' <<<"$OUT" &&
				grep -qF "$want" <<<"$OUT"; then
				good "lspci -vvv -s $d: SR-IOV, $want"
			else
				bad "lspci -vvv -s $d: no SR-IOV capability with '$want'"
			fi
			want="VF offset: $(<"$t/sriov_offset"), stride: $(<"$t/sriov_stride"), Device ID: $(sed 's/^0x//' "$t/sriov_vf_device")"
			if grep -qF "$want" <<<"$OUT"; then
				good "lspci -vvv -s $d: $want"
			else
				bad "lspci -vvv -s $d: no '$want' in: $(grep 'VF offset' <<<"$OUT" || echo no VF offset)"
			fi
		fi

		cfg=$t/config
		if [[ ! -r $cfg ]]; then
			bad "lspci -x -s $d: no $cfg to compare with"
			continue
		fi
		run_lspci -x -s "$d"
		got=$(lspci_bytes "$OUT")
		want=$(hexdump_of -N64 "$cfg")
		if [[ $got == "$want" ]]; then
			good "lspci -x -s $d: the config file's first 64 bytes"
		else
			bad "lspci -x -s $d: '$got', config: '$want'"
		fi
		size=$(stat -c %s "$cfg")
		run_lspci -xxxx -s "$d"
		got=$(lspci_bytes "$OUT")
		want=$(hexdump_of "$cfg")
		if [[ $got == "$want" && $size == 4096 ]]; then
			good "lspci -xxxx -s $d: the config file's 4096 bytes"
		else
			bad "lspci -xxxx -s $d: $(wc -w <<<"$got") bytes shown, config $size bytes$([[ $got == "$want" ]] || echo ', differing')"
		fi
	done
}

if [[ ${1-} == --inside ]]; then
	inside "$2"
	((failures == 0)) || exit 1
	exit 0
fi

need_fuse
need_cmds lspci
rc=0
sandbox ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} "${BACKENDS[@]}" -- \
	bash "$here/lspci.sh" --inside default || rc=1
sandbox ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} --layout=full "${BACKENDS[@]}" -- \
	bash "$here/lspci.sh" --inside full || rc=1
if ((rc)); then
	echo "FAIL: lspci does not see the emulated boards as a real host's" >&2
	exit 1
fi
echo "lspci: every emulated board as on a real host"
