#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `ktstr kernel build` and `ktstr kernel clean` (scripts/
# kernel-build.sh) on a stub kernel tree whose Makefile does what kbuild
# does for the targets the script uses (allnoconfig with KCONFIG_ALLCONFIG,
# kernelrelease, all, and M= modules in the O= directory), in seconds: an
# option the configuration drops is named and stops the build; a tree that
# does not compile gives the compiler's first error and a non-zero exit;
# progress lines; a good build lands in the cache with its module and is
# listed; bad names and fetched kernels are refused; clean removes it.
# The real kernel build is the kbuild part of tests/run.sh.
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}

if [ ! -x "$K" ]; then
	echo "not ok - kernel build: $K not built (make all)"
	exit 1
fi
d=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT INT TERM
failed=0
export KTSTR_CACHE="$d/cache"

ok() { echo "ok - kernel build: $1"; }
not_ok() {
	echo "not ok - kernel build: $1"
	sed 's/^/#   stdout: /' "$d/out" | tail -n 10
	sed 's/^/#   stderr: /' "$d/err" | tail -n 10
	failed=1
}

# The stub tree. allnoconfig keeps every line of KCONFIG_ALLCONFIG but the
# options that mention DROPME, as Kconfig drops an option whose
# dependencies are not met; "all" compiles broken.c when the config asks
# for CONFIG_STUB_BROKEN, and sleeps STUB_SLEEP seconds first.
t="$d/tree"
mkdir -p "$t"
: >"$t/Kconfig"
cat >"$t/broken.c" <<'EOF'
int main(void)
{
	return undeclared_in_stub;
}
EOF
tab=$(printf '\t')
sed "s/^>/$tab/" >"$t/Makefile" <<'EOF'
O ?= .
.PHONY: allnoconfig kernelrelease all
allnoconfig:
>mkdir -p $(O)
>grep -v DROPME $(KCONFIG_ALLCONFIG) >$(O)/.config
kernelrelease:
>@echo 6.99.0$$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"/\1/p' $(O)/.config)
all:
>sleep $${STUB_SLEEP:-0}
>@echo "  CC      stub.o"
>if grep -q '^CONFIG_STUB_BROKEN=y' $(O)/.config; then $(CC) -c -o $(O)/broken.o broken.c; fi
>mkdir -p $(O)/arch/x86/boot
>echo image >$(O)/arch/x86/boot/bzImage
>: >$(O)/Module.symvers
>printf 'modules:\n\tmkdir -p $$(M)/kmod\n\techo ko >$$(M)/kmod/ktstr.ko\n' >$(O)/Makefile
EOF
echo 'CONFIG_STUB_OPT=y' >"$d/good.config"
printf 'CONFIG_STUB_OPT=y\nCONFIG_DROPME=y\n' >"$d/drop.config"
echo 'CONFIG_STUB_BROKEN=y' >"$d/broken.config"
kb() { "$K" kernel build --source "$t" -j 1 "$@" >"$d/out" 2>"$d/err"; }

# 1. An option lost in configuring is named, with its file; nothing is built.
kb --name stub --config-fragment "$d/drop.config"
rc=$?
if [ "$rc" != 0 ] && grep -q "CONFIG_DROPME=y (from $d/drop.config) did not survive" "$d/err" &&
   ! grep -q 'CONFIG_STUB_OPT' "$d/err" && [ ! -e "$KTSTR_CACHE/kernels/stub/build/arch" ]; then
	ok "a dropped option is named and stops the build (exit $rc)"
else
	not_ok "dropped option: exit $rc"
fi

# 2. A tree that does not compile: the compiler's first error, non-zero exit.
kb --name stub --config-fragment "$d/broken.config"
rc=$?
if [ "$rc" != 0 ] && grep -q 'first error' "$d/err" &&
   grep -q "broken.c:3:[0-9]*: error: .*undeclared_in_stub.* undeclared" "$d/err" &&
   [ ! -f "$KTSTR_CACHE/kernels/stub/.complete" ]; then
	ok "a compile error is shown and the exit is non-zero (exit $rc)"
else
	not_ok "broken tree: exit $rc"
fi

# A second build of the same name while one runs is refused.
flock "$KTSTR_CACHE/kernels/stub/.lock" "$K" kernel build --source "$t" --name stub \
	--config-fragment "$d/good.config" >"$d/out" 2>"$d/err"
rc=$?
if [ "$rc" != 0 ] && grep -q "another 'ktstr kernel build' of stub is running" "$d/err"; then
	ok "a concurrent build of the same name is refused"
else
	not_ok "concurrent build: exit $rc"
fi

# 3. A good build, with progress lines, lands in the cache and is listed.
STUB_SLEEP=3 KTSTR_KBUILD_PROGRESS_S=1 kb --name stub --config-fragment "$d/good.config"
rc=$?
k="$KTSTR_CACHE/kernels/stub"
if [ "$rc" = 0 ] && grep -q 'elapsed, [0-9]* files compiled' "$d/out" &&
   [ "$(cat "$k/vmlinuz" 2>/dev/null)" = image ] && [ -f "$k/ktstr.ko" ] &&
   [ "$(cat "$k/.complete")" = 6.99.0-ktstr-stub ] &&
   grep -qx 'CONFIG_STUB_OPT=y' "$k/config" && grep -qx 'CONFIG_SMP=y' "$k/config"; then
	ok "a build lands in the cache with base and fragment config, module and progress lines"
else
	not_ok "good build: exit $rc"
fi
"$K" kernel list --json >"$d/out" 2>"$d/err"
if tr -d ' \n' <"$d/out" | grep -q '"version":"6.99.0-ktstr-stub","names":\["stub"\],.*"module_built":true,.*"built":true'; then
	ok "listed as stub, version 6.99.0-ktstr-stub, module built"
else
	not_ok "kernel list --json"
fi

# 4. Names: a fetched kernel's, a path, an existing fetched directory.
mkdir -p "$KTSTR_CACHE/kernels/6.1.0-fetched"
n=0
for bad in default bookworm-6.1 sched-ext ../x .hidden 6.1.0-fetched; do
	kb --name "$bad" --config-fragment "$d/good.config" && n=$((n + 1))
done
if [ "$n" = 0 ] && [ ! -e "$d/x" ]; then
	ok "bad or taken names are refused"
else
	not_ok "$n bad name(s) accepted"
fi

# 5. clean: a fetched kernel stays, the built one goes.
"$K" kernel clean 6.1.0-fetched >"$d/out" 2>"$d/err"
rc=$?
"$K" kernel clean stub >>"$d/out" 2>>"$d/err"
rc2=$?
if [ "$rc" != 0 ] && [ -d "$KTSTR_CACHE/kernels/6.1.0-fetched" ] && [ "$rc2" = 0 ] &&
   [ ! -e "$k" ]; then
	ok "clean removes a built kernel and refuses a fetched one"
else
	not_ok "clean: exit $rc (fetched) and $rc2 (built)"
fi
exit $failed
