#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: files out of the guest (`ktstr vm --outdir DIR`) and a shell in
# it (`ktstr vm --shell`). Boots five TCG guests (a few seconds each, the
# first runs a scenario):
#  A. --outdir=DIR (DIR missing): the command writes out/run.json with
#     `ktstr run --json` and a nested file, then exits 3: the exit status is
#     3, DIR has both files, the JSON reads with jq and `ktstr compare`
#     takes it.
#  B. a hostile guest: the command writes its own archive to the --outdir
#     port -- a symlink, a file through a symlink already in DIR, '../',
#     an absolute path, a device, a FIFO, a hard link, a file past
#     --outdir-max -- then a good file: each is refused in one line, the
#     good file arrives, exit 125, and nothing outside DIR changes.
#  C. --shell with commands on stdin: they run with the module loaded,
#     their output is on stdout, `exit 3` is the exit status; --outdir
#     works with it.
#  D. --shell with stdin ending in an unterminated line and no exit: the
#     line runs and its status is the exit status.
#  E. usage errors, no boot: a symlink or file at DIR, a DIR whose parent
#     is missing, --shell with a command, a bad --outdir-max.
#
# Only one guest runs at a time on a shared machine: each boot holds the
# flock of $KTSTR_GUEST_LOCK (default /tmp/ktstr-guest.lock; empty: none),
# unless a process above this one holds it already (flock LOCK
# tests/run.sh ...), where taking it again would wait for ever.
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}
LOCK=${KTSTR_GUEST_LOCK-/tmp/ktstr-guest.lock}
real_cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

if [ ! -x "$K" ]; then
	echo "not ok - vm io: $K not built (make all)"
	exit 1
fi
if [ ! -r "$real_cache/kernels/default/vmlinuz" ] || [ ! -r kmod/ktstr.ko ]; then
	echo "ok - vm io: # SKIP no test kernel or module (make deps all)"
	exit 0
fi
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
failed=0

# Under an ancestor's hold of the guest lock, boot without taking it again.
# shellcheck source=tests/lib/guest_lock.sh
. tests/lib/guest_lock.sh
if [ -n "$LOCK" ] && held_by_ancestor "$LOCK"; then
	LOCK=""
fi

# vm ARGS...: one ktstr vm run (stdin from $d/in), holding the guest lock.
vm() {
	if [ -n "$LOCK" ]; then
		flock "$LOCK" "$K" vm --timeout 300 "$@" <"$d/in" >"$d/out" 2>"$d/err"
	else
		"$K" vm --timeout 300 "$@" <"$d/in" >"$d/out" 2>"$d/err"
	fi
	rc=$?
}

check() {
	if [ -z "$2" ]; then
		echo "ok - vm io: $1"
	else
		echo "not ok - vm io: $1: $2"
		sed 's/^/#   stdout: /' "$d/out" | tail -n 8
		sed 's/^/#   stderr: /' "$d/err" | head -n 12
		failed=1
	fi
}

: >"$d/in"

# --- A: --outdir=DIR returns run.json (and a nested file) though CMD fails ---
vm --outdir="$d/r" -- sh -c 'mkdir out && ktstr run --duration 1 --json out/run.json cgroup_steady &&
	mkdir -p out/sub && echo nested >out/sub/f && exit 3'
why=""
if [ "$rc" != 3 ]; then
	why="exit $rc, want 3 (the command's)"
elif [ ! -f "$d/r/run.json" ] || [ -L "$d/r/run.json" ]; then
	why="no regular file run.json in DIR"
elif ! jq -e '.results[0].name == "cgroup_steady" and .results[0].verdict == "PASS"' "$d/r/run.json" >/dev/null 2>&1; then
	why="run.json does not read as a run of cgroup_steady that passed (jq)"
elif [ "$(cat "$d/r/sub/f" 2>/dev/null)" != nested ]; then
	why="sub/f did not come back"
elif [ "$(find "$d/r" | wc -l)" != 4 ]; then
	why="DIR holds $(find "$d/r" | tr '\n' ' '), want DIR, run.json, sub, sub/f"
elif ! "$K" compare "$d/r/run.json" "$d/r/run.json" >"$d/cmp" 2>&1; then
	why="ktstr compare refused it: $(head -n 2 "$d/cmp")"
fi
check "--outdir=DIR (made) gets out/run.json and out/sub/f of a command that exits 3; jq and ktstr compare read it" "$why"

# --- B: a hostile guest writes its own archive to the port ---
s=$d/stage
mkdir -p "$s/src" "$d/outside" "$d/h"
echo good >"$s/src/good.txt"
echo pwned >"$s/src/pwn"
ln -s "$d/victim-link" "$s/src/link"
mkfifo "$s/src/fifo"
head -c 2097152 /dev/zero >"$s/src/big"
ln "$s/src/good.txt" "$s/src/hard"
# A symlink already in DIR, pointing outside it.
ln -s "$d/outside" "$d/h/pre"
a=$s/evil.tar
tr_() { tar -rf "$a" -P -C "$s/src" --transform "s,^$1\$,$2," "$1" 2>/dev/null; }
{ tar -cf "$a" -C "$s/src" link fifo &&
	tr_ pwn pre/pwn &&
	tr_ pwn ../escape &&
	tr_ pwn "$d/abs" &&
	tar -rf "$a" -P --transform "s,^/dev/null\$,devnode," /dev/null &&
	tar -rf "$a" -C "$s/src" good.txt hard big &&
	tr_ pwn sub/ok; } 2>/dev/null || echo "not ok - vm io: cannot craft the archive with tar"
