// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: one timed sweep of a mapping by T threads, each on its
 * own contiguous pages, started together.  The access that opens each
 * fault unit (a page, a folio, a THP, a fault-around window) is timed on
 * its own; the others are plain accesses that must not fault.  The sweep
 * is valid only when the faults the sweeping threads took (getrusage, per
 * thread), and for vmalock the module's fault count, equal the units swept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

struct bench_thread {
	pthread_t tid;
	struct bench_mem *mem;
	size_t first, count;	/* pages of this thread */
	uint64_t *lat;		/* one slot per unit, pre-touched */
	size_t nlat;
	uint64_t start, end;
	long faults;		/* this thread's, over its sweep */
	pthread_barrier_t *ready, *go;
};

/*
 * Faults the calling thread took, minor and major: 6.1 counts a fault that
 * was retried (a userfaultfd handler's) as major.  Per thread, so that only
 * the sweep's faults count, not a thread's start or exit.
 */
static long thread_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *bench_thread_fn(void *arg)
{
	struct bench_thread *t = arg;
	size_t ps = sysconf(_SC_PAGESIZE), unit = t->mem->pages_per_fault;
	volatile unsigned char *p = t->mem->map;
	bool write = t->mem->write;
	size_t i;

	pthread_barrier_wait(t->ready);
	pthread_barrier_wait(t->go);
	t->faults = thread_faults();
	t->start = bench_now_ns();
	for (i = t->first; i < t->first + t->count; i++) {
		volatile unsigned char *a = p + i * ps;

		if (i % unit == 0) {
			uint64_t t0 = bench_now_ns();

			if (write)
				*a = 1;
			else
				(void)*a;
			t->lat[t->nlat++] = bench_now_ns() - t0;
		} else if (write) {
			*a = 1;
		} else {
			(void)*a;
		}
	}
	t->end = bench_now_ns();
	t->faults = thread_faults() - t->faults;
	return NULL;
}

/* Which fault paths a row's faults took, and what they met. */
const unsigned int bench_counters[BENCH_NR_COUNTERS] = {
	VMALOCK_STAT_FAULTS, VMALOCK_STAT_FAULTS_VMA_LOCKED,
	VMALOCK_STAT_FAULTS_MMAP_LOCKED, VMALOCK_STAT_VMA_LOCK_ABORT,
	VMALOCK_STAT_VMA_LOCK_RETRY, VMALOCK_STAT_SPEC_RETRY,
	VMALOCK_STAT_SPEC_FALLBACK, VMALOCK_STAT_FAULT_AROUND,
};

/* The module's bench_counters[]: -1 for one it does not have. */
static int module_counters(int fd, int64_t out[BENCH_NR_COUNTERS])
{
	struct vmalock_counters c;
	int i;

	if (vmalock_read_counters(fd, 0, &c))
		return -1;
	for (i = 0; i < BENCH_NR_COUNTERS; i++)
		out[i] = c.count > bench_counters[i] ?
			 (int64_t)c.values[bench_counters[i]] : -1;
	vmalock_counters_free(&c);
	return 0;
}

int bench_sample_run(const struct bench_cfg *cfg, struct bench_mem *mem,
		     unsigned int threads, enum bench_load load,
		     struct bench_sample *s)
{
	struct bench_load_run lr = {
		.load = load, .fd = mem->fd,
		.writer_first = mem->pages * sysconf(_SC_PAGESIZE),
		.writer_bytes = BENCH_WRITER_BYTES,
	};
	struct bench_thread t[BENCH_MAX_THREADS];
	size_t unit = mem->pages_per_fault, units = mem->pages / unit;
	size_t per = units / threads * unit, i, n;
	int64_t mf0[BENCH_NR_COUNTERS], mf1[BENCH_NR_COUNTERS];
	pthread_barrier_t ready, go;
	uint64_t start = UINT64_MAX, end = 0;
	bool counted;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	s->module_faults = -1;
	s->faults_expected = units;
	s->minflt_expected = units * mem->minflt_per_fault;
	s->lat = calloc(units ? units : 1, sizeof(*s->lat));
	if (!s->lat) {
		err_msg("out of memory");
		return -1;
	}
	/* calloc may hand out untouched pages: fault them in now. */
	memset(s->lat, 0xff, (units ? units : 1) * sizeof(*s->lat));
	pthread_barrier_init(&ready, NULL, threads + 1);
	pthread_barrier_init(&go, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		t[i] = (struct bench_thread){
			.mem = mem, .ready = &ready, .go = &go,
			.first = i * per,
			.count = i + 1 < threads ? per : mem->pages - i * per,
			.lat = s->lat + i * (per / unit),
		};
		if (pthread_create(&t[i].tid, NULL, bench_thread_fn, &t[i])) {
			err_msg("pthread_create failed");
			exit(1);
		}
	}
	/*
	 * Past the first barrier every thread has started, its stack faulted
	 * in, and waits: from here on the only faults are the sweep's.
	 */
	pthread_barrier_wait(&ready);
	/* A failed start or read still lets the threads go: they wait for us. */
	counted = !bench_load_start(&lr);
	counted = counted && (cfg->kind != BENCH_VMALOCK ||
			      !module_counters(mem->fd, mf0));
	pthread_barrier_wait(&go);
	for (i = 0; i < threads; i++) {
		pthread_join(t[i].tid, NULL);
		s->minflt += t[i].faults;
	}
	if (bench_load_stop(&lr))
		counted = false;
	if (lr.ns && load != BENCH_LOAD_NONE)
		s->load_calls_per_s = lr.calls * 1e9 / lr.ns;
	if (!counted)
		goto out;
	if (cfg->kind == BENCH_VMALOCK) {
		if (module_counters(mem->fd, mf1))
			goto out;
		for (i = 0; i < BENCH_NR_COUNTERS; i++)
			s->counters[i] = mf1[i] - mf0[i];
		/* bench_counters[0] is "faults". */
		s->module_faults = s->counters[0];
	}
	for (i = 0, n = 0; i < threads; i++) {
		if (t[i].start < start)
			start = t[i].start;
		if (t[i].end > end)
			end = t[i].end;
		memmove(s->lat + n, t[i].lat, t[i].nlat * sizeof(*s->lat));
		n += t[i].nlat;
	}
	s->ns = end - start;
	s->nlat = n;
	/*
	 * Alone, the module sees exactly the units.  Beside a writer, a fault
	 * that meets it is handed back to the core (VM_FAULT_RETRY, see
	 * vmalock_coarse_lock_or_retry()) and called again: the module counts
	 * both calls, getrusage only the one that completed.
	 */
	s->valid = s->minflt == s->minflt_expected &&
		   (s->module_faults < 0 ||
		    (uint64_t)s->module_faults == s->faults_expected ||
		    (load != BENCH_LOAD_NONE &&
		     (uint64_t)s->module_faults > s->faults_expected));
	/*
	 * And a writer's update, even of another range, makes a speculative
	 * fault discard what it had not yet published of its block: the rest
	 * of that block faults again, page by page.  Under the writer load the
	 * faults may exceed the units, each one a call of ours.
	 */
	if (load == BENCH_LOAD_WRITER && cfg->kind == BENCH_VMALOCK)
		s->valid = s->minflt >= s->minflt_expected &&
			   s->module_faults >= (int64_t)s->minflt;
	ret = 0;
out:
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
	return ret;
}
