#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: what an unprivileged local user (nobody, through setpriv) can
# make root's ktstr do in a shared, sticky temp dir (docs/security.md).
#  - `ktstr cleanup`: a FIFO planted as a temp dir's owner file must not
#    hang it, and a temp dir swapped for a symlink while it looks must not
#    make it empty the victim directory;
#  - `--json FILE`: a symlink planted at FILE must not be followed (the
#    victim keeps its content; the output is refused with one line).
# Each runs with fs.protected_symlinks at 0 and at 1 where this host lets
# us set it (many hosts, containers and VMs run with 0).
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-$(pwd)/build/ktstr}
name=root_safety

if [ ! -x "$K" ]; then
	echo "not ok - $name: $K not built (make all)"
	exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "ok - $name: # SKIP needs root and setpriv"
	exit 0
fi
d=$(mktemp -d) || exit 1
chmod 755 "$d"	# the user must reach the temp dir inside
ps_file=/proc/sys/fs/protected_symlinks
ps_old=$(cat "$ps_file" 2>/dev/null)
cleanup() {
	[ -z "$ps_old" ] || echo "$ps_old" >"$ps_file" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As the unprivileged user.
user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# A pid that is gone.
dead_pid() {
	sh -c 'exit 0' &
	p=$!
	wait "$p"
	echo "$p"
}

# A root-only victim directory with files a root process must not lose.
victim_dir() {
	rm -rf "$d/victim"
	mkdir -m 700 "$d/victim"
	echo precious >"$d/victim/a"
	echo precious >"$d/victim/b"
}

# One sticky, world-writable temp dir per case, like /tmp.
new_tmp() {
	rm -rf "$d/tmp"
	mkdir -m 1777 "$d/tmp"
}

# The FIFO attack on `ktstr cleanup` (protected_symlinks value $1).
cleanup_attack() {
	new_tmp
	victim_dir
	t=$d/tmp
	user sh -c "mkdir -m 700 '$t/ktstr-vm.x' && mkfifo '$t/ktstr-vm.x/owner'" ||
		{ echo "not ok - $name: cannot set up as nobody"; return; }
	# The user's side: once root blocks on the FIFO, swap the dir for a
	# symlink to the victim, then release root with a dead pid.
	pid=$(dead_pid)
	user sh -c "sleep 1; mv '$t/ktstr-vm.x' '$t/moved' &&
		ln -s '$d/victim' '$t/ktstr-vm.x' &&
		timeout 5 sh -c 'echo $pid > \"$t/moved/owner\"'" 2>/dev/null &
	attacker=$!
	start=$(date +%s)
	TMPDIR=$t timeout 10 "$K" cleanup --root "$d" >"$d/out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	wait "$attacker"
	if [ "$rc" = 124 ]; then
		echo "not ok - $name: cleanup (protected_symlinks=$1) blocked on a user's FIFO (killed after 10 s)"
	else
		echo "ok - $name: cleanup (protected_symlinks=$1) does not block on a user's FIFO (${secs}s, exit $rc)"
	fi
	if [ -f "$d/victim/a" ] && [ -f "$d/victim/b" ]; then
		echo "ok - $name: cleanup (protected_symlinks=$1) leaves a swapped-in victim dir alone"
	else
		echo "not ok - $name: cleanup (protected_symlinks=$1) emptied the victim dir through a swapped symlink"
		sed 's/^/#   /' "$d/out"
	fi
}

# A FIFO owner file that nobody ever writes: cleanup must still finish.
cleanup_fifo_hang() {
	new_tmp
	t=$d/tmp
	user sh -c "mkdir -m 700 '$t/ktstr-vm.y' && mkfifo '$t/ktstr-vm.y/owner'"
	TMPDIR=$t timeout 10 "$K" cleanup --root "$d" >"$d/out" 2>&1
	if [ "$?" = 124 ]; then
		echo "not ok - $name: cleanup hangs on a user's FIFO nobody writes (killed after 10 s)"
	elif [ -p "$t/ktstr-vm.y/owner" ]; then
		echo "ok - $name: cleanup finishes past a user's FIFO and leaves the user's dir alone"
	else
		echo "not ok - $name: cleanup removed a user's dir"
	fi
}

# A stale dir of root's own is still removed, a live one kept.
cleanup_still_works() {
	new_tmp
	t=$d/tmp
	mkdir -m 700 "$t/ktstr-vm.dead" "$t/ktstr-vm.live"
	dead_pid >"$t/ktstr-vm.dead/owner"
	echo x >"$t/ktstr-vm.dead/initramfs.cpio"
	echo $$ >"$t/ktstr-vm.live/owner"
	: >"$t/ktstr-sched.$(dead_pid).abcdef"
	: >"$t/ktstr-sched.$$.abcdef"
	user sh -c ": > '$t/ktstr-sched.$(dead_pid).user'"
	TMPDIR=$t timeout 10 "$K" cleanup --root "$d" >"$d/out" 2>&1
	left=$(cd "$t" && ls | sort | tr '\n' ' ')
	want="ktstr-sched.$$.abcdef ktstr-sched.*.user ktstr-vm.live "
	# shellcheck disable=SC2254
	case $left in
	ktstr-sched.$$.abcdef\ ktstr-sched.*.user\ ktstr-vm.live\ |ktstr-sched.*.user\ ktstr-sched.$$.abcdef\ ktstr-vm.live\ )
		echo "ok - $name: cleanup removes root's stale vm dir and scheduler log, keeps live ones and a user's file" ;;
	*)
		echo "not ok - $name: cleanup left '$left' (want $want)"
		sed 's/^/#   /' "$d/out" ;;
	esac
}

