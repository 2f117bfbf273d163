// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the configurations, the switches each one needs, and
 * whether it can run here.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

#define FIRST	(1U << BENCH_FIRST)
#define REFAULT	(1U << BENCH_REFAULT)
#define ALL	(FIRST | REFAULT | 1U << BENCH_COW)

const struct bench_cfg bench_cfgs[] = {
	{ "vmalock-mmap", BENCH_VMALOCK, VMALOCK_MODE_MMAP, 0, .paths = ALL,
	  .fault_around = true },
	{ "vmalock-vma", BENCH_VMALOCK, VMALOCK_MODE_VMA, 0, .paths = ALL,
	  .fault_around = true },
	{ "vmalock-spec", BENCH_VMALOCK, VMALOCK_MODE_SPEC, 0, .paths = ALL,
	  .fault_around = true },
	{ "vmalock-vma-no-fault-around", BENCH_VMALOCK, VMALOCK_MODE_VMA, 0,
	  .paths = REFAULT },
	{ "vmalock-vma-no-map-pages", BENCH_VMALOCK, VMALOCK_MODE_VMA, 0,
	  .paths = FIRST | REFAULT, .fault_around = true, .no_map_pages = true },
	{ "vmalock-mmap-o4", BENCH_VMALOCK, VMALOCK_MODE_MMAP, 4, .paths = FIRST },
	{ "vmalock-vma-o4", BENCH_VMALOCK, VMALOCK_MODE_VMA, 4, .paths = FIRST },
	{ "vmalock-spec-o4", BENCH_VMALOCK, VMALOCK_MODE_SPEC, 4, .paths = FIRST },
	{ "vmalock-mmap-o9", BENCH_VMALOCK, VMALOCK_MODE_MMAP, 9, .paths = FIRST },
	{ "vmalock-vma-o9", BENCH_VMALOCK, VMALOCK_MODE_VMA, 9, .paths = FIRST },
	{ "vmalock-spec-o9", BENCH_VMALOCK, VMALOCK_MODE_SPEC, 9, .paths = FIRST },
	{ "anon", BENCH_ANON, .paths = FIRST },
	{ "anon-thp", BENCH_ANON, .thp = true, .paths = FIRST },
	{ "memfd", BENCH_MEMFD, .fault_around = true, .paths = ALL },
	{ "memfd-no-fault-around", BENCH_MEMFD, .paths = REFAULT },
	{ "userfaultfd", BENCH_UFFD, .paths = FIRST },
};
const size_t bench_nr_cfgs = ARRAY_SIZE(bench_cfgs);

static const char *const path_names[BENCH_PATH_NR] = {
	[BENCH_FIRST] = "first-touch",
	[BENCH_REFAULT] = "refault",
	[BENCH_COW] = "cow",
};

const char *bench_path_name(enum bench_path path)
{
	return path_names[path];
}

/*
 * The switches row @cfg runs with, in want[]: every row states all of them,
 * so that none runs with what the row before it left.
 */
static void bench_cfg_knobs(const struct bench_cfg *cfg, long *want)
{
	bool vmalock = cfg->kind == BENCH_VMALOCK;

	want[BENCH_KNOB_KERNEL_FAULT_AROUND] =
		cfg->kind == BENCH_MEMFD && !cfg->fault_around ?
		sysconf(_SC_PAGESIZE) : BENCH_FAULT_AROUND;
	want[BENCH_KNOB_FAULT_AROUND_PAGES] =
		vmalock && !cfg->fault_around ? 1 : BENCH_VMALOCK_FAULT_AROUND;
	want[BENCH_KNOB_MAP_PAGES] = !(vmalock && cfg->no_map_pages);
}

const char *bench_cfg_skip(const struct bench_cfg *cfg, bool per_vma_lock)
{
	long want[BENCH_KNOB_NR];
	int k;

	if (cfg->no_map_pages && !per_vma_lock)
		return "the kernel has no per-VMA lock (before 6.4): nothing to compare";
	if (cfg->kind == BENCH_UFFD && !bench_uffd_available())
		return "no userfaultfd here (kernel, vm.unprivileged_userfaultfd or seccomp)";
	bench_cfg_knobs(cfg, want);
	for (k = 0; k < BENCH_KNOB_NR; k++)
		if (!bench_knob_can(k, want[k]))
			return "needs root (and debugfs) to turn a switch";
	return NULL;
}

int bench_cfg_setup(const struct bench_cfg *cfg)
{
	long want[BENCH_KNOB_NR];
	int k;

	bench_cfg_knobs(cfg, want);
	for (k = 0; k < BENCH_KNOB_NR; k++)
		if (bench_knob_can(k, want[k]) && bench_knob_set(k, want[k]))
			return -1;
	return 0;
}
