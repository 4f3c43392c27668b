#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel-build.sh build --source DIR|linux-source-X.Y [--config-fragment FILE]...
#                       [--name NAME] [-j N]
# kernel-build.sh clean [NAME]
#
# Builds a bootable bzImage from a kernel source tree into the kernel cache,
# as kernels/NAME, with ktstr.ko built against it, for `ktstr vm --kernel
# NAME` (the implementation of `ktstr kernel build` and `ktstr kernel clean`;
# see docs/kernels.md).
#
# The config: allnoconfig, with KCONFIG_ALLCONFIG made of kernels/base.config
# (what ktstr vm and ktstr need, each option with its reason), then each
# --config-fragment in order (a later line wins), then the release suffix
# "-ktstr-NAME". Every option those files set must hold in the resulting
# .config, else the build stops before compiling and names the option: a
# dependency that is not met makes Kconfig drop an option silently.
#
# The build is out of tree (make O=kernels/NAME/build), so the source tree
# is never written and a rebuild is incremental; that directory is also the
# KDIR for modules: make -C kernels/NAME/build M=DIR modules.
#
# --source linux-source-6.12 is Debian's source package: fetched with the
# host's apt (`apt-get download`) and unpacked once in src/.
#
# Layout:
#   $KTSTR_CACHE/src/<pkg>_<version>/<pkg>/   an unpacked Debian source tree
#   $KTSTR_CACHE/kernels/NAME/
#     build/                    make O= (vmlinux, bzImage, Module.symvers)
#     vmlinuz -> build/arch/x86/boot/bzImage
#     config  -> build/.config
#     source                    the source tree's path (marks a built kernel)
#     config.fragment           what KCONFIG_ALLCONFIG was
#     release                   `make kernelrelease`
#     build.log, kmod-build.log, ktstr.ko, ktstr.ko.stamp, .complete
#     ktstr_fixture             the fixture scheduler, when SCHED_CLASS_EXT=y
#                               (scripts/build-fixture.sh NAME; root)
#
# Compiling runs under nice -n 19. Environment: KTSTR_CACHE;
# KTSTR_KBUILD_PROGRESS_S, seconds between progress lines (30).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

die() { echo "kernel-build: $*" >&2; exit 1; }
say() { echo "kernel-build: $*"; }

usage() {
	cat <<EOF
usage: ktstr kernel build --source DIR|linux-source-X.Y [--config-fragment FILE]...
                          [--name NAME] [-j N]
       ktstr kernel clean [NAME]

build  configure (allnoconfig + kernels/base.config + each fragment, every
       option of those checked afterwards) and build a bzImage from the
       kernel tree DIR, or from Debian's source package linux-source-X.Y
       (apt-get download), out of tree into \$KTSTR_CACHE/kernels/NAME;
       then build ktstr.ko against it. Incremental when run again.
       NAME defaults to the source's directory or package name.
clean  remove the built kernel NAME (its build directory, image, module);
       without NAME every built kernel and the unpacked Debian sources
EOF
}

# mmss SECONDS
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

valid_name() {
	case $1 in
	''|.*|-*|*[!A-Za-z0-9._+-]*) return 1 ;;
	esac
	return 0
}

# A directory of kernels/ made by this script (not a fetched kernel).
is_built() { [ -d "$1" ] && [ ! -L "$1" ] && [ -f "$1/source" ]; }

