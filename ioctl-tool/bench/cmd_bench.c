// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: every configuration on every path it applies to,
 * repeated and interleaved (A B C A B C ...) so that the guest's noise
 * falls on all of them alike; a table or JSON of the medians.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
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

static int bench_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_bench = {
	.name = "bench",
	.summary = "time page faults of each lock mode against anonymous memory and a memfd",
	.synopsis = "[--pages N] [--reps R] [--threads T] [--quick] [--json]",
	.help =
	"Time page faults on vmalock in each lock mode (mmap, vma, spec) at\n"
	"orders 0, 4 and 9, in vma mode without its fault-around and without\n"
	"->map_pages (6.4+: every fault retried under mmap_lock, the baseline\n"
	"the per-VMA lock beats), and on what a user would pick instead:\n"
	"anonymous memory (THP off and on) and a memfd mapped shared (the\n"
	"kernel's fault-around on and, for re-faults, off).  Three paths:\n"
	"  first-touch  a write to a page never touched: allocate and zero\n"
	"  refault      a read of an allocated page after MADV_DONTNEED\n"
	"  cow          the first write to a MAP_PRIVATE mapping of it\n"
	"Each configuration runs R times, interleaved with the others.  T\n"
	"threads sweep their own contiguous pages.  A sample is valid only when\n"
	"the minor faults it caused (getrusage), and for vmalock the module's\n"
	"fault count, equal the fault units it swept: one per page, per folio\n"
	"at large orders, per THP, or per fault-around window (the kernel's 64\n"
	"KiB, vmalock's fault_around_pages; vmalock's COW takes two minor faults\n"
	"per page: a read-only map, then the copy).  Invalid samples are counted\n"
	"and left out of the figures.  The rows that turn a switch (debugfs\n"
	"fault_around_bytes, the module's fault_around_pages and map_pages) need\n"
	"root; without it they are left out.  Every switch is restored at the\n"
	"end.\n"
	"Timings under emulation (TCG) are only meaningful as ratios within\n"
	"one run.\n"
	"\n"
	"Options:\n"
	"  -n, --pages N    pages per sample, a multiple of 512 (default 16384)\n"
	"  -r, --reps R     repetitions of each configuration (default 5)\n"
	"  -t, --threads T  sweeping threads, 1..64 (default 1)\n"
	"  -q, --quick      1024 pages, 2 repetitions: a smoke run\n"
	"  -j, --json       one JSON object per configuration and path, a line each\n"
	"  -h, --help       show this help\n"
	"\n"
	"Report, per configuration and path: ns per fault and per page (median,\n"
	"min, max over the valid samples), faults per second at the median,\n"
	"p50 and p99 of the single faults' latency, valid/total samples.\n"
	"Exit status 1 when any sample is invalid.",
	.run = bench_run,
};

struct bench_opts {
	uint64_t pages, reps, threads;
	bool json;
};

/* The samples of one configuration on one path. */
struct bench_row {
	const struct bench_cfg *cfg;
	enum bench_path path;
	struct bench_sample *s;	/* reps of them */
	size_t n, valid;
	const char *skipped;	/* why the row is left out, or NULL */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "pages", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct bench_opts){ .pages = 16384, .reps = 5, .threads = 1 };
	while ((c = getopt_long(argc, argv, "n:r:t:qjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64_option(&cmd_bench, "--pages", optarg, 512,
					     1U << 20, &o->pages))
				return EXIT_USAGE;
			if (o->pages % 512)
				return usage_error(&cmd_bench, "--pages must be a multiple of 512");
			break;
		case 'r':
			if (parse_u64_option(&cmd_bench, "--reps", optarg, 1,
					     1000, &o->reps))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_u64_option(&cmd_bench, "--threads", optarg, 1,
					     BENCH_MAX_THREADS, &o->threads))
				return EXIT_USAGE;
			break;
		case 'q':
			o->pages = 1024;
			o->reps = 2;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_cmd_help(&cmd_bench, stdout);
			exit(0);
		default:
			return option_error(&cmd_bench, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(&cmd_bench, "unexpected argument '%s'",
				   argv[optind]);
	return 0;
}

/* Figures of one row over its valid samples. */
struct bench_fig {
	uint64_t per_fault[3], per_page[3];	/* median, min, max, ns */
	uint64_t p50, p99;			/* single faults, ns */
	double faults_per_s;
};