# The symlink attack on --json (protected_symlinks value $1).
json_attack() {
	new_tmp
	victim_dir
	t=$d/tmp
	printf '{ "version": 1, "results": [] }\n' >"$d/run.json"
	user ln -s "$d/victim/a" "$t/out.json"
	"$K" compare "$d/run.json" "$d/run.json" --json "$t/out.json" >"$d/out" 2>"$d/err"
	rc=$?
	if [ "$(cat "$d/victim/a")" = precious ] && [ "$rc" != 0 ] &&
	   [ "$(wc -l <"$d/err")" = 1 ] && grep -q 'symbolic link' "$d/err"; then
		echo "ok - $name: --json (protected_symlinks=$1) refuses a planted symlink, victim intact"
	else
		echo "not ok - $name: --json (protected_symlinks=$1) followed a planted symlink (exit $rc, victim now: $(head -c 40 "$d/victim/a"))"
		sed 's/^/#   /' "$d/err"
	fi
	# A plain file is replaced atomically, and "-" is stdout.
	"$K" compare "$d/run.json" "$d/run.json" --json "$d/plain.json" >/dev/null 2>&1
	"$K" compare "$d/run.json" "$d/run.json" --json - >"$d/stdout.json" 2>/dev/null
	if grep -q '"regressions"\|"results"\|"rows"' "$d/plain.json" 2>/dev/null &&
	   [ -z "$(find "$d" -maxdepth 1 -name '.plain.json.*')" ] &&
	   grep -q '^{' "$d/stdout.json"; then
		echo "ok - $name: --json writes a plain file (no temp left) and '-' writes stdout"
	else
		echo "not ok - $name: --json to a plain file or to '-' failed"
	fi
}

values=$ps_old
for v in 0 1; do
	[ "$v" = "$ps_old" ] && continue
	if echo "$v" >"$ps_file" 2>/dev/null; then
		values="$values $v"
		echo "$ps_old" >"$ps_file"
	fi
done
[ -n "$values" ] || values=unknown
for v in $values; do
	[ "$v" = unknown ] || echo "$v" >"$ps_file"
	cleanup_attack "$v"
	json_attack "$v"
done
[ -z "$ps_old" ] || echo "$ps_old" >"$ps_file"
cleanup_fifo_hang
cleanup_still_works