# The archive really holds what is to be refused (tar may strip names).
if [ "$(tar -tf "$a" 2>/dev/null | tr '\n' ' ')" != "link fifo pre/pwn ../escape $d/abs devnode good.txt hard big sub/ok " ]; then
	echo "not ok - vm io: the crafted archive holds $(tar -tf "$a" 2>/dev/null | tr '\n' ' ')"
	failed=1
fi
before=$(cd "$d" && find . -path ./h -prune -o -path ./stage -prune -o -print | sort)
vm --outdir "$d/h" --outdir-max 1 --include "$a" -- sh -c \
	'stty -F /dev/ttyS2 raw -echo && cat evil.tar >/dev/ttyS2'
after=$(cd "$d" && find . -path ./h -prune -o -path ./stage -prune -o -print | sort)
why=""
for want in "'link': a symbolic link" "'fifo': a FIFO" "'pre/pwn': a directory on its path is a symlink" \
	    "'../escape': '..' in the path" "'$d/abs': absolute path" "'devnode': a device" \
	    "'hard': a hard link" "'big': 2097152 bytes would pass the --outdir-max bound (1 MB)"; do
	grep -qF "ktstr vm: --outdir: refused $want" "$d/err" || why="${why:+$why; }no line 'refused $want'"
done
if [ -n "$why" ]; then
	:
elif [ "$rc" != 125 ]; then
	why="exit $rc, want 125"
elif [ "$before" != "$after" ]; then
	why="outside DIR, before: $(echo $before); after: $(echo $after)"
elif [ -e "$d/outside/pwn" ] || [ -e "$d/escape" ] || [ -e "$d/abs" ] || [ -e "$d/victim-link" ]; then
	why="a file was written outside DIR"
elif [ "$(cat "$d/h/good.txt" 2>/dev/null)" != good ] || [ "$(cat "$d/h/sub/ok" 2>/dev/null)" != pwned ]; then
	why="the good files after the refused ones did not arrive"
elif [ "$(cd "$d/h" && find . | sort | tr '\n' ' ')" != ". ./good.txt ./pre ./sub ./sub/ok " ]; then
	why="DIR holds $(cd "$d/h" && find . | sort | tr '\n' ' ')"
elif [ ! -L "$d/h/pre" ]; then
	why="the symlink already in DIR was replaced"
fi
check "hostile archive: symlink, path through a symlink, '..', absolute, device, FIFO, hard link, past --outdir-max: each refused in one line, exit 125, nothing outside DIR" "$why"

# --- C: --shell with commands on stdin ---
printf 'echo hi\ngrep -c "^ktstr " /proc/modules\nmkdir out && echo from-shell >out/s\nexit 3\necho not-reached\n' >"$d/in"
vm --shell --outdir "$d/sh"
why=""
if [ "$rc" != 3 ]; then
	why="exit $rc, want 3"
elif ! grep -qx hi "$d/out"; then
	why="no line 'hi' on stdout"
elif ! grep -qx 1 "$d/out"; then
	why="the module is not loaded in the shell (no '1' from grep -c)"
elif grep -q not-reached "$d/out"; then
	why="commands after 'exit 3' ran"
elif [ "$(cat "$d/sh/s" 2>/dev/null)" != from-shell ]; then
	why="--outdir with --shell did not bring out/s back"
fi
check "--shell reads commands from a piped stdin: output, module loaded, 'exit 3' is the status, --outdir too" "$why"

# --- D: stdin ends without exit, in the middle of a line ---
printf 'echo one\nfalse' >"$d/in"
vm --shell
why=""
if [ "$rc" != 1 ]; then
	why="exit $rc, want 1 (the status of the last line, 'false')"
elif ! grep -qx one "$d/out"; then
	why="no line 'one' on stdout"
fi
check "--shell: end of stdin ends the shell, an unterminated last line runs" "$why"
: >"$d/in"

# --- E: usage errors, before any boot ---
ln -s "$d/outside" "$d/dirlink"
: >"$d/afile"
usage() {
	msg=$1
	shift
	"$K" vm "$@" </dev/null >"$d/out" 2>"$d/err"
	rc=$?
	why=""
	if [ "$rc" != 2 ]; then
		why="exit $rc, want 2"
	elif [ "$(wc -l <"$d/err")" != 1 ] || ! grep -qF -- "$msg" "$d/err"; then
		why="stderr is not one line with '$msg'"
	fi
	check "usage: ktstr vm $* -> exit 2, '$msg'" "$why"
}
usage "a symbolic link (not followed)" --no-module --outdir "$d/dirlink" -- true
usage "not a directory" --no-module --outdir "$d/afile" -- true
usage "cannot create it" --no-module --outdir "$d/nosuch/dir" -- true
usage "bad --outdir ''" --no-module --outdir= -- true
usage "--shell and a command conflict" --no-module --shell -- true
usage "--outdir-max needs an integer" --no-module --outdir-max 0 -- true
usage "--outdir-max needs an integer" --no-module --outdir-max=x -- true
if [ -e "$d/nosuch" ] || [ "$(ls "$d/outside")" != "" ]; then
	echo "not ok - vm io: a refused --outdir left something behind"
	failed=1
fi

exit $failed