static void bench_figures(const struct bench_row *r, uint64_t pages,
			  struct bench_fig *f)
{
	uint64_t *ns = calloc(r->n, sizeof(*ns)), *lat;
	size_t i, k = 0, nl = 0, faults = 0;

	for (i = 0; i < r->n; i++)
		if (r->s[i].valid) {
			ns[k++] = r->s[i].ns;
			nl += r->s[i].nlat;
			faults = r->s[i].faults_expected;
		}
	lat = calloc(nl ? nl : 1, sizeof(*lat));
	if (!ns || !lat) {
		err_msg("out of memory");
		exit(1);
	}
	for (i = 0, nl = 0; i < r->n; i++)
		if (r->s[i].valid) {
			memcpy(lat + nl, r->s[i].lat,
			       r->s[i].nlat * sizeof(*lat));
			nl += r->s[i].nlat;
		}
	qsort(ns, k, sizeof(*ns), cmp_u64);
	qsort(lat, nl, sizeof(*lat), cmp_u64);
	memset(f, 0, sizeof(*f));
	if (k && faults) {
		f->per_fault[0] = ns[k / 2] / faults;
		f->per_fault[1] = ns[0] / faults;
		f->per_fault[2] = ns[k - 1] / faults;
		f->per_page[0] = ns[k / 2] / pages;
		f->per_page[1] = ns[0] / pages;
		f->per_page[2] = ns[k - 1] / pages;
		f->faults_per_s = faults * 1e9 / ns[k / 2];
		f->p50 = lat[nl / 2];
		f->p99 = lat[nl * 99 / 100];
	}
	free(ns);
	free(lat);
}

static void bench_print_row(const struct bench_opts *o,
			    const struct bench_row *r)
{
	struct bench_fig f;

	if (r->skipped) {
		if (!o->json)
			printf("%-28s %-12s left out: %s\n", r->cfg->name,
			       bench_path_name(r->path), r->skipped);
		return;
	}
	bench_figures(r, o->pages, &f);
	if (o->json) {
		struct json_obj j;

		json_open(&j, stdout);
		json_str(&j, "config", r->cfg->name);
		json_str(&j, "path", bench_path_name(r->path));
		json_u64(&j, "pages", o->pages);
		json_u64(&j, "threads", o->threads);
		json_u64(&j, "samples", r->n);
		json_u64(&j, "valid", r->valid);
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
		if (r->cfg->kind == BENCH_VMALOCK) {
			int64_t vma = 0, mmap = 0;
			size_t i;

			/* The module's view, over every sample of the row. */
			for (i = 0; i < r->n; i++) {
				vma += r->s[i].module_vma_locked;
				mmap += r->s[i].module_mmap_locked;
			}
			json_s64(&j, "faults_vma_locked", vma);
			json_s64(&j, "faults_mmap_locked", mmap);
		}
		json_close(&j);
		return;
	}
	printf("%-28s %-12s %6zu/%-3zu %9" PRIu64 " %9" PRIu64 "..%-9" PRIu64
	       " %7" PRIu64 " %9.0f %9" PRIu64 " %9" PRIu64 "\n",
	       r->cfg->name, bench_path_name(r->path), r->valid, r->n,
	       f.per_fault[0], f.per_fault[1], f.per_fault[2], f.per_page[0],
	       f.faults_per_s, f.p50, f.p99);
}

/* One sample of row @r; a failed setup ends the run. */
static int bench_one(const struct bench_opts *o, struct bench_row *r,
		     bool warmup)
{
	struct bench_sample *s = &r->s[r->n];
	struct bench_mem mem;

	if (bench_mem_prepare(r->cfg, r->path, o->pages, &mem))
		return -1;
	if (bench_sample_run(r->cfg, &mem, o->threads, s)) {
		bench_mem_release(&mem);
		return -1;
	}
	bench_mem_release(&mem);
	if (warmup) {
		free(s->lat);
		memset(s, 0, sizeof(*s));
		return 0;
	}
	if (!s->valid)
		warn_msg("%s %s sample %zu invalid: %" PRIu64 " minor faults (want %" PRIu64 "), module faults %" PRId64 " (want %" PRIu64 ")",
			 r->cfg->name, bench_path_name(r->path), r->n + 1,
			 s->minflt, s->minflt_expected, s->module_faults,
			 s->faults_expected);
	r->valid += s->valid;
	r->n++;
	return 0;
}

