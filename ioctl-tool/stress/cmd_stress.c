// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl stress: a seeded, bounded mix of faults, mapping changes and
 * region writers from several threads and forked processes, with every
 * read judged against what the writers published (stress.h), and the
 * module's page accounting checked at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

static int stress_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_stress = {
	.name = "stress",
	.summary = "race faults, mapping changes and region writers; verify every read",
	.synopsis = "[--seed N] [--ops N] [--seconds N] [--threads N] [OPTIONS]",
	.help =
	"Run a seeded mix of operations on a few regions of /dev/vmalock from\n"
	"several threads, until --ops operations are done or --seconds have\n"
	"passed, whichever comes first:\n"
	"  faults    read, sweep (consecutive pages), write-shared, write-private\n"
	"  mappings  mmap (shared or private, read-only or not), munmap,\n"
	"            munmap-partial, mremap, mprotect, madv-dontneed, fork (a\n"
	"            child reads and writes its copies, then exits)\n"
	"  writers   fill, invalidate, set-size, set-order, set-mode, and\n"
	"            close-reopen (close a region's file while it is still\n"
	"            mapped, and open a new region in its place)\n"
	"\n"
	"Every page carries a stamp (region, page, generation).  Each read is\n"
	"checked against what the writers have published; the first mismatch\n"
	"stops the run and is printed with the seed, the page and both values.\n"
	"A private copy is its mapping's own until a set-size shrink cuts its\n"
	"page off: a shrink takes private copies too, as truncate does.\n"
	"At the end every mapping is unmapped, and the module's counters must\n"
	"agree with the pages the regions hold (pages_allocated - pages_freed),\n"
	"then drop back once the regions are closed.\n"
	"\n"
	"Each thread draws from its own generator seeded from --seed and its\n"
	"number: the same seed replays the same operations per thread, while\n"
	"the threads' interleaving is up to the scheduler.\n"
	"\n"
	"Options:\n"
	"  -s, --seed N        seed (default: from the clock; always printed)\n"
	"      --ops N         stop after N operations in all (default 100000)\n"
	"      --seconds N     stop after N seconds (default 10)\n"
	"  -t, --threads N     worker threads, 1-64 (default 4)\n"
	"      --regions N     regions open at once, 1-8 (default 2)\n"
	"  -n, --pages N       size of a new region, in pages (default 256)\n"
	"      --max-pages N   set-size and mappings stay below (default 1024,\n"
	"                      at most 4096)\n"
	"      --max-order N   set-order picks 0..N (default 9)\n"
	"      --mode MODE     keep every region in mmap, vma or spec mode\n"
	"                      (default: set-mode switches at random)\n"
	"      --reopens N     close-reopen at most N times (default 32)\n"
	"      --no-fork       no fork operations\n"
	"      --no-page-check skip the page accounting (another user of the\n"
	"                      module is active)\n"
	"      --corrupt-one   test the checker: store one stamp through a\n"
	"                      shared mapping without publishing it; the run\n"
	"                      must then fail\n"
	"      --progress      a progress line on stderr every 5 s even when it\n"
	"                      is not a terminal (never with --json to a pipe)\n"
	"  -j, --json          print the summary as one JSON object\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 if every check passed; 1 on a mismatch, an unexpected\n"
	"error or failed accounting; 2 on a usage error.\n",
	.run = stress_run,
};

enum {
	OPT_OPS = 256, OPT_SECONDS, OPT_REGIONS, OPT_MAX_PAGES, OPT_MAX_ORDER, OPT_MODE,
	OPT_REOPENS, OPT_NO_FORK, OPT_NO_PAGE_CHECK, OPT_CORRUPT_ONE,
	OPT_PROGRESS,
};

