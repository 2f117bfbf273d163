/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalockctl bench: page-fault cost of vmalock's lock modes and of what a
 * user would pick instead, measured side by side in one run.
 *
 * A configuration (struct bench_cfg) is a kind of memory with its knobs;
 * a path (enum bench_path) is the kind of fault timed.  bench_mem.c makes
 * the memory ready for one sample, bench_run.c times one sample from T
 * threads and checks that it caused the faults it meant to, cmd_bench.c
 * interleaves the repetitions and reports.
 */
#ifndef VMALOCKCTL_BENCH_H
#define VMALOCKCTL_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define BENCH_MAX_THREADS	64

enum bench_kind {
	BENCH_VMALOCK,		/* /dev/vmalock in one lock mode and order */
	BENCH_ANON,		/* MAP_PRIVATE|MAP_ANONYMOUS */
	BENCH_MEMFD,		/* a memfd mapped MAP_SHARED */
	BENCH_UFFD,		/* anonymous, missing faults served by userfaultfd */
};

enum bench_path {
	BENCH_FIRST,		/* first touch, a write: allocate and zero */
	BENCH_REFAULT,		/* read of an allocated page after MADV_DONTNEED */
	BENCH_COW,		/* first write to a MAP_PRIVATE mapping of it */
	BENCH_PATH_NR,
};

/* What else runs during a sample: see bench_load.c. */
enum bench_load {
	BENCH_LOAD_NONE,
	BENCH_LOAD_CHURN,
	BENCH_LOAD_CHURN_OTHER,
	BENCH_LOAD_WRITER,
	BENCH_LOAD_NR,
};

/* The writer load's range: just past the pages a sample sweeps. */
#define BENCH_WRITER_BYTES	(64UL << 10)

struct bench_load_run {
	enum bench_load load;
	int fd;				/* writer: the region */
	uint64_t writer_first, writer_bytes;	/* writer: its range, bytes */
	pthread_t tid;
	pid_t child;			/* churn-other */
	atomic_bool stop, running;
	bool started;			/* there is a thread or child to stop */
	uint64_t calls;			/* the load's calls (rounds of churn) */
	uint64_t start, ns;		/* how long it ran */
	int failed;			/* writer: the errno that stopped it */
};

struct bench_cfg {
	const char *name;
	enum bench_kind kind;
	uint32_t mode;		/* BENCH_VMALOCK: VMALOCK_MODE_* */
	uint32_t order;		/* BENCH_VMALOCK: preferred folio order */
	bool thp;		/* BENCH_ANON: MADV_HUGEPAGE, else NOHUGEPAGE */
	bool fault_around;	/* BENCH_MEMFD: the kernel's fault-around on;
				 * BENCH_VMALOCK: the module's */
	bool no_map_pages;	/* BENCH_VMALOCK: mapped without ->map_pages */
	unsigned int paths;	/* bit per enum bench_path it is timed on */
};

/* The memory one sample sweeps, and how many faults the sweep must take. */
struct bench_mem {
	int fd;			/* the device or the memfd; -1 for anonymous */
	unsigned char *map;	/* the mapping swept, 2 MiB aligned */
	size_t pages;
	size_t pages_per_fault;	/* 1, a folio, a THP, or fault-around */
	unsigned int minflt_per_fault;	/* faults getrusage counts per unit */
	bool write;		/* the sweep writes; else it reads */
	struct bench_uffd *uffd;	/* BENCH_UFFD: the handler */
};

/* The module's counters a vmalock row reports, summed over its samples. */
#define BENCH_NR_COUNTERS	8
extern const unsigned int bench_counters[BENCH_NR_COUNTERS];

/* One sample: the sweep of @pages by @threads threads. */
struct bench_sample {
	uint64_t ns;		/* first thread's start to last thread's end */
	uint64_t faults_expected;	/* fault units: module faults too */
	uint64_t minflt_expected;
	uint64_t minflt;	/* the sweepers' RUSAGE_THREAD minor+major faults */
	int64_t module_faults;	/* vmalock's "faults" delta; -1 if not vmalock */
	int64_t counters[BENCH_NR_COUNTERS];	/* vmalock: bench_counters[] deltas */
	uint64_t *lat;		/* ns of each faulting access */
	size_t nlat;
	double load_calls_per_s;	/* the load's, 0 when alone */
	bool valid;
};

/* The samples of one configuration, path, load and thread count. */
struct bench_row {
	const struct bench_cfg *cfg;
	enum bench_path path;
	enum bench_load load;
	unsigned int threads;
	uint64_t pages;		/* per sample */
	struct bench_sample *s;	/* --reps of them */
	size_t n, valid;
	size_t redone;		/* tries redone after an invalid one */
	const char *skipped;	/* why the row is left out, or NULL */
};

/* bench_cfgs.c */
extern const struct bench_cfg bench_cfgs[];
extern const size_t bench_nr_cfgs;
const char *bench_path_name(enum bench_path path);
/* Why @cfg cannot run here, or NULL. */
const char *bench_cfg_skip(const struct bench_cfg *cfg, bool per_vma_lock);
int bench_cfg_setup(const struct bench_cfg *cfg);	/* its switches */

/* bench_report.c */
void bench_print_header(void);
void bench_print_row(FILE *out, const struct bench_row *r, bool json);
void bench_print_reference(void);

/*
 * Pages a userfaultfd sample sweeps at most: each of its faults is a round
 * trip through the handler thread, milliseconds under emulation.
 */
#define BENCH_UFFD_MAX_PAGES	512

/* The kernel's default fault-around window, and the module's, in pages. */
#define BENCH_FAULT_AROUND	65536
#define BENCH_VMALOCK_FAULT_AROUND	16

/* bench_knobs.c: the switches rows turn, root only. */
enum bench_knob {
	BENCH_KNOB_KERNEL_FAULT_AROUND,	/* debugfs fault_around_bytes */
	BENCH_KNOB_FAULT_AROUND_PAGES,	/* the module's fault_around_pages */
	BENCH_KNOB_MAP_PAGES,		/* the module's map_pages, 1 or 0 */
	BENCH_KNOB_NR,
};

void bench_knobs_init(void);
long bench_knob_get(enum bench_knob k);	/* -1 when it cannot be read */
bool bench_knob_can(enum bench_knob k, long value);
int bench_knob_set(enum bench_knob k, long value);	/* 0, or -1 after a message */
void bench_knobs_restore(void);

/* bench_mem.c: 0, or -1 after a message. */
int bench_mem_prepare(const struct bench_cfg *cfg, enum bench_path path,
		      size_t pages, struct bench_mem *mem);
void bench_mem_release(struct bench_mem *mem);

/* bench_uffd.c */
int bench_uffd_start(struct bench_mem *mem, size_t len);
void bench_uffd_stop(struct bench_mem *mem);
bool bench_uffd_available(void);

/* bench_load.c: 0, or -1 after a message. */
const char *bench_load_name(enum bench_load load);
int bench_load_parse(const char *name);	/* -1 if unknown */
int bench_load_start(struct bench_load_run *r);
int bench_load_stop(struct bench_load_run *r);
int bench_churn_child(void);

/* bench_run.c */
int bench_sample_run(const struct bench_cfg *cfg, struct bench_mem *mem,
		     unsigned int threads, enum bench_load load,
		     struct bench_sample *s);
uint64_t bench_now_ns(void);

#endif /* VMALOCKCTL_BENCH_H */