/*
 * The switches row @cfg runs with, in want[]: every row states all of them,
 * so that none runs with what the row before it left.
 */
static void bench_row_knobs(const struct bench_cfg *cfg, long *want)
{
	bool vmalock = cfg->kind == BENCH_VMALOCK;

	want[BENCH_KNOB_KERNEL_FAULT_AROUND] =
		cfg->kind == BENCH_MEMFD && !cfg->fault_around ?
		sysconf(_SC_PAGESIZE) : BENCH_FAULT_AROUND;
	want[BENCH_KNOB_FAULT_AROUND_PAGES] =
		vmalock && !cfg->fault_around ? 1 : BENCH_VMALOCK_FAULT_AROUND;
	want[BENCH_KNOB_MAP_PAGES] = !(vmalock && cfg->no_map_pages);
}

/* Why row @cfg cannot run here, or NULL. */
static const char *bench_row_skip(const struct bench_cfg *cfg,
				  bool per_vma_lock)
{
	long want[BENCH_KNOB_NR];
	int k;

	if (cfg->no_map_pages && !per_vma_lock)
		return "the kernel has no per-VMA lock (before 6.4): nothing to compare";
	bench_row_knobs(cfg, want);
	for (k = 0; k < BENCH_KNOB_NR; k++)
		if (!bench_knob_can(k, want[k]))
			return "needs root (and debugfs) to turn a switch";
	return NULL;
}

static int bench_row_setup(const struct bench_cfg *cfg)
{
	long want[BENCH_KNOB_NR];
	int k;

	bench_row_knobs(cfg, want);
	for (k = 0; k < BENCH_KNOB_NR; k++)
		if (bench_knob_can(k, want[k]) && bench_knob_set(k, want[k]))
			return -1;
	return 0;
}

static int bench_run(int argc, char **argv)
{
	struct bench_row rows[ARRAY_SIZE(bench_cfgs) * BENCH_PATH_NR];
	size_t nrows = 0, i, invalid = 0;
	struct vmalock_version ver;
	struct bench_opts o;
	bool per_vma_lock;
	uint64_t rep;
	int ret, fd;

	ret = bench_parse(argc, argv, &o);
	if (ret)
		return ret;
	fd = vmalock_open(O_RDWR, &ver);
	if (fd < 0)
		return 1;
	close(fd);
	per_vma_lock = ver.features & VMALOCK_FEAT_PER_VMA_LOCK;
	/* Read every switch once: each is restored before leaving. */
	bench_knobs_init();
	for (i = 0; i < bench_nr_cfgs; i++) {
		unsigned int p;

		for (p = 0; p < BENCH_PATH_NR; p++) {
			if (!(bench_cfgs[i].paths & (1U << p)))
				continue;
			rows[nrows] = (struct bench_row){
				.cfg = &bench_cfgs[i], .path = p,
				.s = calloc(o.reps, sizeof(struct bench_sample)),
				.skipped = bench_row_skip(&bench_cfgs[i],
							  per_vma_lock),
			};
			if (!rows[nrows].s) {
				err_msg("out of memory");
				return 1;
			}
			nrows++;
		}
	}
	/*
	 * A warm-up sample, not reported: the first one also faults in the
	 * tool's own code and data on the sweep's path (a few pages).
	 */
	ret = bench_row_setup(rows[0].cfg) ?: bench_one(&o, &rows[0], true);
	for (rep = 0; rep < o.reps && !ret; rep++)
		for (i = 0; i < nrows && !ret; i++) {
			if (rows[i].skipped)
				continue;
			ret = bench_row_setup(rows[i].cfg);
			if (!ret)
				ret = bench_one(&o, &rows[i], false);
		}
	bench_knobs_restore();
	if (ret)
		return 1;

	if (!o.json)
		printf("%-28s %-12s %10s %9s %20s %7s %9s %9s %9s\n",
		       "config", "path", "valid", "ns/fault", "(min..max)",
		       "ns/page", "faults/s", "p50 ns", "p99 ns");
	for (i = 0; i < nrows; i++) {
		bench_print_row(&o, &rows[i]);
		invalid += rows[i].n - rows[i].valid;
	}
	if (!o.json)
		printf("%zu pages, %" PRIu64 " thread(s), %" PRIu64 " repetitions; %zu invalid samples\n",
		       (size_t)o.pages, o.threads, o.reps, invalid);
	return invalid ? 1 : 0;
}