# deb_source PKG: unpack Debian's source package PKG into the cache once
# (its candidate version in the host's apt); prints the tree's path.
deb_source() {
	pkg=$1
	sdir="$KTSTR_CACHE/src"
	mkdir -p "$sdir"
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		# No apt data: the newest tree unpacked before, if any.
		last=$(ls -d "$sdir/${pkg}_"*/.complete 2>/dev/null | sort -V | tail -n1)
		[ -n "$last" ] || die "apt knows no package $pkg (apt-get update?) and none is unpacked in $sdir"
		dirname "$last" | sed "s#\$#/$pkg#"
		return
	fi
	d="$sdir/${pkg}_$ver"
	if [ ! -f "$d/.complete" ]; then
		deb=
		for f in "$sdir/${pkg}_"*.deb; do
			[ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && deb=$f
		done
		if [ -z "$deb" ]; then
			say "downloading $pkg $ver (apt-get download, about 150 MB)" >&2
			(cd "$sdir" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$sdir/download.err") || {
				cat "$sdir/download.err" >&2
				die "apt-get download $pkg=$ver failed"
			}
			for f in "$sdir/${pkg}_"*.deb; do
				[ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && deb=$f
			done
			[ -n "$deb" ] || die "apt-get download $pkg=$ver left no .deb in $sdir"
		fi
		say "unpacking $pkg $ver into $d (about 1.5 GB)" >&2
		rm -rf "$d.tmp"
		mkdir -p "$d.tmp/deb"
		dpkg -x "$deb" "$d.tmp/deb"
		tar=$(ls "$d.tmp/deb/usr/src/$pkg".tar.* 2>/dev/null | head -n1)
		[ -n "$tar" ] || die "$deb holds no usr/src/$pkg.tar.*"
		tar -C "$d.tmp" -xf "$tar"
		rm -rf "$d.tmp/deb" "$deb"
		[ -f "$d.tmp/$pkg/Makefile" ] || die "$deb did not unpack to a $pkg/ kernel tree"
		rm -rf "$d"
		mv "$d.tmp" "$d"
		echo "$ver" >"$d/.complete"
	fi
	echo "$d/$pkg"
}

# check_config CONFIG FILE...: every option FILE... set (the last setting
# of each wins) holds in CONFIG. Prints one line per option that does not.
check_config() {
	awk -v cfg="$1" '
	FILENAME == cfg {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			have[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1)
		next
	}
	{
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) {
			o = substr($0, 1, RLENGTH - 1); v = substr($0, RLENGTH + 1)
		} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) {
			o = $2; v = "n"
		} else {
			next
		}
		if (!(o in want))
			order[n++] = o
		want[o] = v; from[o] = FILENAME
	}
	END {
		for (i = 0; i < n; i++) {
			o = order[i]
			h = (o in have) ? have[o] : "n"
			if (h != want[o])
				printf "%s=%s (from %s) did not survive: the configuration has %s\n",
					o, want[o], from[o], h == "n" ? "it unset" : o "=" h
		}
	}' "$@"
}

# first_error LOG: the first compiler (or linker, or make) error and the
# lines after it.
first_error() {
	n=$(grep -n -m1 -E ': (fatal )?error: |^ERROR: |: undefined reference to ' "$1" | cut -d: -f1)
	[ -n "$n" ] || n=$(grep -n -m1 -E '\*\*\*|Error [0-9]+' "$1" | cut -d: -f1)
	[ -n "$n" ] || { tail -n 10 "$1"; return; }
	sed -n "$n,$((n + 4))p" "$1"
}

