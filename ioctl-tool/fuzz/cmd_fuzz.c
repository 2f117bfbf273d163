// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl fuzz: the command (see fuzz.h for the fuzzer and its files).
 * Options, the slots and each thread's scratch pages, the threads with a
 * start gate, and the report: per-class steps, ioctl results by errno, and
 * the sequence hash that a replay must match.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_DEFAULT_OPS	20000
#define FUZZ_DEFAULT_SECONDS	60
#define FUZZ_DEFAULT_THREADS	4
#define FUZZ_MAX_THREADS	64
#define FUZZ_MAX_SECONDS	86400
/* A loop, a few structs and a signal frame. */
#define FUZZ_THREAD_STACK	(256 * 1024)

static int fuzz_run(int argc, char **argv);
static void fuzz_help_extra(FILE *f);

const struct vmalockctl_cmd cmd_fuzz = {
	.name = "fuzz",
	.summary = "send seeded random ioctls from several threads; check every errno",
	.synopsis = "[--seed N] [--ops N] [--seconds S] [--threads N] [--json]",
	.help =
	"Open " VMALOCK_DEV_PATH " a few times and let T threads share those open\n"
	"files (each its own region).  Each step, a thread picks at random:\n"
	"  open     open a new file into a slot, closing the one there\n"
	"  close    close a slot's file, maybe while others use it\n"
	"  mmap     map a window of up to 16 pages of a slot's region, shared\n"
	"           or private, near its start, its default end or 1 TiB\n"
	"  munmap   unmap a window, or its tail\n"
	"  touch    read or write a page of a window (SIGBUS is caught)\n"
	"  valid    a command with fields at the values where the module's\n"
	"           checks flip (0, 1, page size +/- 1, the region size +/- a\n"
	"           page, 1 TiB, VMALOCK_FILL_MAX_BYTES, 2^63, 2^64 - 1, ...),\n"
	"           unknown modes, orders, delay points, flags and pads\n"
	"  pointer  a command whose argument is NULL, unmapped, a kernel\n"
	"           address, cut by an inaccessible page, read-only or in a\n"
	"           mapped window\n"
	"  number   a wrong request number: unknown nr, wrong size or\n"
	"           direction, another magic, or random (not the VFS's own)\n"
	"\n"
	"Each result is checked against what uapi/vmalock.h documents for the\n"
	"call; where an open, close or resize raced with it, against what the\n"
	"race allows too.  Successful VERSION, STATS and REGION_INFO outputs are\n"
	"checked as well.  The first finding is printed on one line (seed,\n"
	"thread, step, command, fields, result, allowed results) and stops the\n"
	"run.  Threads draw their calls from their own generator seeded from\n"
	"the seed and their index, each doing its share of --ops: the same seed\n"
	"and --threads replay the same calls (see 'sequence' below).\n"
	"\n"
	"Options:\n"
	"  -s, --seed N       seed, 0..2^64-1 (default: from the clock)\n"
	"      --ops N        steps in all, shared by the threads (default 20000)\n"
	"      --seconds S    stop after S seconds, 1..86400, even if steps\n"
	"                     remain (default 60)\n"
	"  -t, --threads N    threads, 1..64 (default 4)\n"
	"      --progress     a progress line on stderr every 5 s even when it\n"
	"                     is not a terminal (never with --json to a pipe)\n"
	"  -j, --json         print the report as one JSON object\n"
	"  -h, --help         show this help\n",
	.help_extra = fuzz_help_extra,
	.run = fuzz_run,
};

static void fuzz_help_extra(FILE *f)
{
	fprintf(f,
		"\n"
		"Report (text: 'key: value' lines; JSON: the same keys, classes and\n"
		"errnos as objects):\n"
		"  seed, threads         of the run (the seed also goes to stderr at\n"
		"                        the start when it came from the clock)\n"
		"  ops, elapsed_ns,      steps done, how long they took, the rate\n"
		"  ops_per_s\n"
		"  sequence              hash of every call generated, per thread in\n"
		"                        order: the same for the same seed, threads\n"
		"                        and ops, unless --seconds cut the run short\n"
		"  classes               steps of each kind: open close mmap munmap\n"
		"                        touch valid pointer number\n"
		"  errnos                ioctl results by name: OK, EINVAL, ...\n"
		"  strict, lenient       ioctls judged with nothing racing them, and\n"
		"                        with a race allowed for\n"
		"  sigbus                touches that raised SIGBUS\n"
		"  findings              results outside the allowed set\n"
		"\n"
		"Memory stays bounded for a small guest: FILLs that may succeed are at\n"
		"most %d pages, delays at most %d us; VMALOCK_STATS_RESET is never\n"
		"sent in a call that could succeed.\n"
		"\n"
		"Exit status: 0 when there was no finding; 1 on a finding or a runtime\n"
		"error (such as %s missing); 2 on a usage error.\n",
		FUZZ_FILL_PAGES, FUZZ_DELAY_MAX_US, VMALOCK_DEV_PATH);
}