static const struct option stress_long_opts[] = {
	{ "seed", required_argument, NULL, 's' },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "threads", required_argument, NULL, 't' },
	{ "regions", required_argument, NULL, OPT_REGIONS },
	{ "pages", required_argument, NULL, 'n' },
	{ "max-pages", required_argument, NULL, OPT_MAX_PAGES },
	{ "max-order", required_argument, NULL, OPT_MAX_ORDER },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "reopens", required_argument, NULL, OPT_REOPENS },
	{ "no-fork", no_argument, NULL, OPT_NO_FORK },
	{ "no-page-check", no_argument, NULL, OPT_NO_PAGE_CHECK },
	{ "corrupt-one", no_argument, NULL, OPT_CORRUPT_ONE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_uint_opt(const char *opt, const char *arg, uint64_t min,
			  uint64_t max, unsigned int *out)
{
	uint64_t v;
	int ret;

	ret = parse_u64_option(&cmd_stress, opt, arg, min, max, &v);
	if (!ret)
		*out = v;
	return ret;
}

/* Returns 0, EXIT_USAGE, or -1 after --help. */
static int stress_parse(int argc, char **argv, struct stress_opts *o)
{
	uint32_t mode;
	int c, ret = 0;

	*o = (struct stress_opts){
		.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
		.ops = 100000, .seconds = 10, .threads = 4, .regions = 2,
		.pages = 256, .max_pages = 1024, .max_order = 9, .mode = -1,
		.reopens = 32, .forks = true, .page_check = true,
	};
	opterr = 0;
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, ":s:n:t:jh",
					stress_long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ret = parse_u64_option(&cmd_stress, "--seed", optarg, 0,
					       UINT64_MAX, &o->seed);
			break;
		case OPT_OPS:
			ret = parse_u64_option(&cmd_stress, "--ops", optarg, 1,
					       UINT64_MAX, &o->ops);
			break;
		case OPT_SECONDS:
			ret = parse_u64_option(&cmd_stress, "--seconds", optarg,
					       1, 86400 * 7, &o->seconds);
			break;
		case 't':
			ret = parse_uint_opt("--threads", optarg, 1,
					     STRESS_MAX_THREADS, &o->threads);
			break;
		case OPT_REGIONS:
			ret = parse_uint_opt("--regions", optarg, 1,
					     STRESS_MAX_REGIONS, &o->regions);
			break;
		case 'n':
			ret = parse_uint_opt("--pages", optarg, 1,
					     STRESS_MAX_PAGES, &o->pages);
			break;
		case OPT_MAX_PAGES:
			ret = parse_uint_opt("--max-pages", optarg, 1,
					     STRESS_MAX_PAGES, &o->max_pages);
			break;
		case OPT_MAX_ORDER:
			ret = parse_uint_opt("--max-order", optarg, 0,
					     VMALOCK_FOLIO_ORDERS - 1,
					     &o->max_order);
			break;
		case OPT_MODE:
			ret = parse_mode_arg(&cmd_stress, "--mode", optarg,
					     &mode);
			o->mode = mode;
			break;
		case OPT_REOPENS:
			ret = parse_uint_opt("--reopens", optarg, 0, 1000,
					     &o->reopens);
			break;
		case OPT_NO_FORK:
			o->forks = false;
			break;
		case OPT_NO_PAGE_CHECK:
			o->page_check = false;
			break;
		case OPT_CORRUPT_ONE:
			o->corrupt_one = true;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_cmd_help(&cmd_stress, stdout);
			return -1;
		default:
			return option_error(&cmd_stress, argv, c);
		}
	}
	if (ret)
		return ret;
	if (optind < argc)
		return usage_error(&cmd_stress, "unexpected argument '%s'",
				   argv[optind]);
	if (o->pages > o->max_pages)
		return usage_error(&cmd_stress, "--pages %u is above --max-pages %u",
				   o->pages, o->max_pages);
	return 0;
}

