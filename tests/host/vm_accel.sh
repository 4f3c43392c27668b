#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `ktstr vm` falling back from a failing KVM to TCG. A fake QEMU
# (KTSTR_QEMU) fails under `-accel kvm` the way some hosts do: it aborts
# with "failed to set MSR 0x10a" (FAKE_KVM=abort), or says "KVM internal
# error" on stderr (FAKE_KVM=internal) or on the console (FAKE_KVM=console)
# and hangs; or it pretends KVM works (FAKE_KVM=works: it boots TCG in its
# place). Every other boot goes to the real QEMU. Checked: the fallback and
# its one line, QEMU's first error line, the one accelerator line of every
# run, the guest learning its accelerator (KTSTR_VM_ACCEL), the verdict
# kept in the cache and used by the next run, a QEMU upgrade probing
# again, and KTSTR_ACCEL forcing either way.
#
# Boots about six TCG guests (each a few seconds). Each run gets a cache
# of its own ($KTSTR_CACHE) whose kernels/ points at the real one.
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}
real_cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

if [ ! -x "$K" ]; then
	echo "not ok - vm accel: $K not built (make all)"
	exit 1
fi
if [ ! -r "$real_cache/kernels/default/vmlinuz" ] || [ ! -r kmod/ktstr.ko ]; then
	echo "ok - vm accel: # SKIP no test kernel or module (make deps all)"
	exit 0
fi
real_qemu=$(command -v qemu-system-x86_64)
if [ -z "$real_qemu" ]; then
	echo "ok - vm accel: # SKIP no qemu-system-x86_64 (make deps)"
	exit 0
fi
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
failed=0

cat >"$d/qemu" <<'EOF'
#!/bin/sh
# Fake QEMU for tests/host/vm_accel.sh.
accel=
prev=
for a in "$@"; do
	[ "$prev" = -accel ] && accel=$a
	prev=$a
done
echo "accel=$accel" >>"$FAKE_LOG"
if [ "$accel" = kvm ]; then
	case $FAKE_KVM in
	abort)
		echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
		echo "qemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion failed." >&2
		kill -ABRT $$
		;;
	internal)
		echo "KVM internal error. Suberror: 1" >&2
		echo "emulation failure" >&2
		exec sleep 600
		;;
	console)
		echo "KVM internal error. Suberror: 3"
		exec sleep 600
		;;
	works)
		# KVM "works": boot TCG in its place.
		n=$#
		while [ "$n" -gt 0 ]; do
			a=$1
			shift
			case $a in
			kvm) a=tcg,thread=single ;;
			host) a=max ;;
			esac
			set -- "$@" "$a"
			n=$((n - 1))
		done
		;;
	esac
fi
exec "$REAL_QEMU" "$@"
EOF
chmod +x "$d/qemu"
export REAL_QEMU="$real_qemu" FAKE_LOG="$d/qemu.log" KTSTR_QEMU="$d/qemu"
unset KTSTR_ACCEL

# A fresh cache: newcache NAME
newcache() {
	mkdir -p "$d/$1"
	ln -sfn "$real_cache/kernels" "$d/$1/kernels"
}

# vm CACHE FAKE_KVM [ENV=VALUE...]: one ktstr vm run; sets rc and secs.
vm() {
	c=$1
	fk=$2
	shift 2
	: >"$FAKE_LOG"
	t0=$(date +%s)
	env KTSTR_CACHE="$d/$c" FAKE_KVM="$fk" "$@" "$K" vm --timeout 120 -- \
		sh -c 'echo guest-accel=$KTSTR_VM_ACCEL' >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
}

