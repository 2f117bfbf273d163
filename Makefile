# SPDX-License-Identifier: GPL-2.0
#
# vmalock: the two commands a newcomer needs are
#   make demo    build, boot a guest, load vmalock, fault from several threads
#   make shell   a root shell in a guest (KVER=..., default 6.12) with vmalock
#                loaded and vmalockctl on the PATH
#   make check   everything: deps, build, lint, every test suite on every
#                kernel (6.1, 6.12, sid's newest), then on a 6.12 debug
#                kernel (KASAN, lockdep)
#
# make             vmalock.ko for every installed supported kernel, and vmalockctl
# make KVER=...    only for that kernel (KDIR=... for a kernel tree elsewhere)
# make deps        install what the project needs (Debian 12, as root)
# make lint        checkpatch --strict, sparse and a W=1 -Werror build
# make test        the guest test suites on every supported kernel
# make bench       vmalockctl bench in a guest on each kernel (KVER=...: one),
#                  tables, JSON and plots in bench-results/
# make check-newest every suite and the dkms test on Debian sid's newest
#                  kernel, built in a debootstrap sid root (cached)
# make check-debug the race suites on a self-built 6.12 debug kernel (KASAN,
#                  lockdep, DEBUG_VM): about 16 min to build it once
# make dkms-install / dkms-remove   install the module through dkms
# make install / uninstall   vmalockctl, vmalock-stress, their man pages and
#                  the completion under PREFIX (default /usr/local); DESTDIR
#                  for staging.  Builds the tool first if it is not built.
# make deb         the Debian packages vmalock-dkms and vmalockctl, in build/deb/

SHELL := /bin/bash
TOP := $(CURDIR)

ifdef KVER
KVERS := $(KVER)
else
KVERS := $(shell $(TOP)/scripts/kernels.sh)
endif
KDIR ?=

# make install: the GNU names, so that a packager's DESTDIR and PREFIX work.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL ?= install
sbindir := $(PREFIX)/sbin
man8dir := $(PREFIX)/share/man/man8
bashcompdir := $(PREFIX)/share/bash-completion/completions
# vmalock-stress finds its helpers here, as ../lib/vmalock from its sbin.
libexecdir := $(PREFIX)/lib/vmalock
# Everything install puts, and so everything uninstall removes.
INSTALLED := $(sbindir)/vmalockctl $(sbindir)/vmalock-stress \
	$(man8dir)/vmalockctl.8 $(man8dir)/vmalock-stress.8 \
	$(bashcompdir)/vmalockctl \
	$(libexecdir)/check-kernel-log $(libexecdir)/log-patterns

.PHONY: all modules tool helpers deps lint test check check-newest check-debug demo shell bench \
	dkms-install dkms-remove install uninstall deb clean

all: modules tool helpers

modules:
	@[ -n "$(KVERS)" ] || { echo "no supported kernel headers installed: run 'make deps'" >&2; exit 1; }
	@set -e; for k in $(KVERS); do \
		echo "== vmalock.ko for $$k"; \
		$(TOP)/scripts/build-module.sh $$k $(KDIR); \
	done

helpers:
	$(MAKE) -C tests/helpers

tool:
	$(MAKE) -C ioctl-tool

deps:
	$(TOP)/scripts/deps.sh

lint:
	$(TOP)/scripts/lint.sh $(KVERS)

test: all
	$(TOP)/tests/run-suites.sh $(KVERS)

check: deps
	$(MAKE) all
	$(MAKE) lint
	$(TOP)/tests/run-suites.sh --all --newest --debug $(KVERS)

check-newest: deps
	$(TOP)/scripts/check-newest.sh

check-debug: deps
	$(TOP)/scripts/check-debug.sh

# Like check: deps first (a no-op in well under a second once installed),
# then a new make, whose KVERS sees the kernels deps may just have added.
demo: deps
	@$(MAKE) --no-print-directory all
	$(TOP)/scripts/demo.sh

shell: all
	$(TOP)/scripts/shell.sh $(KVER)

bench: all
	$(TOP)/scripts/bench.sh $(KVER)

dkms-install:
	$(TOP)/scripts/dkms.sh install $(KVERS)

dkms-remove:
	$(TOP)/scripts/dkms.sh remove

# Depends on the tool's build, which is a no-op once "make" has run: a
# "sudo make install" after "make" builds nothing as root.
install: tool
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(man8dir) \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(libexecdir)
	$(INSTALL) -m 0755 ioctl-tool/vmalockctl $(DESTDIR)$(sbindir)/vmalockctl
	$(INSTALL) -m 0755 tests/stress/vmalock-stress.sh $(DESTDIR)$(sbindir)/vmalock-stress
	$(INSTALL) -m 0644 docs/vmalockctl.8 docs/vmalock-stress.8 $(DESTDIR)$(man8dir)/
	$(INSTALL) -m 0644 scripts/vmalockctl.bash-completion $(DESTDIR)$(bashcompdir)/vmalockctl
	$(INSTALL) -m 0755 tests/guest/check-kernel-log $(DESTDIR)$(libexecdir)/check-kernel-log
	$(INSTALL) -m 0644 tests/guest/log-patterns $(DESTDIR)$(libexecdir)/log-patterns

# Exactly what install put, then its own directory if now empty; the
# shared directories (sbin, man8, ...) are left alone.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@! [ -d $(DESTDIR)$(libexecdir) ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$(libexecdir)

deb:
	$(TOP)/scripts/deb-build.sh

clean:
	rm -rf build tests/out
	$(MAKE) -C ioctl-tool clean