do_clean() {
	if [ $# -gt 1 ]; then usage >&2; exit 2; fi
	if [ $# = 1 ]; then
		valid_name "$1" || die "bad kernel name '$1'"
		k="$KTSTR_CACHE/kernels/$1"
		[ -e "$k" ] || [ -L "$k" ] || die "no kernel '$1' in $KTSTR_CACHE/kernels"
		is_built "$k" || die "kernel '$1' was not built by 'ktstr kernel build' (fetched kernels stay)"
		rm -rf "$k"
		say "removed $k"
		return
	fi
	for k in "$KTSTR_CACHE"/kernels/*; do
		is_built "$k" || continue
		rm -rf "$k"
		say "removed $k"
	done
	for d in "$KTSTR_CACHE"/src/linux-source-*; do
		[ -e "$d" ] || continue
		rm -rf "$d"
		say "removed $d"
	done
}

do_build() {
	source=
	name=
	jobs=$(nproc)
	nfrag=0
	while [ $# -gt 0 ]; do
		case $1 in
		--source=*|--config-fragment=*|--name=*)
			# --opt=value is --opt value.
			a=$1
			shift
			set -- "${a%%=*}" "${a#*=}" "$@"
			continue
			;;
		--source|--config-fragment|--name|-j)
			[ $# -ge 2 ] || die "$1 needs a value"
			case $1 in
			--source) source=$2 ;;
			--name) name=$2 ;;
			-j) jobs=$2 ;;
			--config-fragment)
				[ -f "$2" ] && [ -r "$2" ] || die "--config-fragment $2: no such readable file"
				nfrag=$((nfrag + 1))
				# Absolute, and kept in numbered variables: paths may hold spaces.
				eval "frag_$nfrag=\$(cd \"\$(dirname \"\$2\")\" && pwd -P)/\$(basename \"\$2\")"
				;;
			esac
			shift 2
			;;
		-j[0-9]*) jobs=${1#-j}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) echo "kernel-build: bad argument '$1'" >&2; usage >&2; exit 2 ;;
		esac
	done
	[ -n "$source" ] || die "no --source DIR|linux-source-X.Y given"
	case $jobs in ''|*[!0-9]*|0) die "-j wants a positive number, not '$jobs'" ;; esac

	if [ -d "$source" ]; then
		tree=$(cd "$source" && pwd -P)
		[ -f "$tree/Makefile" ] && [ -f "$tree/Kconfig" ] ||
			die "--source $source: not a kernel tree (no Makefile and Kconfig)"
	else
		case $source in
		linux-source-*) ;;
		*) die "--source $source: no such directory, and not a Debian linux-source-X.Y package" ;;
		esac
	fi
	[ -n "$name" ] || name=$(basename "${tree:-$source}")
	valid_name "$name" || die "bad kernel name '$name' (letters, digits, '.', '_', '+', '-')"
	for r in default bookworm-6.1 sched-ext; do
		[ "$name" != "$r" ] || die "'$name' is the name of a fetched kernel: choose another --name"
	done

	mkdir -p "$KTSTR_CACHE/kernels"
	KTSTR_CACHE=$(cd "$KTSTR_CACHE" && pwd -P)
	k="$KTSTR_CACHE/kernels/$name"
	if [ -e "$k" ] || [ -L "$k" ]; then
		is_built "$k" || die "$k exists and was not made by 'ktstr kernel build': choose another --name"
	fi
	if [ -z "${tree:-}" ]; then
		tree=$(deb_source "$source") || exit 1
	fi

	b="$k/build"
	mkdir -p "$b"
	# One build of NAME at a time (held until we exit).
	exec 9>"$k/.lock"
	flock -n 9 || die "another 'ktstr kernel build' of $name is running"
	if [ -f "$k/source" ] && [ "$(cat "$k/source")" != "$tree" ]; then
		say "$name was built from $(cat "$k/source"): starting afresh from $tree"
		rm -rf "$b"
		mkdir -p "$b"
	fi
	echo "$tree" >"$k/source"
	rm -f "$k/.complete"

	# ---- configure ----
	lv="$k/localversion.config"
	printf 'CONFIG_LOCALVERSION="-ktstr-%s"\n# CONFIG_LOCALVERSION_AUTO is not set\n' \
		"$name" >"$lv"
	set -- "$src/kernels/base.config"
	i=1
	while [ $i -le $nfrag ]; do
		eval "set -- \"\$@\" \"\$frag_$i\""
		i=$((i + 1))
	done
	set -- "$@" "$lv"
	cat "$@" >"$k/config.fragment"
	[ ! -f "$b/.config" ] || cp -p "$b/.config" "$b/.config.prev"
	say "configuring $name from $tree: allnoconfig + $*"
	if ! (cd "$tree" && make -s O="$b" KCONFIG_ALLCONFIG="$k/config.fragment" \
			allnoconfig) >"$k/config.log" 2>&1; then
		cat "$k/config.log" >&2
		die "configuring failed"
	fi
	# An unchanged .config keeps its time stamp: nothing to redo.
	if [ -f "$b/.config.prev" ] && cmp -s "$b/.config" "$b/.config.prev"; then
		mv "$b/.config.prev" "$b/.config"
	fi
	rm -f "$b/.config.prev"
	bad=$(check_config "$b/.config" "$@")
	if [ -n "$bad" ]; then
		echo "$bad" | while IFS= read -r l; do
			echo "kernel-build: $l" >&2
			# What Kconfig says the option needs.
			o=${l%%=*}
			o=${o#CONFIG_}
			find "$tree" -name 'Kconfig*' -exec grep -h -A12 "^config $o\$" {} + 2>/dev/null |
				sed -n '2,/^$/p' | grep -E '^[[:space:]]*depends on' |
				sed "s/^[[:space:]]*/kernel-build:   $o: /" >&2
		done
		die "$(echo "$bad" | wc -l) option(s) lost in configuring (a dependency not met?); see $b/.config"
	fi
	release=$(cd "$tree" && make -s O="$b" LOCALVERSION= kernelrelease)
	echo "$release" >"$k/release"

	# ---- build, with a progress line every $every s ----
	every=${KTSTR_KBUILD_PROGRESS_S:-30}
	log="$k/build.log"
	total=$(cat "$k/build.objects" 2>/dev/null || echo "")
	say "building $release with -j$jobs (log: $log)${total:+; a full build compiles about $total files}"
	start=$(date +%s)
	(cd "$tree" && exec nice -n 19 make O="$b" LOCALVERSION= -j"$jobs" all) >"$log" 2>&1 &
	mk=$!
	trap 'kill "$mk" 2>/dev/null; exit 130' INT TERM
	while kill -0 "$mk" 2>/dev/null; do
		t=0
		while [ $t -lt "$every" ] && kill -0 "$mk" 2>/dev/null; do
			sleep 1
			t=$((t + 1))
		done
		kill -0 "$mk" 2>/dev/null || break
		ncc=$(grep -c '^  CC ' "$log" || true)
		say "$name: $(mmss $(($(date +%s) - start))) elapsed, $ncc files compiled${total:+ (a full build: $total)}, now: $(tail -n1 "$log" | cut -c1-80 | sed 's/^ *//')"
	done
	rc=0
	wait "$mk" || rc=$?
	trap - INT TERM
	if [ "$rc" != 0 ]; then
		echo "kernel-build: the build of $name failed (make exit $rc); first error:" >&2
		first_error "$log" >&2
		die "full log: $log"
	fi
	ncc=$(grep -c '^  CC ' "$log" || true)
	# Remember the size of a full build, for the next one's progress.
	[ -n "$total" ] && [ "$ncc" -le "$total" ] || echo "$ncc" >"$k/build.objects"
	[ -f "$b/arch/x86/boot/bzImage" ] || die "the build left no $b/arch/x86/boot/bzImage"
	say "built $release in $(mmss $(($(date +%s) - start))) ($ncc files compiled)"
	ln -sfn build/arch/x86/boot/bzImage "$k/vmlinuz"
	ln -sfn build/.config "$k/config"

	# ---- ktstr.ko against it, from a copy of the sources ----
	kmod_files="Kbuild kmod/Kbuild"
	for f in "$src"/kmod/*.c "$src"/kmod/*.h; do
		case $f in *.mod.c) continue ;; esac
		kmod_files="$kmod_files kmod/${f##*/}"
	done
	kmod_files="$kmod_files include/uapi/linux/ktstr.h"
	# shellcheck disable=SC2086
	stamp=$( (cd "$src" && cat $kmod_files; echo "$release"; cat "$b/.config" \
		"$b/Module.symvers"; ${CC:-gcc} --version | head -n1) | sha256sum | cut -d' ' -f1)
	if [ -f "$k/ktstr.ko" ] && [ "$(cat "$k/ktstr.ko.stamp" 2>/dev/null)" = "$stamp" ]; then
		say "ktstr.ko for $release is up to date"
	else
		say "building ktstr.ko for $release"
		M="$k/kmod-build"
		rm -rf "$M"
		mkdir -p "$M"
		# shellcheck disable=SC2086
		(cd "$src" && tar cf - $kmod_files) | (cd "$M" && tar xf -)
		if ! nice -n 19 make -C "$b" M="$M" -j"$jobs" modules >"$k/kmod-build.log" 2>&1; then
			first_error "$k/kmod-build.log" >&2
			die "ktstr.ko does not build against $release: see $k/kmod-build.log"
		fi
		grep -i 'warning:' "$k/kmod-build.log" >&2 || true
		cp "$M/kmod/ktstr.ko" "$k/ktstr.ko.new"
		mv "$k/ktstr.ko.new" "$k/ktstr.ko"
		echo "$stamp" >"$k/ktstr.ko.stamp"
		rm -rf "$M"
	fi
	echo "$release" >"$k/.complete"
	say "kernel $name ($release) is ready: ktstr vm --kernel $name -- CMD"

	# ---- the fixture sched_ext scheduler, when the kernel has sched_ext ----
	# scripts/build-fixture.sh builds it in the Debian unstable build root
	# of `ktstr kernel fetch sched-ext` (bookworm's clang and libbpf are too
	# old), as root. Without those the kernel is still usable; say so.
	grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$b/.config" || return 0
	if [ "$(id -u)" != 0 ] || [ ! -f "$KTSTR_CACHE/buildroot/unstable/.complete" ]; then
		say "not building the fixture scheduler (needs root and the build root of 'ktstr kernel fetch sched-ext'): scripts/build-fixture.sh $name"
	elif ! "$here/build-fixture.sh" "$name"; then
		say "warning: the fixture scheduler does not build for $name (see $k/fixture-build.log); the kernel is usable without it"
	fi
}

case ${1:-} in
build) shift; do_build "$@" ;;
clean) shift; do_clean "$@" ;;
-h|--help) usage ;;
*) usage >&2; exit 2 ;;
esac