static void *stress_worker(void *arg)
{
	struct stress_thread *t = arg;
	struct stress *s = t->s;

	while (!stress_stopping(s)) {
		if (atomic_fetch_add(&s->shared->ops_started, 1) >= s->o.ops)
			break;
		if (!(t->step % 16) && stress_now_ns() >= s->deadline_ns)
			break;
		t->step++;
		stress_do_op(t);
	}
	stress_unmap_all(t);
	return NULL;
}

static int stress_threads_alloc(struct stress *s, struct stress_thread **tp)
{
	struct stress_thread *t;
	unsigned int i, j;

	t = calloc(s->o.threads, sizeof(*t));
	if (!t)
		return -1;
	for (i = 0; i < s->o.threads; i++) {
		t[i].s = s;
		t[i].idx = i;
		/*
		 * Seeds one splitmix step apart would give overlapping
		 * sequences: draw each thread's seed from the run's.
		 */
		t[i].rng = s->o.seed + i;
		t[i].rng = stress_rand(&t[i]);
		for (j = 0; j < STRESS_MAPS; j++) {
			t[i].maps[j].prot = calloc(s->o.max_pages, 1);
			t[i].maps[j].cow = calloc(s->o.max_pages,
						  sizeof(struct stress_cow));
			if (!t[i].maps[j].prot || !t[i].maps[j].cow)
				return -1;
		}
	}
	*tp = t;
	return 0;
}

/* Counters the summary reports, by index into the module's array. */
static const unsigned int stress_counters[] = {
	VMALOCK_STAT_FAULTS, VMALOCK_STAT_FAULTS_VMA_LOCKED,
	VMALOCK_STAT_FAULTS_MMAP_LOCKED, VMALOCK_STAT_VMA_LOCK_SUCCESS,
	VMALOCK_STAT_VMA_LOCK_ABORT, VMALOCK_STAT_VMA_LOCK_RETRY,
	VMALOCK_STAT_VMA_LOCK_MISS, VMALOCK_STAT_SPEC_SUCCESS,
	VMALOCK_STAT_SPEC_RETRY, VMALOCK_STAT_SPEC_FALLBACK,
	VMALOCK_STAT_PTE_NOTSAME, VMALOCK_STAT_FOLIO_FALLBACK,
	VMALOCK_STAT_INVALIDATIONS, VMALOCK_STAT_FILLS,
	VMALOCK_STAT_PAGES_ALLOCATED, VMALOCK_STAT_PAGES_FREED,
	VMALOCK_STAT_ALLOC_FAILURES, VMALOCK_STAT_INJECTED_FAILURES,
	VMALOCK_STAT_FAULT_OOM, VMALOCK_STAT_FAULT_SIGBUS,
};

struct stress_result {
	struct stress_thread total;
	uint64_t delta[VMALOCK_STAT_NR];
	uint64_t elapsed_ns;
	/* Page accounting; valid when checked. */
	bool checked;
	int64_t baseline;	/* allocated - freed before the run */
	int64_t held_counters;	/* ... growth with the regions still open */
	uint64_t held_regions;	/* what REGION_INFO says they hold */
	int64_t after_close;	/* growth once they are closed */
};

static int stress_counters_read(int fd, uint64_t *out)
{
	struct vmalock_counters c;

	if (vmalock_read_counters(fd, 0, &c))
		return -1;
	if (c.count < VMALOCK_STAT_NR) {
		err_msg("stress: the module has %u counters, this tool needs %u",
			c.count, VMALOCK_STAT_NR);
		vmalock_counters_free(&c);
		return -1;
	}
	memcpy(out, c.values, VMALOCK_STAT_NR * sizeof(*out));
	vmalock_counters_free(&c);
	return 0;
}

static int64_t stress_held(const uint64_t *c)
{
	return (int64_t)(c[VMALOCK_STAT_PAGES_ALLOCATED] -
			 c[VMALOCK_STAT_PAGES_FREED]);
}

/*
 * With every mapping gone, what the counters say the module holds must be
 * exactly what the open regions hold; and nothing once they are closed.
 */
