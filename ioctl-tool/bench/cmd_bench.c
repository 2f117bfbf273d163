// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: every configuration on every path it applies to, under
 * every load asked for, at every thread count asked for, repeated and
 * interleaved (A B C A B C ...) so that the guest's noise falls on all of
 * them alike; a table or JSON of the medians.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

static int bench_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_bench = {
	.name = "bench",
	.summary = "time page faults of each lock mode against anonymous memory, a memfd and userfaultfd",
	.synopsis = "[--pages N] [--reps R] [--threads T [--sweep]] [--loads LIST] [--configs LIST] [--quick] [--json] [--output FILE]",
	.help =
	"Time page faults on vmalock in each lock mode (mmap, vma, spec) at\n"
	"orders 0, 4 and 9, in vma mode without its fault-around and without\n"
	"->map_pages (6.4+: every fault retried under mmap_lock, the baseline\n"
	"the per-VMA lock beats), and on what a user would pick instead:\n"
	"anonymous memory (THP off and on), a memfd mapped shared (the\n"
	"kernel's fault-around on and, for re-faults, off), and anonymous\n"
	"memory whose missing faults a userfaultfd handler thread serves with\n"
	"UFFDIO_COPY (first touch).  Three paths:\n"
	"  first-touch  a write to a page never touched: allocate and zero\n"
	"  refault      a read of an allocated page after MADV_DONTNEED\n"
	"  cow          the first write to a MAP_PRIVATE mapping of it\n"
	"Four loads, each run beside the sweep:\n"
	"  alone        nothing\n"
	"  churn        a thread of this process mmap()s, mprotect()s and\n"
	"               munmap()s unrelated memory as fast as it can\n"
	"  churn-other  the same in another process: the control for CPU sharing\n"
	"  writer       (vmalock only) a thread FILLs and INVALIDATEs 64 KiB of\n"
	"               the same region that the sweep does not map\n"
	"Each row runs R times, interleaved with the others.  T threads sweep\n"
	"their own contiguous pages.  A sample is valid only when the faults\n"
	"its threads took (getrusage per thread, minor and major: 6.1 counts a\n"
	"retried fault as major), and for vmalock the module's fault count,\n"
	"equal the fault units it swept: one per page, per folio at large\n"
	"orders, per THP, or per fault-around window (the kernel's 64 KiB,\n"
	"vmalock's fault_around_pages).  An invalid sample is tried\n"
	"again, up to 3 times: a stray fault (on a page compaction moved) is\n"
	"rare, a wrong count by design repeats.  The redone tries are counted;\n"
	"a sample still invalid is counted and left out of the figures.\n"
	"The rows that turn a switch (debugfs\n"
	"fault_around_bytes, the module's fault_around_pages and map_pages) need\n"
	"root; without it they are left out.  Every switch is restored at the\n"
	"end.  Timings under emulation (TCG) are only meaningful as ratios\n"
	"within one run.\n"
	"\n"
	"Options:\n"
	"  -n, --pages N     pages per sample, a multiple of 512 (default 16384)\n"
	"      --reps R      repetitions of each row (default 5)\n"
	"  -t, --threads T   sweeping threads, 1..64 (default 1)\n"
	"      --sweep       every thread count from 1 to T, not only T\n"
	"  -l, --loads LIST  comma-separated loads, or all (default alone)\n"
	"  -c, --configs LIST  comma-separated configurations (default all)\n"
	"  -q, --quick       1024 pages, 2 repetitions: a smoke run\n"
	"      --progress    a progress line on stderr every 5 s even when it\n"
	"                    is not a terminal (never with --json to a pipe)\n"
	"  -j, --json        one JSON object per row, a line each\n"
	"  -o, --output FILE also write the JSON rows to FILE\n"
	"  -h, --help        show this help\n"
	"\n"
	"A userfaultfd sample sweeps at most 512 pages: each of its faults is a\n"
	"round trip through the handler thread.\n"
	"\n"
	"Report, per row: ns per fault and per page (median, min, max over the\n"
	"valid samples), faults per second at the median, p50 and p99 of the\n"
	"single faults' latency, valid/total samples, and the load's calls per\n"
	"second (churn rounds or writer ioctls; 0 for churn-other, counted in\n"
	"the other process).  JSON adds, for vmalock, the module's counters\n"
	"over the row's samples (faults_vma_locked, faults_mmap_locked,\n"
	"vma_lock_abort, vma_lock_retry, spec_retry, spec_fallback,\n"
	"fault_around; see 'vmalockctl stats'), and fault_retries: the\n"
	"handler's calls beyond the faults, each a fault that met a writer and\n"
	"was handed back to the kernel to retry (so beside a load the module\n"
	"may count more calls than faults; alone, exactly as many), and\n"
	"extra_faults: under the writer load, faults beyond the units, where a\n"
	"writer made a speculative fault drop the rest of its block.\n"
	"Exit status 1 when any sample is invalid.",
	.run = bench_run,
};