/* ------------------------------------------------------------------ */
/* Threads and the run                                                 */

static uint64_t fuzz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Returns false if the run was called off before it started. */
static bool fuzz_wait_start(struct fuzz *fz)
{
	bool go;

	pthread_mutex_lock(&fz->start_lock);
	while (!fz->go && !fz->abort)
		pthread_cond_wait(&fz->start_cond, &fz->start_lock);
	go = fz->go;
	pthread_mutex_unlock(&fz->start_lock);
	return go;
}

static void fuzz_release(struct fuzz *fz, bool go)
{
	pthread_mutex_lock(&fz->start_lock);
	fz->go = go;
	fz->abort = !go;
	pthread_cond_broadcast(&fz->start_cond);
	pthread_mutex_unlock(&fz->start_lock);
}

static void *fuzz_thread(void *arg)
{
	struct fuzz_thread *t = arg;
	struct fuzz *fz = t->fz;
	struct fuzz_call c;

	if (!fuzz_wait_start(fz))
		return NULL;
	while (t->done < t->quota && !atomic_load(&fz->stop) &&
	       fuzz_now_ns() < fz->deadline_ns) {
		fuzz_generate(&t->gen, &c);
		t->hash = fuzz_hash_call(t->hash, &c);
		fuzz_execute(t, &c);
		t->tally.ops[c.op]++;
		t->done++;
	}
	return NULL;
}

/*
 * A thread's scratch pages, all mapped before the run:
 *   arg          ordinary arguments
 *   straddle     its end meets the guard: an argument cut in two
 *   guard        PROT_NONE
 *   ro           made read-only around the calls that use it
 *   stats        STATS' output array, as long as the module's, then
 *   guard        PROT_NONE
 * and an arena of PROT_NONE where the windows are mapped with MAP_FIXED.
 */
static int fuzz_thread_map(struct fuzz *fz, struct fuzz_thread *t)
{
	size_t ps = fz->page_size, nr, stats_pages, arena;
	unsigned char *p;
	unsigned int i;

	nr = fz->stat_nr > VMALOCK_STAT_NR ? fz->stat_nr : VMALOCK_STAT_NR;
	stats_pages = (nr * sizeof(uint64_t) + ps - 1) / ps;
	t->scratch_len = (5 + stats_pages) * ps;
	p = mmap(NULL, t->scratch_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		goto fail;
	t->scratch = p;
	t->arg = p;
	t->straddle_end = p + 2 * ps;
	t->ro = p + 3 * ps;
	t->stats = p + 4 * ps;
	t->stats_end = t->stats + stats_pages * ps;
	if (mprotect(t->straddle_end, ps, PROT_NONE) < 0 ||
	    mprotect(t->stats_end, ps, PROT_NONE) < 0)
		goto fail;
	arena = FUZZ_WINDOWS * FUZZ_WINDOW_PAGES * ps;
	p = mmap(NULL, arena, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		goto fail;
	t->arena = p;
	for (i = 0; i < FUZZ_WINDOWS; i++)
		t->win[i].base = p + i * FUZZ_WINDOW_PAGES * ps;
	return 0;
fail:
	err_msg("fuzz: cannot map thread %u's pages: %s", t->index,
		strerror(errno));
	return -1;
}

/* Unmapping the arena unmaps every window, and what is left of them. */
static void fuzz_thread_unmap(struct fuzz *fz, struct fuzz_thread *t)
{
	if (t->arena)
		munmap(t->arena, FUZZ_WINDOWS * FUZZ_WINDOW_PAGES *
				 fz->page_size);
	if (t->scratch)
		munmap(t->scratch, t->scratch_len);
}

static void fuzz_thread_init(struct fuzz *fz, struct fuzz_thread *t,
			     unsigned int index)
{
	uint64_t threads = fz->o.threads;

	t->fz = fz;
	t->index = index;
	t->gen.state = fuzz_mix(fz->o.seed ^ fuzz_mix(index + 1));
	t->gen.page_size = fz->page_size;
	t->gen.region_bytes = fz->region_bytes;
	t->quota = fz->o.ops / threads + (index < fz->o.ops % threads);
}

/*
 * A page that was mapped and is no longer.  Made once the threads exist
 * (their stacks are mappings too); from then on nothing maps anywhere but
 * at fixed addresses in the arenas, so no mapping can land on it.
 */
static int fuzz_make_unmapped(struct fuzz *fz)
{
	void *p = mmap(NULL, fz->page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p, fz->page_size) < 0) {
		err_msg("fuzz: cannot make an unmapped page: %s",
			strerror(errno));
		return -1;
	}
	fz->unmapped = p;
	return 0;
}

static int fuzz_start_threads(struct fuzz *fz, uint64_t *created)
{
	pthread_attr_t attr;
	int err;

	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, FUZZ_THREAD_STACK);
	if (err) {
		err_msg("fuzz: cannot set up thread attributes: %s",
			strerror(err));
		return -1;
	}
	for (*created = 0; *created < fz->o.threads; (*created)++) {
		err = pthread_create(&fz->threads[*created].tid, &attr,
				     fuzz_thread, &fz->threads[*created]);
		if (err) {
			err_msg("fuzz: cannot create thread %" PRIu64 ": %s",
				*created, strerror(err));
			break;
		}
	}
	pthread_attr_destroy(&attr);
	return err ? -1 : 0;
}