static int stress_close_and_account(struct stress *s, int stats_fd,
				    const uint64_t *before,
				    struct stress_result *res)
{
	uint64_t now[VMALOCK_STAT_NR];
	unsigned int i;
	int ret = 0;

	res->baseline = stress_held(before);
	if (s->o.page_check && stress_counters_read(stats_fd, now) == 0) {
		res->held_counters = stress_held(now) - res->baseline;
		for (i = 0; i < s->o.regions; i++) {
			struct vmalock_region_info info;

			if (ioctl(s->slots[i].fd, VMALOCK_IOC_REGION_INFO,
				  &info) == 0)
				res->held_regions += info.pages;
			else
				ret = -1;
		}
	}
	for (i = 0; i < s->o.regions; i++)
		close(s->slots[i].fd);
	if (stress_counters_read(stats_fd, now))
		return -1;
	for (i = 0; i < VMALOCK_STAT_NR; i++)
		res->delta[i] = now[i] - before[i];
	if (!s->o.page_check)
		return ret;
	res->after_close = stress_held(now) - res->baseline;
	res->checked = true;
	if (res->held_counters != (int64_t)res->held_regions ||
	    res->after_close != 0)
		ret = -1;
	return ret;
}

static void stress_sum(struct stress *s, struct stress_thread *t,
		       struct stress_thread *sum)
{
	unsigned int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < s->o.threads; i++) {
		for (k = 0; k < OP_NR; k++) {
			sum->ops[k] += t[i].ops[k];
			sum->skipped[k] += t[i].skipped[k];
			sum->errors[k] += t[i].errors[k];
		}
		sum->enomem += t[i].enomem;
		sum->children += t[i].children;
		sum->reads.exact += t[i].reads.exact;
		sum->reads.racy += t[i].reads.racy;
		sum->reads.unverifiable += t[i].reads.unverifiable;
		sum->reads.sigbus += t[i].reads.sigbus;
		sum->reads.private += t[i].reads.private;
		sum->reads.cut += t[i].reads.cut;
	}
}

/* The sum of a per-operation array: ops, skipped or errors. */
static uint64_t stress_total(const uint64_t *per_op)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < OP_NR; k++)
		n += per_op[k];
	return n;
}

/* A per-operation array as a JSON object keyed by operation name. */
static void stress_json_per_op(struct json_obj *j, const char *key,
			       const uint64_t *per_op)
{
	struct json_obj o;
	unsigned int k;

	json_obj_begin(j, key, &o);
	for (k = 0; k < OP_NR; k++)
		json_u64(&o, stress_op_names[k], per_op[k]);
	json_obj_end(&o);
}

static const char *stress_mode_name(const struct stress *s)
{
	return s->o.mode < 0 ? "mixed" : vmalock_mode_name(s->o.mode);
}

/* Faults by the protection that served them. */
static void stress_served(const uint64_t *d, uint64_t *spec, uint64_t *vma,
			  uint64_t *coarse)
{
	*spec = d[VMALOCK_STAT_SPEC_SUCCESS];
	*vma = d[VMALOCK_STAT_VMA_LOCK_SUCCESS];
	*coarse = d[VMALOCK_STAT_FAULTS] - *spec - *vma;
}

