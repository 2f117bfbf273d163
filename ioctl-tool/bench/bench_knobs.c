// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the kernel's and the module's switches that some rows
 * turn (root only).  Each row states the value it needs; a switch is
 * written only when that differs from what it holds, and every switch is
 * given back its value when the bench ends.  A row that needs a switch the
 * caller cannot write (not root, no debugfs) is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

#define PARAMS	"/sys/module/vmalock/parameters/"

struct bench_knob_def {
	const char *path;
	bool boolean;		/* "Y"/"N" in the file, 1/0 here */
};

static const struct bench_knob_def knob_defs[BENCH_KNOB_NR] = {
	[BENCH_KNOB_KERNEL_FAULT_AROUND] = { "/sys/kernel/debug/fault_around_bytes" },
	[BENCH_KNOB_FAULT_AROUND_PAGES] = { PARAMS "fault_around_pages" },
	[BENCH_KNOB_MAP_PAGES] = { PARAMS "map_pages", true },
};

static struct {
	long saved, cur;	/* -1: the file could not be read */
	bool writable;
} knobs[BENCH_KNOB_NR];

static long knob_read(const struct bench_knob_def *d)
{
	FILE *f = fopen(d->path, "re");
	char buf[32] = "";
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		if (d->boolean)
			v = buf[0] == 'Y' ? 1 : buf[0] == 'N' ? 0 : -1;
		else if (sscanf(buf, "%ld", &v) != 1)
			v = -1;
	}
	fclose(f);
	return v;
}

void bench_knobs_init(void)
{
	int k;

	for (k = 0; k < BENCH_KNOB_NR; k++) {
		knobs[k].saved = knob_read(&knob_defs[k]);
		knobs[k].cur = knobs[k].saved;
		knobs[k].writable = knobs[k].saved >= 0 &&
				    access(knob_defs[k].path, W_OK) == 0;
	}
}

long bench_knob_get(enum bench_knob k)
{
	return knobs[k].cur;
}

bool bench_knob_can(enum bench_knob k, long value)
{
	return knobs[k].cur == value || knobs[k].writable;
}

int bench_knob_set(enum bench_knob k, long value)
{
	const struct bench_knob_def *d = &knob_defs[k];
	bool ok = false;
	FILE *f;

	if (knobs[k].cur == value)
		return 0;
	/* A debugfs attribute cannot seek: a fresh open for each write. */
	f = fopen(d->path, "we");
	if (f) {
		ok = (d->boolean ? fputs(value ? "Y\n" : "N\n", f) :
				   fprintf(f, "%ld\n", value)) >= 0;
		ok = !fclose(f) && ok;
	}
	if (!ok) {
		err_msg("writing %ld to %s: %s", value, d->path, strerror(errno));
		return -1;
	}
	knobs[k].cur = value;
	return 0;
}

void bench_knobs_restore(void)
{
	int k;

	for (k = 0; k < BENCH_KNOB_NR; k++)
		if (knobs[k].writable)
			bench_knob_set(k, knobs[k].saved);
}