static void fuzz_progress(void *arg)
{
	struct fuzz *fz = arg;

	progress_line("fuzz: %" PRIu64 " s of at most %" PRIu64 ", %" PRIu64
		      " findings so far",
		      progress_elapsed_s(&fz->progress), fz->o.seconds,
		      atomic_load(&fz->findings));
}

/* Threads, gate, join; returns the elapsed time or 0 if never started. */
static uint64_t fuzz_run_threads(struct fuzz *fz)
{
	uint64_t created = 0, start = 0, t;
	bool go;

	go = fuzz_start_threads(fz, &created) == 0 &&
	     fuzz_make_unmapped(fz) == 0;
	if (go) {
		start = fuzz_now_ns();
		fz->deadline_ns = start + fz->o.seconds * 1000000000ULL;
	}
	progress_init(&fz->progress, fz->o.progress, fz->o.json);
	fuzz_release(fz, go);
	for (t = 0; t < created; t++)
		progress_join(fz->threads[t].tid, &fz->progress, fuzz_progress,
			      fz);
	if (!go) {
		atomic_store(&fz->failed, true);
		return 0;
	}
	return fuzz_now_ns() - start;
}

/* The slots' files, the module's counter count and region size. */
static int fuzz_open_slots(struct fuzz *fz)
{
	struct vmalock_stats_arg arg = { 0 };
	struct vmalock_version ver;
	unsigned int i;
	int fd;

	for (i = 0; i < FUZZ_SLOTS; i++) {
		fd = vmalock_open(O_RDWR, &ver);
		if (fd < 0)
			return -1;
		atomic_store(&fz->slots[i].fd, fd);
		atomic_store(&fz->slots[i].size, ver.region_bytes);
		atomic_store(&fz->slots[i].ident, ++fz->next_ident);
		fz->region_bytes = ver.region_bytes;
	}
	if (ioctl(atomic_load(&fz->slots[0].fd), VMALOCK_IOC_STATS, &arg) < 0) {
		err_msg("VMALOCK_IOC_STATS on %s failed: %s", VMALOCK_DEV_PATH,
			strerror(errno));
		return -1;
	}
	fz->stat_nr = arg.count;
	if (fz->region_bytes < fz->page_size ||
	    fz->region_bytes % fz->page_size) {
		err_msg("fuzz: the module's region size %" PRIu64 " is not a page multiple",
			fz->region_bytes);
		return -1;
	}
	return 0;
}

