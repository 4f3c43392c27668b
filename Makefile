# SPDX-License-Identifier: GPL-2.0
#
# ktstr top-level build.
#   make            build kmod/ktstr.ko and build/ktstr (run `make deps` first)
#   make deps       install the Debian packages and fetch the test kernel
#   make run        deps + build + the main demo in a QEMU guest
#   make test       deps + build + host unit tests + in-guest tests
#   make dkms-install   install the module on this host with DKMS
#   make install [PREFIX=/usr/local] [DESTDIR=]   ktstr, its scripts, man page,
#                       bash completion, the library, the module's sources
#   make install-dkms-src [DKMS_SRCDIR=]   only the module's sources, for DKMS
#   dpkg-buildpackage -b -us -uc   the Debian packages (debian/)
#
# The test kernel (Debian 6.12: image and headers) is unpacked into
# $(KTSTR_CACHE), outside the source tree; nothing is installed in /boot.

KTSTR_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ktstr
export KTSTR_CACHE
KDIR ?= $(KTSTR_CACHE)/kernels/default/build
VERSION := 0.1.0
# The shared library's ABI version: libktstr.so.$(SOVERSION) is its SONAME
# (and the Debian package libktstr$(SOVERSION)). Bump it on every
# incompatible change of the library's interface.
SOVERSION := 0

BUILD := build
CC ?= gcc
PKGS := hwloc libnl-genl-3.0 jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The BPF collector (user/bpf) is built when clang, llvm-strip, bpftool,
# libbpf and a BTF blob (the test kernel's vmlinux, else the running
# kernel's) are all there; without them the "bpf" backend says "not built".
BPF_CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),$(wildcard /usr/sbin/bpftool))
VMLINUX_BTF ?= $(firstword $(wildcard $(KDIR)/vmlinux /sys/kernel/btf/vmlinux))
HAVE_BPF ?= $(if $(and $(shell command -v $(BPF_CLANG) 2>/dev/null),$(shell command -v $(LLVM_STRIP) 2>/dev/null),$(BPFTOOL),$(VMLINUX_BTF),$(shell pkg-config --exists libbpf 2>/dev/null && echo y)),1)
ifneq ($(HAVE_BPF),)
PKGS += libbpf
BPF_CFLAGS := -DKTSTR_HAVE_BPF
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC \
	  -Iinclude/uapi -Iuser/include -Iuser/lib -Iuser/bpf $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm -lpthread

