// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the figures of a row over its valid samples, as a table
 * line or a JSON object.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

struct bench_fig {
	uint64_t per_fault[3], per_page[3];	/* median, min, max, ns */
	uint64_t p50, p99;			/* single faults, ns */
	double faults_per_s;	/* at the median */
	double load_per_s;	/* mean */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		err_msg("out of memory");
		exit(1);
	}
	return p;
}

static void bench_figures(const struct bench_row *r, uint64_t pages,
			  struct bench_fig *f)
{
	uint64_t *ns = xcalloc(r->n, sizeof(*ns)), *lat;
	double *load = xcalloc(r->n, sizeof(*load));
	size_t i, k = 0, nl = 0, faults = 0;

	for (i = 0; i < r->n; i++)
		if (r->s[i].valid)
			nl += r->s[i].nlat;
	lat = xcalloc(nl, sizeof(*lat));
	for (i = 0, nl = 0; i < r->n; i++) {
		if (!r->s[i].valid)
			continue;
		ns[k] = r->s[i].ns;
		load[k++] = r->s[i].load_calls_per_s;
		faults = r->s[i].faults_expected;
		memcpy(lat + nl, r->s[i].lat, r->s[i].nlat * sizeof(*lat));
		nl += r->s[i].nlat;
	}
	qsort(ns, k, sizeof(*ns), cmp_u64);
	qsort(lat, nl, sizeof(*lat), cmp_u64);
	memset(f, 0, sizeof(*f));
	if (k && faults && nl) {
		f->per_fault[0] = ns[k / 2] / faults;
		f->per_fault[1] = ns[0] / faults;
		f->per_fault[2] = ns[k - 1] / faults;
		f->per_page[0] = ns[k / 2] / pages;
		f->per_page[1] = ns[0] / pages;
		f->per_page[2] = ns[k - 1] / pages;
		f->faults_per_s = faults * 1e9 / ns[k / 2];
		f->p50 = lat[nl / 2];
		f->p99 = lat[nl * 99 / 100];
		/* The load's rate: the mean over the valid samples. */
		for (i = 0; i < k; i++)
			f->load_per_s += load[i] / k;
	}
	free(ns);
	free(load);
	free(lat);
}

void bench_print_header(void)
{
	printf("%-28s %-11s %-11s %3s %7s %9s %20s %7s %9s %9s %9s %9s\n",
	       "config", "path", "load", "thr", "valid", "ns/fault",
	       "(min..max)", "ns/page", "faults/s", "p50 ns", "p99 ns",
	       "load/s");
}

void bench_print_row(FILE *out, const struct bench_row *r, bool json)
{
	uint64_t pages = r->pages;
	struct bench_fig f;

	if (r->skipped) {
		if (!json)
			fprintf(out, "%-28s %-11s %-11s %3u left out: %s\n",
			       r->cfg->name, bench_path_name(r->path),
			       bench_load_name(r->load), r->threads, r->skipped);
		return;
	}
	bench_figures(r, pages, &f);
	if (json) {
		struct json_obj j;

		json_open(&j, out);
		json_str(&j, "config", r->cfg->name);
		json_str(&j, "path", bench_path_name(r->path));
		json_str(&j, "load", bench_load_name(r->load));
		json_u64(&j, "pages", pages);
		json_u64(&j, "threads", r->threads);
		json_u64(&j, "samples", r->n);
		json_u64(&j, "valid", r->valid);
		json_u64(&j, "redone", r->redone);
		json_u64(&j, "faults", r->n ? r->s[0].faults_expected : 0);
		json_u64(&j, "minor_faults", r->n ? r->s[0].minflt_expected : 0);
		json_u64(&j, "ns_per_fault", f.per_fault[0]);
		json_u64(&j, "ns_per_fault_min", f.per_fault[1]);
		json_u64(&j, "ns_per_fault_max", f.per_fault[2]);
		json_u64(&j, "ns_per_page", f.per_page[0]);
		json_u64(&j, "ns_per_page_min", f.per_page[1]);
		json_u64(&j, "ns_per_page_max", f.per_page[2]);
		json_u64(&j, "faults_per_s", (uint64_t)f.faults_per_s);
		json_u64(&j, "p50_ns", f.p50);
		json_u64(&j, "p99_ns", f.p99);
		json_u64(&j, "load_calls_per_s", (uint64_t)f.load_per_s);
		if (r->cfg->kind == BENCH_VMALOCK) {
			static const char *const names[] = VMALOCK_COUNTER_NAMES;
			int64_t sum[BENCH_NR_COUNTERS] = { 0 }, calls = 0;
			int64_t extra = 0;
			size_t i, k;

			/* The module's view, over every sample of the row. */
			for (i = 0; i < r->n; i++) {
				for (k = 1; k < BENCH_NR_COUNTERS; k++)
					sum[k] += r->s[i].counters[k];
				calls += r->s[i].module_faults -
					 r->s[i].minflt;
				extra += r->s[i].minflt -
					 r->s[i].minflt_expected;
			}
			for (k = 1; k < BENCH_NR_COUNTERS; k++)
				json_s64(&j, names[bench_counters[k]], sum[k]);
			/* Handler calls that gave the fault back to the core. */
			json_s64(&j, "fault_retries", calls);
			/* Faults beyond the units (writer load only). */
			json_s64(&j, "extra_faults", extra);
		}
		json_close(&j);
		return;
	}
	fprintf(out, "%-28s %-11s %-11s %3u %3zu/%-3zu %9" PRIu64 " %9" PRIu64 "..%-9" PRIu64
	       " %7" PRIu64 " %9.0f %9" PRIu64 " %9" PRIu64 " %9.0f\n",
	       r->cfg->name, bench_path_name(r->path), bench_load_name(r->load),
	       r->threads, r->valid, r->n, f.per_fault[0], f.per_fault[1],
	       f.per_fault[2], f.per_page[0], f.faults_per_s, f.p50, f.p99,
	       f.load_per_s);
}

/* Zero or copy one page the way the kernel does on x86: rep stosb / movsb. */
static void page_op(void *dst, const void *src, size_t n)
{
#ifdef __x86_64__
	if (src)
		__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n)
				 : : "memory");
	else
		__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0)
				 : "memory");
#else
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, 0, n);
#endif
}

/*
 * What zeroing and copying a page cost here, in user space: the floor of
 * every first touch and every copy-on-write, whatever the order or lock.
 * Under emulation it is most of a fault's cost.
 */
void bench_print_reference(void)
{
	size_t ps = sysconf(_SC_PAGESIZE), n = 1024, i;
	unsigned char *a = aligned_alloc(ps, n * ps);
	unsigned char *b = aligned_alloc(ps, n * ps);
	uint64_t t0, t1, t2;

	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	memset(a, 1, n * ps);
	memset(b, 1, n * ps);
	t0 = bench_now_ns();
	for (i = 0; i < n; i++)
		page_op(a + i * ps, NULL, ps);
	t1 = bench_now_ns();
	for (i = 0; i < n; i++)
		page_op(b + i * ps, a + i * ps, ps);
	t2 = bench_now_ns();
	printf("reference: zeroing a page %" PRIu64 " ns, copying one %" PRIu64 " ns (user space, as the kernel does)\n",
	       (t1 - t0) / n, (t2 - t1) / n);
	free(a);
	free(b);
}