static void fuzz_close_slots(struct fuzz *fz)
{
	unsigned int i;
	int fd;

	for (i = 0; i < FUZZ_SLOTS; i++) {
		fd = atomic_exchange(&fz->slots[i].fd, -1);
		if (fd >= 0)
			close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* The report                                                          */

struct fuzz_report {
	uint64_t ops, elapsed_ns, hash;
	struct fuzz_tally tally;
};

static void fuzz_sum(const struct fuzz *fz, uint64_t elapsed_ns,
		     struct fuzz_report *r)
{
	const struct fuzz_thread *t;
	unsigned int i, e;

	memset(r, 0, sizeof(*r));
	r->elapsed_ns = elapsed_ns;
	for (i = 0; i < fz->o.threads; i++) {
		t = &fz->threads[i];
		r->ops += t->done;
		r->hash = fuzz_mix(r->hash ^ t->hash);
		for (e = 0; e < OP_NR; e++)
			r->tally.ops[e] += t->tally.ops[e];
		for (e = 0; e <= FUZZ_MAX_ERRNO; e++)
			r->tally.errnos[e] += t->tally.errnos[e];
		r->tally.strict += t->tally.strict;
		r->tally.lenient += t->tally.lenient;
		r->tally.sigbus += t->tally.sigbus;
	}
}

static uint64_t fuzz_rate(const struct fuzz_report *r)
{
	if (!r->elapsed_ns)
		return 0;
	return (uint64_t)((double)r->ops * 1e9 / (double)r->elapsed_ns);
}

static void fuzz_print_text(const struct fuzz *fz, const struct fuzz_report *r)
{
	char buf[32];
	unsigned int i;

	printf("seed: %" PRIu64 "\n", fz->o.seed);
	printf("threads: %" PRIu64 "\n", fz->o.threads);
	printf("ops: %" PRIu64 "\n", r->ops);
	printf("elapsed_ns: %" PRIu64 "\n", r->elapsed_ns);
	printf("ops_per_s: %" PRIu64 "\n", fuzz_rate(r));
	printf("sequence: 0x%016" PRIx64 "\n", r->hash);
	printf("classes:");
	for (i = 0; i < OP_NR; i++)
		printf(" %s %" PRIu64, fuzz_op_names[i], r->tally.ops[i]);
	printf("\nerrnos:");
	for (i = 0; i <= FUZZ_MAX_ERRNO; i++)
		if (r->tally.errnos[i])
			printf(" %s %" PRIu64,
			       fuzz_errno_name((int)i, buf, sizeof(buf)),
			       r->tally.errnos[i]);
	printf("\nstrict: %" PRIu64 "\n", r->tally.strict);
	printf("lenient: %" PRIu64 "\n", r->tally.lenient);
	printf("sigbus: %" PRIu64 "\n", r->tally.sigbus);
	printf("findings: %" PRIu64 "\n", atomic_load(&fz->findings));
}

static void fuzz_print_json(const struct fuzz *fz, const struct fuzz_report *r)
{
	struct json_obj j, sub;
	char buf[32];
	unsigned int i;

	json_open(&j, stdout);
	json_u64(&j, "seed", fz->o.seed);
	json_u64(&j, "threads", fz->o.threads);
	json_u64(&j, "ops", r->ops);
	json_u64(&j, "elapsed_ns", r->elapsed_ns);
	json_u64(&j, "ops_per_s", fuzz_rate(r));
	/* A string: jq's numbers are doubles, and would round it. */
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, r->hash);
	json_str(&j, "sequence", buf);
	json_obj_begin(&j, "classes", &sub);
	for (i = 0; i < OP_NR; i++)
		json_u64(&sub, fuzz_op_names[i], r->tally.ops[i]);
	json_obj_end(&sub);
	json_obj_begin(&j, "errnos", &sub);
	for (i = 0; i <= FUZZ_MAX_ERRNO; i++)
		if (r->tally.errnos[i])
			json_u64(&sub, fuzz_errno_name((int)i, buf, sizeof(buf)),
				 r->tally.errnos[i]);
	json_obj_end(&sub);
	json_u64(&j, "strict", r->tally.strict);
	json_u64(&j, "lenient", r->tally.lenient);
	json_u64(&j, "sigbus", r->tally.sigbus);
	json_u64(&j, "findings", atomic_load(&fz->findings));
	json_close(&j);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

enum {
	OPT_OPS = 0x100,
	OPT_SECONDS,
	OPT_PROGRESS,
};

static int fuzz_parse(int argc, char **argv, struct fuzz_opts *o)
{
	static const struct option longopts[] = {
		{ "seed",    required_argument, NULL, 's' },
		{ "ops",     required_argument, NULL, OPT_OPS },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "threads", required_argument, NULL, 't' },
		{ "progress", no_argument,      NULL, OPT_PROGRESS },
		{ "json",    no_argument,       NULL, 'j' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	opterr = 0;
	optind = 1;
	while (!ret &&
	       (c = getopt_long(argc, argv, ":s:t:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ret = parse_u64_option(&cmd_fuzz, "--seed", optarg, 0,
					       UINT64_MAX, &o->seed);
			o->have_seed = true;
			break;
		case OPT_OPS:
			ret = parse_u64_option(&cmd_fuzz, "--ops", optarg, 1,
					       UINT64_MAX, &o->ops);
			break;
		case OPT_SECONDS:
			ret = parse_u64_option(&cmd_fuzz, "--seconds", optarg,
					       1, FUZZ_MAX_SECONDS,
					       &o->seconds);
			break;
		case 't':
			ret = parse_u64_option(&cmd_fuzz, "--threads", optarg,
					       1, FUZZ_MAX_THREADS,
					       &o->threads);
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_cmd_help(&cmd_fuzz, stdout);
			return -1;
		default:
			return option_error(&cmd_fuzz, argv, c);
		}
	}
	if (!ret && optind < argc)
		ret = usage_error(&cmd_fuzz, "unexpected argument '%s'",
				  argv[optind]);
	return ret;
}

/* A seed from the clock when none was given. */
static uint64_t fuzz_clock_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return fuzz_mix((uint64_t)ts.tv_sec * 1000000000ULL +
			(uint64_t)ts.tv_nsec) ^ (uint64_t)getpid();
}

static int fuzz_init(struct fuzz *fz)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned int i;

	if (ps <= 0) {
		err_msg("cannot get the page size: %s", strerror(errno));
		return -1;
	}
	fz->page_size = (uint64_t)ps;
	pthread_mutex_init(&fz->meta_lock, NULL);
	pthread_mutex_init(&fz->report_lock, NULL);
	pthread_mutex_init(&fz->start_lock, NULL);
	pthread_cond_init(&fz->start_cond, NULL);
	for (i = 0; i < FUZZ_SLOTS; i++)
		atomic_init(&fz->slots[i].fd, -1);
	return 0;
}

/* Everything between opening the slots and closing them. */
static int fuzz_main(struct fuzz *fz)
{
	struct fuzz_report *r;
	struct sigaction old_sa;
	uint64_t elapsed;
	unsigned int i;
	int ret = 1;

	fz->threads = calloc(fz->o.threads, sizeof(*fz->threads));
	r = malloc(sizeof(*r));
	if (!fz->threads || !r) {
		err_msg("fuzz: cannot allocate the threads' state: %s",
			strerror(errno));
		goto out;
	}
	for (i = 0; i < fz->o.threads; i++) {
		fuzz_thread_init(fz, &fz->threads[i], i);
		if (fuzz_thread_map(fz, &fz->threads[i]))
			goto out;
	}
	if (fuzz_install_sigbus(&old_sa))
		goto out;
	if (!fz->o.have_seed)
		err_msg("fuzz: seed %" PRIu64 " (replay with --seed %" PRIu64 " --threads %" PRIu64 ")",
			fz->o.seed, fz->o.seed, fz->o.threads);
	elapsed = fuzz_run_threads(fz);
	sigaction(SIGBUS, &old_sa, NULL);
	if (elapsed) {
		fuzz_sum(fz, elapsed, r);
		if (fz->o.json)
			fuzz_print_json(fz, r);
		else
			fuzz_print_text(fz, r);
		ret = atomic_load(&fz->findings) || atomic_load(&fz->failed);
	}
out:
	for (i = 0; fz->threads && i < fz->o.threads; i++)
		fuzz_thread_unmap(fz, &fz->threads[i]);
	free(fz->threads);
	free(r);
	return ret;
}

static int fuzz_run(int argc, char **argv)
{
	struct fuzz fz;
	int ret;

	memset(&fz, 0, sizeof(fz));
	fz.o.ops = FUZZ_DEFAULT_OPS;
	fz.o.seconds = FUZZ_DEFAULT_SECONDS;
	fz.o.threads = FUZZ_DEFAULT_THREADS;
	ret = fuzz_parse(argc, argv, &fz.o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (!fz.o.have_seed)
		fz.o.seed = fuzz_clock_seed();
	if (fuzz_init(&fz))
		return 1;
	ret = fuzz_open_slots(&fz) ? 1 : fuzz_main(&fz);
	fuzz_close_slots(&fz);
	return ret;
}