# The scenario catalogue (scenarios/*.c) is part of the library.
LIB_SRCS := $(sort $(wildcard user/lib/*/*.c) $(wildcard scenarios/*.c))
CMD_SRCS := $(sort $(wildcard user/cmd/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/user/bpf/collector.o
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
GUEST_SRCS := $(sort $(wildcard tests/guest/*.c))
GUEST_BINS := $(GUEST_SRCS:tests/guest/%.c=$(BUILD)/tests/guest/%)

.PHONY: all user kmod kmod-clean deps deps-test run test tests clean dkms-install check-kdir bench bench-kmod version
all: kmod user

SONAME := libktstr.so.$(SOVERSION)
SHLIB := libktstr.so.$(VERSION)

user: $(BUILD)/ktstr $(BUILD)/libktstr.a $(BUILD)/libktstr.so

# Objects are rebuilt when the compiler or its flags change (e.g.
# -fvisibility=hidden): a stamp rewritten only when they differ.
FLAGS_NOW := $(CC) $(CPPFLAGS) $(CFLAGS)
$(BUILD)/cflags.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' >$@
.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/cflags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# BPF collector: vmlinux.h from BTF, the program (CO-RE), its skeleton.
$(BUILD)/bpf/vmlinux.h: $(VMLINUX_BTF)
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file $< format c >$@.tmp && mv $@.tmp $@

$(BUILD)/bpf/ktstr_collect.bpf.o: user/bpf/ktstr_collect.bpf.c user/bpf/collector.h \
		kmod/ktstr_acct.h include/uapi/linux/ktstr.h $(BUILD)/bpf/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BUILD)/bpf -Iuser/bpf/include \
		-Iinclude/uapi -Ikmod -Iuser/bpf -c -o $@ $<
	$(LLVM_STRIP) -g $@

$(BUILD)/bpf/ktstr_collect.skel.h: $(BUILD)/bpf/ktstr_collect.bpf.o
	$(BPFTOOL) gen skeleton $< name ktstr_collect >$@.tmp && mv $@.tmp $@

# The packages the library is built against (PKGS, which has libbpf when
# HAVE_BPF) as a stamp that changes when they do: the BPF collector is
# rebuilt then, and libktstr.pc's Requires.private is made from the same
# list, so a `make install` whose HAVE_BPF differs from the build's cannot
# install a libktstr.a needing bpf_* with a .pc that does not name libbpf.
$(BUILD)/config/pkgs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PKGS)' | cmp -s - $@ || echo '$(PKGS)' >$@

$(BUILD)/user/bpf/collector.o: user/bpf/collector.c $(BUILD)/config/pkgs \
		$(if $(HAVE_BPF),$(BUILD)/bpf/ktstr_collect.skel.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(BPF_CFLAGS) -Ikmod -I$(BUILD)/bpf -MMD -MP -c -o $@ $<

# The library's symbols are hidden unless a public header declares them:
# each user/include/ktstr/*.h wraps its declarations in
# `#pragma GCC visibility push(default)` ... pop (the export marker), and
# the version script below lists the same names.
$(LIB_OBJS): CFLAGS += -fvisibility=hidden

$(BUILD)/libktstr.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The shared library: libktstr.so.VERSION with the SONAME libktstr.so.SOVERSION,
# and the two links to it (the SONAME's, for the loader; libktstr.so, for -lktstr).
# Only what the public headers declare is exported (scripts/mkversion.sh).
PUBLIC_HEADERS := $(sort $(wildcard user/include/ktstr/*.h))
$(BUILD)/libktstr.map: $(PUBLIC_HEADERS) scripts/mkversion.sh
	@mkdir -p $(dir $@)
	scripts/mkversion.sh $(PUBLIC_HEADERS) >$@.tmp && mv $@.tmp $@

$(BUILD)/$(SHLIB): $(LIB_OBJS) $(BUILD)/libktstr.map $(BUILD)/config/pkgs Makefile
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script,$(BUILD)/libktstr.map -o $@ $(LIB_OBJS) $(LDLIBS)

$(BUILD)/libktstr.so: $(BUILD)/$(SHLIB)
	ln -sf $(SHLIB) $(BUILD)/$(SONAME)
	ln -sf $(SHLIB) $@

# The version, from VERSION above only: ktstr --version.
$(BUILD)/user/cmd/main.o: CFLAGS += -DKTSTR_VERSION='"$(VERSION)"'
$(BUILD)/user/cmd/main.o: Makefile
$(BUILD)/user/lib/util/provenance.o: CFLAGS += -DKTSTR_VERSION='"$(VERSION)"'
$(BUILD)/user/lib/util/provenance.o: Makefile

$(BUILD)/ktstr: $(CMD_OBJS) $(BUILD)/libktstr.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(BUILD)/libktstr.a $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libktstr.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -Ikmod -o $@ $< $(BUILD)/libktstr.a $(LDLIBS) -lcmocka

$(BUILD)/tests/guest/%: tests/guest/%.c $(BUILD)/libktstr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -Itests/guest -o $@ $< $(BUILD)/libktstr.a $(LDLIBS)

tests: $(UNIT_BINS) $(GUEST_BINS)

# Example scenarios (scenarios/examples/*.c), one program each.
EXAMPLE_SRCS := $(sort $(wildcard scenarios/examples/*.c))
EXAMPLE_BINS := $(EXAMPLE_SRCS:%.c=$(BUILD)/%)
.PHONY: examples install install-dkms-src
all: examples
examples: $(EXAMPLE_BINS)

$(BUILD)/scenarios/examples/%: scenarios/examples/%.c $(BUILD)/libktstr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libktstr.a $(LDLIBS)

-include $(EXAMPLE_BINS:=.d)

# make install [PREFIX=/usr/local] [DESTDIR=...]:
#   bin/ktstr                      the command, built for PREFIX (below)
#   libexec/ktstr/                 its helper scripts (kernel-fetch.sh, deps.sh)
#   share/man/man1/ktstr.1         made from the --help texts (scripts/mkman.sh)
#   share/bash-completion/completions/ktstr
#   lib/, include/, lib/pkgconfig  the library, its headers, libktstr.pc
#                                  (LIBDIR=... for another library dir,
#                                  e.g. Debian's /usr/lib/<multiarch>)
#   include/ktstr/uapi/linux/ktstr.h  the module's uapi header, which the
#                                  library's headers include as
#                                  <linux/ktstr.h>: outside the kernel's own
#                                  include/linux (linux-libc-dev's), found
#                                  through libktstr.pc's second -I
#   src/ktstr-VERSION/             the module's sources and dkms.conf, for DKMS
#                                  (make install-dkms-src installs only these;
#                                  DKMS_SRCDIR=... puts them elsewhere)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
LIBEXECDIR = $(PREFIX)/libexec/ktstr
DKMS_SRCDIR ?= $(PREFIX)/src/ktstr-$(VERSION)

# The installed ktstr: main.c again, with LIBEXECDIR built in, so that it
# finds its helper scripts through the prefix, never beside its own binary
# (build/ktstr, without it, uses the source tree around build/). The stamp
# changes, and main.o is rebuilt, when PREFIX does.
$(BUILD)/install/libexecdir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIBEXECDIR)' | cmp -s - $@ || echo '$(LIBEXECDIR)' >$@

$(BUILD)/install/main.o: user/cmd/main.c $(BUILD)/install/libexecdir Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) -DKTSTR_VERSION='"$(VERSION)"' -DKTSTR_LIBEXECDIR='"$(LIBEXECDIR)"' \
		-MMD -MP -c -o $@ $<

$(BUILD)/install/ktstr: $(filter-out $(BUILD)/user/cmd/main.o,$(CMD_OBJS)) \
		$(BUILD)/install/main.o $(BUILD)/libktstr.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ktstr.1: $(BUILD)/ktstr scripts/mkman.sh
	scripts/mkman.sh $(BUILD)/ktstr $(VERSION) >$@.tmp && mv $@.tmp $@

.PHONY: FORCE
FORCE:

install: $(BUILD)/config/pkgs $(BUILD)/libktstr.a $(BUILD)/libktstr.so $(BUILD)/install/ktstr $(BUILD)/ktstr.1 install-dkms-src
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXECDIR)/lib \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(BUILD)/install/ktstr $(DESTDIR)$(PREFIX)/bin/ktstr
	install -m 755 scripts/kernel-fetch.sh scripts/deps.sh $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 scripts/lib/buildroot.sh scripts/lib/cache.sh $(DESTDIR)$(LIBEXECDIR)/lib/
	install -m 644 $(BUILD)/ktstr.1 $(DESTDIR)$(PREFIX)/share/man/man1/ktstr.1
	install -m 644 scripts/ktstr-completion.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ktstr
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/ktstr \
		$(DESTDIR)$(PREFIX)/include/ktstr/uapi/linux
	install -m 644 $(BUILD)/libktstr.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(BUILD)/$(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libktstr.so
	install -m 644 user/include/ktstr/*.h $(DESTDIR)$(PREFIX)/include/ktstr/
	install -m 644 include/uapi/linux/ktstr.h $(DESTDIR)$(PREFIX)/include/ktstr/uapi/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e "s|@PKGS@|$$(cat $(BUILD)/config/pkgs)|" \
		-e 's|@VERSION@|$(VERSION)|' libktstr.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libktstr.pc

# The module's sources for DKMS, and nothing else (no build/, no userspace):
# Kbuild, kmod/'s sources, the uapi header, and dkms.conf with VERSION in it.
# DKMS then builds with kbuild directly (dkms.conf's MAKE). Installed to
# /usr/src/ktstr-VERSION (DKMS_SRCDIR=/usr/src/ktstr-$(VERSION)), it is what
# `dkms add -m ktstr -v $(VERSION)` takes.
KMOD_SRCS := $(sort $(wildcard kmod/*.c kmod/*.h)) kmod/Kbuild
install-dkms-src:
	install -d $(DESTDIR)$(DKMS_SRCDIR)/kmod $(DESTDIR)$(DKMS_SRCDIR)/include/uapi/linux
	install -m 644 Kbuild $(DESTDIR)$(DKMS_SRCDIR)/
	install -m 644 $(KMOD_SRCS) $(DESTDIR)$(DKMS_SRCDIR)/kmod/
	install -m 644 include/uapi/linux/ktstr.h $(DESTDIR)$(DKMS_SRCDIR)/include/uapi/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf.in >$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf

check-kdir:
	@test -f $(KDIR)/Makefile || { echo "ktstr: no kernel headers at $(KDIR): run 'make deps' or set KDIR" >&2; exit 1; }

kmod: check-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) KTSTR_WERROR=1 modules

kmod-clean:
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR)/bench/nullprobe clean

deps:
	scripts/deps.sh

deps-test:
	scripts/deps.sh --test

run: deps
	$(MAKE) all
	scripts/demo.sh

test: deps-test
	$(MAKE) all tests
	tests/run.sh

# Probe and read cost, memory per record: prints a table, writes bench/results.json.
bench: all bench-kmod
	bench/run.sh

# The bench's own module (the tracepoint floor: empty probes on ktstr's
# tracepoints), built against KDIR like kmod/; bench/run.sh builds it too.
bench-kmod: check-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/nullprobe modules

dkms-install:
	scripts/dkms-install.sh $(VERSION)

# The version every other file must agree with: debian/changelog (checked by
# debian/rules and tests/host/debian_packages.sh).
version:
	@echo $(VERSION)

clean: kmod-clean
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_BINS:=.d) $(GUEST_BINS:=.d) $(BUILD)/install/main.d