verdict() {
	cat "$d/$1"/accel/* 2>/dev/null | head -n 1
}

check() {
	if [ -z "$2" ]; then
		echo "ok - vm accel: $1"
	else
		echo "not ok - vm accel: $1: $2"
		sed 's/^/#   stdout: /' "$d/out" | tail -n 5
		sed 's/^/#   stderr: /' "$d/err" | head -n 8
		sed 's/^/#   qemu: /' "$FAKE_LOG"
		failed=1
	fi
}

# The "accelerator" line on stderr; naccel: how many there are (one a run).
accel_line() {
	grep '^ktstr vm: accelerator ' "$d/err" | tail -n 1
}
naccel() {
	grep -c '^ktstr vm: accelerator ' "$d/err"
}

# --- A: KVM aborts at start (MSR 0x10a): fall back, say so, remember. ---
newcache a
vm a abort
if grep -q 'accelerator tcg (no usable /dev/kvm)' "$d/err"; then
	echo "ok - vm accel: # SKIP the KVM probe fails on this host: no KVM attempt to fall back from"
	kvm_probe=no
else
	kvm_probe=yes
	why=""
	nfb=$(grep -c 'falling back to TCG' "$d/err")
	if [ "$rc" != 0 ]; then
		why="exit $rc, want 0"
	elif ! grep -qx 'guest-accel=tcg' "$d/out"; then
		why="the guest did not see KTSTR_VM_ACCEL=tcg"
	elif [ "$nfb" != 1 ]; then
		why="$nfb fallback lines, want one"
	elif ! grep -q "KVM failed before the guest's init (qemu killed by signal 6: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69); falling back to TCG" "$d/err"; then
		why="the fallback line does not quote QEMU's first error line"
	elif [ "$(naccel)" != 1 ] ||
	     ! accel_line | grep -q "^ktstr vm: accelerator tcg (KVM failed before the guest's init)"; then
		why="$(naccel) accelerator lines, the last '$(accel_line)'; want one, tcg"
	elif [ "$(tr '\n' ' ' <"$FAKE_LOG")" != "accel=kvm accel=tcg,thread=single " ]; then
		why="QEMU ran as: $(tr '\n' ' ' <"$FAKE_LOG")"
	elif [ "$(verdict a)" != tcg ]; then
		why="cached verdict '$(verdict a)', want tcg"
	elif ls "$d/a/accel/" | grep -q tmp; then
		why="a temp file was left in the cache"
	fi
	check "KVM aborting before init (MSR 0x10a): falls back to TCG, says so once, caches tcg" "$why"

	# --- B: the next run uses the verdict: no KVM attempt. ---
	vm a abort
	why=""
	if [ "$rc" != 0 ]; then
		why="exit $rc, want 0"
	elif grep -q 'accel=kvm' "$FAKE_LOG"; then
		why="KVM was tried again"
	elif grep -q 'falling back' "$d/err"; then
		why="it fell back again"
	elif [ "$(naccel)" != 1 ] ||
	     ! accel_line | grep -q 'accelerator tcg (KVM failed on this host before'; then
		why="accelerator line '$(accel_line)'"
	fi
	check "the cached verdict: the next run boots TCG at once and says why" "$why"

	# --- C: KTSTR_ACCEL=kvm overrides the verdict; QEMU's error shown. ---
	vm a abort KTSTR_ACCEL=kvm
	why=""
	if [ "$rc" != 125 ]; then
		why="exit $rc, want 125"
	elif [ "$(tr '\n' ' ' <"$FAKE_LOG")" != "accel=kvm " ]; then
		why="QEMU ran as: $(tr '\n' ' ' <"$FAKE_LOG")"
	elif grep -q 'falling back' "$d/err"; then
		why="it fell back though KVM was forced"
	elif ! grep -q '^ktstr vm: qemu killed by signal 6: qemu-system-x86_64: error: failed to set MSR 0x10a' "$d/err"; then
		why="no 'qemu killed by signal 6: <QEMU's first error line>'"
	elif [ "$(naccel)" != 1 ] || ! accel_line | grep -q 'accelerator kvm (forced by KTSTR_ACCEL=kvm)'; then
		why="accelerator line '$(accel_line)'"
	fi
	check "KTSTR_ACCEL=kvm forces KVM over a tcg verdict: exit 125 with QEMU's first error line" "$why"

	# --- E: a QEMU upgrade probes again; "KVM internal error" while hung. ---
	echo "# upgraded" >>"$d/qemu"
	vm a internal
	why=""
	if [ "$rc" != 0 ]; then
		why="exit $rc, want 0"
	elif [ "$(tr '\n' ' ' <"$FAKE_LOG")" != "accel=kvm accel=tcg,thread=single " ]; then
		why="QEMU ran as: $(tr '\n' ' ' <"$FAKE_LOG") (a new QEMU must be probed again)"
	elif ! grep -q "KVM failed before the guest's init (QEMU: KVM internal error. Suberror: 1); falling back to TCG" "$d/err"; then
		why="no fallback line naming the KVM internal error"
	elif [ "$secs" -ge 100 ]; then
		why="took ${secs}s: the hung QEMU was not stopped at its error"
	elif ! grep -qx 'guest-accel=tcg' "$d/out"; then
		why="the guest did not see KTSTR_VM_ACCEL=tcg"
	elif [ "$(naccel)" != 1 ]; then
		why="$(naccel) accelerator lines, want one"
	elif [ "$(ls "$d/a/accel" | wc -l)" != 2 ]; then
		why="$(ls "$d/a/accel" | wc -l) verdict files, want 2 (one per QEMU)"
	fi
	check "a new QEMU binary is probed again; 'KVM internal error' from a hung QEMU falls back at once (${secs}s)" "$why"

	# --- H: "KVM internal error" on the console before init, hung. ---
	newcache h
	vm h console
	why=""
	if [ "$rc" != 0 ]; then
		why="exit $rc, want 0"
	elif ! grep -q "KVM failed before the guest's init (QEMU: KVM internal error. Suberror: 3); falling back to TCG" "$d/err"; then
		why="no fallback line naming the KVM internal error"
	elif [ "$secs" -ge 100 ]; then
		why="took ${secs}s: the hung QEMU was not stopped at its error"
	elif [ "$(verdict h)" != tcg ]; then
		why="cached verdict '$(verdict h)', want tcg"
	fi
	check "'KVM internal error' on the console before init falls back at once (${secs}s)" "$why"

	# --- F: KVM that works: kvm verdict cached. ---
	newcache f
	vm f works
	why=""
	if [ "$rc" != 0 ]; then
		why="exit $rc, want 0"
	elif ! grep -qx 'guest-accel=kvm' "$d/out"; then
		why="the guest did not see KTSTR_VM_ACCEL=kvm"
	elif grep -q 'falling back' "$d/err"; then
		why="it fell back"
	elif [ "$(naccel)" != 1 ] ||
	     ! accel_line | grep -q '^ktstr vm: accelerator kvm (the KVM probe passed)'; then
		why="accelerator line '$(accel_line)'"
	elif [ "$(verdict f)" != kvm ]; then
		why="cached verdict '$(verdict f)', want kvm"
	fi
	check "a working KVM: booted with it, verdict kvm cached" "$why"
fi

# --- D: KTSTR_ACCEL=tcg: no KVM attempt, nothing cached. ---
newcache t
vm t abort KTSTR_ACCEL=tcg
why=""
if [ "$rc" != 0 ]; then
	why="exit $rc, want 0"
elif grep -q 'accel=kvm' "$FAKE_LOG"; then
	why="KVM was tried"
elif [ "$(naccel)" != 1 ] || ! accel_line | grep -q 'accelerator tcg (forced by KTSTR_ACCEL=tcg)'; then
	why="accelerator line '$(accel_line)'"
elif [ -e "$d/t/accel" ]; then
	why="a forced choice was cached"
elif ! grep -qx 'guest-accel=tcg' "$d/out"; then
	why="the guest did not see KTSTR_VM_ACCEL=tcg"
fi
check "KTSTR_ACCEL=tcg: TCG at once, one accelerator line, nothing cached" "$why"

# --- G: a bad KTSTR_ACCEL is one line and exit 125, before any boot. ---
vm t abort KTSTR_ACCEL=hvf
why=""
if [ "$rc" != 125 ]; then
	why="exit $rc, want 125"
elif [ "$(wc -l <"$d/err")" != 1 ] || ! grep -q "KTSTR_ACCEL must be kvm or tcg, not 'hvf'" "$d/err"; then
	why="stderr is not one line naming the bad value"
elif [ -s "$FAKE_LOG" ]; then
	why="QEMU ran"
fi
check "KTSTR_ACCEL=hvf: one line, exit 125, no boot" "$why"

exit $failed