static void stress_print_text(struct stress *s, struct stress_result *r,
			      bool ok)
{
	const struct stress_thread *sum = &r->total;
	char name[COUNTER_NAME_MAX];
	uint64_t spec, vma, coarse;
	unsigned int k;

	printf("stress: seed %" PRIu64 ", %u threads, %u regions of %u pages (max %u), mode %s\n",
	       s->o.seed, s->o.threads, s->o.regions, s->o.pages,
	       s->o.max_pages, stress_mode_name(s));
	printf("ran %" PRIu64 " operations in %" PRIu64 ".%03" PRIu64
	       " s, and drew %" PRIu64 " that had nothing to act on\n",
	       stress_total(sum->ops), r->elapsed_ns / 1000000000,
	       r->elapsed_ns / 1000000 % 1000, stress_total(sum->skipped));
	printf("operations (done / nothing to act on / allowed errors):\n");
	for (k = 0; k < OP_NR; k++)
		printf("  %-16s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		       stress_op_names[k], sum->ops[k], sum->skipped[k],
		       sum->errors[k]);
	printf("reads: %" PRIu64 " exact, %" PRIu64 " during a change, %" PRIu64
	       " private copies (%" PRIu64 " taken by a shrink), %" PRIu64
	       " SIGBUS past the end, %" PRIu64 " unverifiable\n",
	       sum->reads.exact, sum->reads.racy, sum->reads.private,
	       sum->reads.cut, sum->reads.sigbus, sum->reads.unverifiable);
	printf("forked children: %" PRIu64 "; FILL ENOMEM: %" PRIu64 "\n",
	       sum->children, sum->enomem);
	stress_served(r->delta, &spec, &vma, &coarse);
	printf("faults served: %" PRIu64 " speculative, %" PRIu64
	       " under the mapping lock, %" PRIu64 " under the coarse lock\n",
	       spec, vma, coarse);
	printf("module counters during the run:\n");
	for (k = 0; k < ARRAY_SIZE(stress_counters); k++)
		printf("  %-20s %" PRIu64 "\n",
		       vmalock_counter_name(stress_counters[k], name,
					    sizeof(name)),
		       r->delta[stress_counters[k]]);
	if (r->checked)
		printf("pages held: %" PRId64 " by the counters, %" PRIu64
		       " by the open regions; %" PRId64 " after closing them\n",
		       r->held_counters, r->held_regions, r->after_close);
	else
		printf("pages held: not checked\n");
	if (atomic_load(&s->shared->failed))
		printf("FAILED: %s\n", s->shared->failure);
	else if (!ok)
		printf("FAILED: page accounting does not add up\n");
	else
		printf("result: ok\n");
}

static void stress_print_json(struct stress *s, struct stress_result *r,
			      bool ok)
{
	const struct stress_thread *sum = &r->total;
	struct json_obj j, o;
	char name[COUNTER_NAME_MAX];
	uint64_t spec, vma, coarse;
	unsigned int k;

	json_open(&j, stdout);
	json_u64(&j, "seed", s->o.seed);
	json_u64(&j, "threads", s->o.threads);
	json_u64(&j, "regions", s->o.regions);
	json_str(&j, "mode", stress_mode_name(s));
	json_u64(&j, "ops", stress_total(sum->ops));
	json_u64(&j, "elapsed_ns", r->elapsed_ns);
	stress_json_per_op(&j, "done", sum->ops);
	stress_json_per_op(&j, "skipped", sum->skipped);
	stress_json_per_op(&j, "errors", sum->errors);
	json_obj_begin(&j, "reads", &o);
	json_u64(&o, "exact", sum->reads.exact);
	json_u64(&o, "racy", sum->reads.racy);
	json_u64(&o, "private", sum->reads.private);
	json_u64(&o, "cut", sum->reads.cut);
	json_u64(&o, "sigbus", sum->reads.sigbus);
	json_u64(&o, "unverifiable", sum->reads.unverifiable);
	json_obj_end(&o);
	json_u64(&j, "children", sum->children);
	stress_served(r->delta, &spec, &vma, &coarse);
	json_obj_begin(&j, "served", &o);
	json_u64(&o, "speculative", spec);
	json_u64(&o, "mapping_lock", vma);
	json_u64(&o, "coarse_lock", coarse);
	json_obj_end(&o);
	json_obj_begin(&j, "counters", &o);
	for (k = 0; k < ARRAY_SIZE(stress_counters); k++)
		json_u64(&o, vmalock_counter_name(stress_counters[k], name,
						  sizeof(name)),
			 r->delta[stress_counters[k]]);
	json_obj_end(&o);
	json_obj_begin(&j, "pages", &o);
	json_bool(&o, "checked", r->checked);
	json_s64(&o, "held_counters", r->held_counters);
	json_u64(&o, "held_regions", r->held_regions);
	json_s64(&o, "after_close", r->after_close);
	json_obj_end(&o);
	if (atomic_load(&s->shared->failed))
		json_str(&j, "failure", s->shared->failure);
	else if (!ok)
		json_str(&j, "failure", "page accounting does not add up");
	else
		json_null(&j, "failure");
	json_bool(&j, "ok", ok && !atomic_load(&s->shared->failed));
	json_close(&j);
}

