# SPDX-License-Identifier: GPL-2.0
#
# vmalock: the two commands a newcomer needs are
#   make demo    build, boot a guest, load vmalock, fault from several threads
#   make check   everything: deps, build, lint, every test suite on every
#                kernel, then on a 6.12 debug kernel (KASAN, lockdep)
#
# make             vmalock.ko for every installed supported kernel, and vmalockctl
# make KVER=...    only for that kernel (KDIR=... for a kernel tree elsewhere)
# make deps        install what the project needs (Debian 12, as root)
# make lint        checkpatch --strict, sparse and a W=1 -Werror build
# make test        the guest test suites on every supported kernel
# make bench       vmalockctl bench in a guest on each kernel (KVER=...: one),
#                  tables, JSON and plots in bench-results/
# make check-debug every suite on a self-built 6.12 debug kernel (KASAN,
#                  lockdep, DEBUG_VM): about 19 min to build it once
# make dkms-install / dkms-remove   install the module through dkms
# make deb         the Debian packages vmalock-dkms and vmalockctl, in build/deb/

SHELL := /bin/bash
TOP := $(CURDIR)

ifdef KVER
KVERS := $(KVER)
else
KVERS := $(shell $(TOP)/scripts/kernels.sh)
endif
KDIR ?=

.PHONY: all modules tool helpers deps lint test check check-debug demo bench \
	dkms-install dkms-remove deb clean

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
	$(TOP)/tests/run-suites.sh --all --debug $(KVERS)

check-debug: deps
	$(TOP)/scripts/check-debug.sh

demo: all
	$(TOP)/scripts/demo.sh

bench: all
	$(TOP)/scripts/bench.sh $(KVER)

dkms-install:
	$(TOP)/scripts/dkms.sh install $(KVERS)

dkms-remove:
	$(TOP)/scripts/dkms.sh remove

deb:
	$(TOP)/scripts/deb-build.sh

clean:
	rm -rf build tests/out
	$(MAKE) -C ioctl-tool clean