struct bench_opts {
	uint64_t pages, reps, threads;
	bool sweep, json, progress;
	const char *output;	/* also write the JSON rows here */
	unsigned int loads;	/* bit per enum bench_load */
	const char *configs;	/* comma-separated names, or NULL for all */
};

static int parse_loads(const char *arg, unsigned int *loads)
{
	char *list = strdup(arg), *save = NULL, *name;
	int ret = 0;

	if (!list)
		return -1;
	*loads = 0;
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		int l = bench_load_parse(name);

		if (!strcmp(name, "all")) {
			*loads = (1U << BENCH_LOAD_NR) - 1;
		} else if (l < 0) {
			ret = -1;
			break;
		} else {
			*loads |= 1U << l;
		}
	}
	free(list);
	return ret || !*loads ? -1 : 0;
}

/* Is @name among the comma-separated @list (NULL: everything is)? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!list)
		return true;
	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* Options with no short form: -r and -s mean --reset and --seed elsewhere. */
enum { OPT_REPS = 0x100, OPT_SWEEP, OPT_PROGRESS };

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "pages", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "threads", required_argument, NULL, 't' },
		{ "sweep", no_argument, NULL, OPT_SWEEP },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "loads", required_argument, NULL, 'l' },
		{ "configs", required_argument, NULL, 'c' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		/* The other process of the churn-other load. */
		{ "churn-child", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	size_t i;
	int c;

	*o = (struct bench_opts){ .pages = 16384, .reps = 5, .threads = 1,
				  .loads = 1U << BENCH_LOAD_NONE };
	while ((c = getopt_long(argc, argv, "n:t:l:c:qjo:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64_option(&cmd_bench, "--pages", optarg, 512,
					     1U << 20, &o->pages))
				return EXIT_USAGE;
			if (o->pages % 512)
				return usage_error(&cmd_bench, "--pages must be a multiple of 512");
			break;
		case OPT_REPS:
			if (parse_u64_option(&cmd_bench, "--reps", optarg, 1,
					     1000, &o->reps))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_u64_option(&cmd_bench, "--threads", optarg, 1,
					     BENCH_MAX_THREADS, &o->threads))
				return EXIT_USAGE;
			break;
		case OPT_SWEEP:
			o->sweep = true;
			break;
		case 'l':
			if (parse_loads(optarg, &o->loads))
				return usage_error(&cmd_bench, "--loads takes alone, churn, churn-other, writer or all, comma-separated: '%s'",
						   optarg);
			break;
		case 'c':
			o->configs = optarg;
			break;
		case 'q':
			o->pages = 1024;
			o->reps = 2;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'C':
			exit(bench_churn_child());
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
	for (i = 0; o->configs && i < bench_nr_cfgs; i++)
		if (in_list(o->configs, bench_cfgs[i].name))
			break;
	if (i == bench_nr_cfgs)
		return usage_error(&cmd_bench, "--configs names no configuration: '%s' (see --help)",
				   o->configs);
	return 0;
}

/*
 * Tries of one sample.  A sweeping thread can take a fault the sweep did
 * not cause: compaction, which the large orders' allocations run, may
 * migrate the tool's own pages, and the next touch waits on the migration
 * entry.  Such a stray is rare and random; a wrong fault count by design
 * (a folio fallback, no fault-around) repeats on every try.
 */
#define BENCH_TRIES	3

/* One sample of row @r; a failed setup ends the run. */
static int bench_one(struct bench_row *r, bool warmup)
{
	struct bench_sample *s = &r->s[r->n];
	struct bench_mem mem;
	int try;

	for (try = 0; try < BENCH_TRIES; try++) {
		if (try) {
			free(s->lat);
			r->redone++;
		}
		if (bench_cfg_setup(r->cfg) ||
		    bench_mem_prepare(r->cfg, r->path, r->pages, &mem))
			return -1;
		if (bench_sample_run(r->cfg, &mem, r->threads, r->load, s)) {
			bench_mem_release(&mem);
			return -1;
		}
		bench_mem_release(&mem);
		if (s->valid || warmup)
			break;
	}
	if (warmup) {
		free(s->lat);
		memset(s, 0, sizeof(*s));
		r->redone = 0;
		return 0;
	}
	if (!s->valid)
		warn_msg("%s %s %s %u threads sample %zu invalid %d times: %" PRIu64 " faults (want %" PRIu64 "), module faults %" PRId64 " (want %" PRIu64 ")",
			 r->cfg->name, bench_path_name(r->path),
			 bench_load_name(r->load), r->threads, r->n + 1,
			 BENCH_TRIES, s->minflt, s->minflt_expected, s->module_faults,
			 s->faults_expected);
	r->valid += s->valid;
	r->n++;
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Every row the options ask for, in the order they are run and shown. */
static struct bench_row *bench_rows(const struct bench_opts *o,
				    bool per_vma_lock, size_t *nrows)
{
	size_t max = (size_t)o->threads * BENCH_LOAD_NR * bench_nr_cfgs *
		     BENCH_PATH_NR, n = 0, i;
	struct bench_row *rows = calloc(max, sizeof(*rows));
	unsigned int t, l, p;

	if (!rows)
		return NULL;
	for (t = o->sweep ? 1 : o->threads; t <= o->threads; t++)
		for (l = 0; l < BENCH_LOAD_NR; l++) {
			if (!(o->loads & (1U << l)))
				continue;
			for (i = 0; i < bench_nr_cfgs; i++) {
				const struct bench_cfg *c = &bench_cfgs[i];

				if (!in_list(o->configs, c->name) ||
				    (l == BENCH_LOAD_WRITER &&
				     c->kind != BENCH_VMALOCK))
					continue;
				for (p = 0; p < BENCH_PATH_NR; p++) {
					if (!(c->paths & (1U << p)))
						continue;
					rows[n] = (struct bench_row){
						.cfg = c, .path = p, .load = l,
						.threads = t,
						.pages = c->kind == BENCH_UFFD ?
							 min_u64(o->pages, BENCH_UFFD_MAX_PAGES) :
							 o->pages,
						.skipped = bench_cfg_skip(c, per_vma_lock),
						.s = calloc(o->reps, sizeof(struct bench_sample)),
					};
					if (!rows[n++].s)
						return NULL;
				}
			}
		}
	*nrows = n;
	return rows;
}

static int bench_run(int argc, char **argv)
{
	size_t nrows = 0, i, invalid = 0, todo = 0, done = 0;
	struct vmalock_version ver;
	struct progress pg;
	struct bench_row *rows;
	struct bench_opts o;
	FILE *out = NULL;
	uint64_t rep;
	int ret, fd;

	ret = bench_parse(argc, argv, &o);
	if (ret)
		return ret;
	fd = vmalock_open(O_RDWR, &ver);
	if (fd < 0)
		return 1;
	close(fd);
	/* Read every switch once: each is restored before leaving. */
	bench_knobs_init();
	rows = bench_rows(&o, ver.features & VMALOCK_FEAT_PER_VMA_LOCK, &nrows);
	if (!rows) {
		err_msg("out of memory");
		return 1;
	}
	/*
	 * A warm-up sample, not reported: the first one also faults in the
	 * tool's own code and data on the sweep's path (a few pages).
	 */
	for (i = 0; i < nrows && rows[i].skipped; i++)
		;
	ret = i < nrows ? bench_one(&rows[i], true) : 0;
	for (i = 0; i < nrows; i++)
		todo += !rows[i].skipped;
	todo *= o.reps;
	progress_init(&pg, o.progress, o.json);
	for (rep = 0; rep < o.reps && !ret; rep++)
		for (i = 0; i < nrows && !ret; i++) {
			if (rows[i].skipped)
				continue;
			ret = bench_one(&rows[i], false);
			done++;
			if (progress_due(&pg))
				progress_line("bench: %zu of %zu samples (repetition %"
					      PRIu64 " of %" PRIu64 "), %" PRIu64 " s",
					      done, todo, rep + 1, o.reps,
					      progress_elapsed_s(&pg));
		}
	bench_knobs_restore();
	if (ret)
		return 1;

	if (o.output) {
		out = fopen(o.output, "we");
		if (!out) {
			err_msg("%s: %s", o.output, strerror(errno));
			return 1;
		}
	}
	if (!o.json)
		bench_print_header();
	for (i = 0; i < nrows; i++) {
		bench_print_row(stdout, &rows[i], o.json);
		if (out)
			bench_print_row(out, &rows[i], true);
		invalid += rows[i].n - rows[i].valid;
	}
	if (out && fclose(out)) {
		err_msg("%s: %s", o.output, strerror(errno));
		return 1;
	}
	if (!o.json) {
		printf("%zu pages, %" PRIu64 " repetitions; %zu invalid samples\n",
		       (size_t)o.pages, o.reps, invalid);
		bench_print_reference();
	}
	return invalid ? 1 : 0;
}