static int stress_setup(struct stress *s)
{
	pthread_rwlockattr_t attr;
	unsigned int i;

	s->page_size = sysconf(_SC_PAGESIZE);
	s->words = s->page_size / sizeof(uint64_t);
	s->nincs = s->o.regions + s->o.reopens;
	if (stress_model_init(s) || stress_signals_init())
		return -1;
	/* A closer must not starve behind a stream of ioctls. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (i = 0; i < s->o.regions; i++) {
		pthread_rwlock_init(&s->slots[i].lock, &attr);
		if (stress_slot_open(s, &s->slots[i], stress_inc_new(s)))
			return -1;
	}
	pthread_rwlockattr_destroy(&attr);
	return 0;
}

static void stress_progress(void *arg)
{
	struct stress *s = arg;

	progress_line("stress: %" PRIu64 " s of %" PRIu64 ", %" PRIu64
		      " of %" PRIu64 " operations started, %s",
		      progress_elapsed_s(&s->progress), s->o.seconds,
		      atomic_load(&s->shared->ops_started), s->o.ops,
		      atomic_load(&s->shared->failed) ? "FAILED" :
		      "no mismatch so far");
}

static int stress_run(int argc, char **argv)
{
	uint64_t before[VMALOCK_STAT_NR], start;
	struct stress_result res = { 0 };
	struct stress_thread *t = NULL;
	struct vmalock_version ver;
	struct stress s = { 0 };
	int stats_fd, ret, err;
	unsigned int i;
	bool ok;

	ret = stress_parse(argc, argv, &s.o);
	if (ret)
		return ret < 0 ? 0 : ret;
	stats_fd = vmalock_open(O_RDWR, &ver);
	if (stats_fd < 0)
		return 1;
	if (!s.o.json)
		printf("stress: seed %" PRIu64 " (replay with --seed %" PRIu64 ")\n",
		       s.o.seed, s.o.seed);
	fflush(stdout);
	if (stress_counters_read(stats_fd, before) || stress_setup(&s) ||
	    stress_threads_alloc(&s, &t)) {
		err_msg("stress: setup failed");
		return 1;
	}

	progress_init(&s.progress, s.o.progress, s.o.json);
	start = stress_now_ns();
	s.deadline_ns = start + s.o.seconds * 1000000000ULL;
	for (i = 0; i < s.o.threads; i++) {
		err = pthread_create(&t[i].tid, NULL, stress_worker, &t[i]);
		if (err) {
			err_msg("stress: pthread_create: %s", strerror(err));
			atomic_store(&s.shared->stop, true);
			s.o.threads = i;
			break;
		}
	}
	for (i = 0; i < s.o.threads; i++)
		progress_join(t[i].tid, &s.progress, stress_progress, &s);
	res.elapsed_ns = stress_now_ns() - start;

	stress_sum(&s, t, &res.total);
	ok = stress_close_and_account(&s, stats_fd, before, &res) == 0;
	close(stats_fd);
	if (s.o.json)
		stress_print_json(&s, &res, ok);
	else
		stress_print_text(&s, &res, ok);
	return ok && !atomic_load(&s.shared->failed) ? 0 : 1;
}
