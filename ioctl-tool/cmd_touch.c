// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl touch: map a region and fault its pages in, from one or more
 * threads, to watch the module's fault path (and which lock it ran under)
 * from user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vmalockctl.h"

#define TOUCH_DEFAULT_PAGES	16
#define TOUCH_MAX_THREADS	1024
/*
 * A touching thread needs little stack: a loop and a signal frame.  The 8 MiB
 * default times 1024 threads could exceed a small guest's overcommit limit.
 */
#define TOUCH_THREAD_STACK	(256 * 1024)
/* Enough mismatches to see a pattern without flooding the terminal. */
#define VERIFY_MAX_REPORTED	10

static int touch_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_touch = {
	.name = "touch",
	.summary = "map a region and fault its pages in",
	.synopsis = "[--fd N] [--mode MODE] [--order ORDER] [--pages N] [--offset PAGE] [--write] [--private] [--threads T] [--verify | --expect PATTERN] [--json]",
	.help =
	"Open /dev/vmalock (a new, empty region), or with --fd use the region of\n"
	"an open file the caller hands over, optionally set its lock mode and\n"
	"folio order, mmap N pages of it starting at page PAGE with\n"
	"PROT_READ|PROT_WRITE, and touch every page once: read a byte, or with\n"
	"--write store a 16-byte stamp (region page index, run cookie) at the\n"
	"start of the page.  T threads share the pages in contiguous chunks.\n"
	"The module's counters are read before and after.\n"
	"\n"
	"Options:\n"
	"      --fd N           touch the region of file descriptor N, an open\n"
	"                       /dev/vmalock inherited from the caller (e.g.\n"
	"                       exec 5<>/dev/vmalock), instead of a new one; it\n"
	"                       is left open.  Opened read-only, it is mapped\n"
	"                       PROT_READ and cannot take --write unless\n"
	"                       --private\n"
	"      --mode MODE      first set the region's lock mode: mmap, vma or\n"
	"                       spec (see 'vmalockctl mode --help'); with --fd\n"
	"                       the region keeps it afterwards\n"
	"      --order ORDER    first set the region's preferred folio order\n"
	"                       (see 'vmalockctl order --help')\n"
	"  -n, --pages N        pages to map and touch (default 16)\n"
	"      --offset PAGE    first page of the region to map (default 0)\n"
	"  -w, --write          write a stamp instead of reading\n"
	"      --private        MAP_PRIVATE instead of MAP_SHARED\n"
	"  -t, --threads T      touching threads, 1..1024 (default 1; at most N\n"
	"                       are used)\n"
	"      --verify         after all threads finish, re-read every page: a\n"
	"                       written page must hold its stamp, a read-only run\n"
	"                       must find every page all zero\n"
	"      --expect PATTERN a read-only run that, after all threads finish,\n"
	"                       checks every 64-bit word of every touched page\n"
	"                       equals PATTERN (decimal or 0x hex), e.g. after\n"
	"                       'vmalockctl fill'; replaces --verify's zero check,\n"
	"                       and cannot be combined with --write\n"
	"  -j, --json           print the report as one JSON object\n"
	"  -h, --help           show this help\n"
	"\n"
	"Report (text: 'key: value' per line; JSON: the same keys):\n"
	"  pages, offset_pages,    what was touched (threads actually used)\n"
	"  threads\n"
	"  write, private          yes/no (JSON: true/false)\n"
	"  mode, order             the region's lock mode and preferred folio\n"
	"                          order when touched\n"
	"  elapsed_ns              from the first thread starting to touch to\n"
	"                          the last one finishing\n"
	"  ns_per_page             elapsed_ns / pages\n"
	"  <counter>               change of each scalar module counter, as\n"
	"                          'vmalockctl stats' names them: faults,\n"
	"                          faults_vma_locked, ..., spec_success, ...,\n"
	"                          writer_wait_ns (module-wide: other users of\n"
	"                          vmalock show up too)\n"
	"  folio_alloc,            change of the array counters, only the\n"
	"  fault_ns_log2           elements that changed: text 'INDEX:DELTA ...'\n"
	"                          or '-'; JSON an object {\"INDEX\": DELTA}\n"
	"  minor_faults            change of this process's ru_minflt\n"
	"  verify                  ok, failed or skipped\n"
	"  expect                  PATTERN in hex (JSON: a string), or '-' (JSON:\n"
	"                          null) without --expect\n"
	"  mismatches              pages that failed verification\n"
	"\n"
	"A mismatch is reported for each of the first 10 bad pages: the stamp\n"
	"found, or the first word that differs, then how many pages were wrong.\n"
	"\n"
	"A page beyond the end of the region raises SIGBUS; it is reported as\n"
	"'SIGBUS at page N (past the end of the region?)', N being the page\n"
	"index in the region.\n"
	"\n"
	"Exit status: 0 on success; 1 on a runtime error (including an --fd\n"
	"that is not an open /dev/vmalock, or a mode or order the module\n"
	"refused), a SIGBUS or a failed verification (the report is still\n"
	"printed for the latter); 2 on a usage error.\n",
	.run = touch_run,
};

struct touch_opts {
	uint64_t pages;
	uint64_t offset;
	uint64_t threads;
	int fd;			/* --fd, or -1 */
	bool have_mode, have_order, have_expect;
	uint32_t mode;
	uint32_t order;
	uint64_t expect;
	bool write;
	bool private_map;
	bool verify;
	bool json;
};

/* What --write leaves at the start of each page. */
struct touch_stamp {
	uint64_t page;
	uint64_t cookie;
};

/*
 * Threads check in here and wait until the main thread has read the "before"
 * numbers, so that thread start-up stays out of them.
 */
struct touch_start {
	pthread_mutex_t lock;
	pthread_cond_t go_cond;		/* main -> threads: go or abort */
	pthread_cond_t ready_cond;	/* threads -> main: one more ready */
	uint64_t ready;
	bool go;
	bool abort;
};

struct touch_job {
	struct touch_start *start;
	unsigned char *base;	/* first page of this thread's chunk */
	uint64_t first;		/* its index in the region */
	uint64_t npages;
	size_t page_size;
	uint64_t cookie;
	bool write;
	/* out */
	unsigned char sink;		/* xor of the bytes read */
	uint64_t start_ns, end_ns;	/* 0 if the thread never started */
	bool sigbus;
	uint64_t sigbus_page;
};

struct touch_result {
	struct vmalock_region_info region;	/* before touching */
	uint64_t threads;
	uint64_t elapsed_ns;
	long minor_faults;
	struct vmalock_counters before, after;
	bool verified;
	uint64_t mismatches;
	bool sigbus;
	uint64_t sigbus_page;
};

/*
 * Where the SIGBUS handler jumps back to in the thread that faulted; NULL
 * outside a protected section.  SIGBUS from a fault is delivered to the
 * thread that took it, hence thread-local.  volatile: to the compiler,
 * nothing reads it between setting it and clearing it (the handler is
 * invisible), so without it the first store is dead.  GCC 16 (Debian sid)
 * drops it, and a touch past the end died of SIGBUS instead of reporting.
 */
static __thread sigjmp_buf *volatile touch_recover;

static void touch_sigbus(int sig)
{
	if (touch_recover)
		siglongjmp(*touch_recover, 1);
	/* Not ours: returning retries the access, which now kills us. */
	signal(sig, SIG_DFL);
}

static int touch_install_sigbus(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = touch_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, old) < 0) {
		err_msg("cannot install a SIGBUS handler: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Returns the byte read, so that the read has a user (see touch_thread). */
static unsigned char touch_page(unsigned char *page, uint64_t index,
				uint64_t cookie, bool write)
{
	volatile uint64_t *stamp = (volatile uint64_t *)page;

	if (write) {
		stamp[0] = index;
		stamp[1] = cookie;
		return 0;
	}
	return *(volatile unsigned char *)page;
}

/* Returns false if the run was called off before it started. */
static bool touch_wait_start(struct touch_start *start)
{
	bool go;

	pthread_mutex_lock(&start->lock);
	start->ready++;
	pthread_cond_signal(&start->ready_cond);
	while (!start->go && !start->abort)
		pthread_cond_wait(&start->go_cond, &start->lock);
	go = !start->abort;
	pthread_mutex_unlock(&start->lock);
	return go;
}

static void *touch_thread(void *arg)
{
	struct touch_job *job = arg;
	sigjmp_buf recover;
	/* volatile: read after siglongjmp, so it must live in memory. */
	volatile uint64_t i = 0;

	if (!touch_wait_start(job->start))
		return NULL;
	job->start_ns = now_ns();
	if (sigsetjmp(recover, 1)) {
		touch_recover = NULL;
		job->end_ns = now_ns();
		job->sigbus = true;
		job->sigbus_page = job->first + i;
		return NULL;
	}
	touch_recover = &recover;
	/*
	 * The volatile read alone is enough for the compiler, but valgrind
	 * drops loads whose value is unused: keep every byte read live.
	 */
	for (i = 0; i < job->npages; i++)
		job->sink ^= touch_page(job->base + i * job->page_size,
					job->first + i, job->cookie,
					job->write);
	touch_recover = NULL;
	job->end_ns = now_ns();
	return NULL;
}

static void touch_release(struct touch_start *start, bool abort)
{
	pthread_mutex_lock(&start->lock);
	if (abort)
		start->abort = true;
	else
		start->go = true;
	pthread_cond_broadcast(&start->go_cond);
	pthread_mutex_unlock(&start->lock);
}

static void touch_wait_ready(struct touch_start *start, uint64_t threads)
{
	pthread_mutex_lock(&start->lock);
	while (start->ready < threads)
		pthread_cond_wait(&start->ready_cond, &start->lock);
	pthread_mutex_unlock(&start->lock);
}

/* A cookie that differs between runs, so stale stamps do not verify. */
static uint64_t touch_cookie(void)
{
	struct timespec ts;
	uint64_t cookie;

	if (getrandom(&cookie, sizeof(cookie), GRND_NONBLOCK) !=
	    sizeof(cookie)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		cookie = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
			 ((uint64_t)getpid() << 48);
	}
	/* Never zero: a fresh page must not pass for a stamped one. */
	return cookie | 1;
}

static int minor_faults(long *out)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0) {
		err_msg("getrusage failed: %s", strerror(errno));
		return -1;
	}
	*out = ru.ru_minflt;
	return 0;
}

/* Split the pages into contiguous chunks, the first ones one page longer. */
static void touch_plan(struct touch_job *jobs, const struct touch_opts *o,
		       unsigned char *map, size_t page_size, uint64_t threads,
		       uint64_t cookie)
{
	uint64_t per = o->pages / threads, extra = o->pages % threads;
	uint64_t next = 0, t;

	for (t = 0; t < threads; t++) {
		jobs[t] = (struct touch_job) {
			.base = map + next * page_size,
			.first = o->offset + next,
			.npages = per + (t < extra),
			.page_size = page_size,
			.cookie = cookie,
			.write = o->write,
		};
		next += jobs[t].npages;
	}
}

/*
 * The touching window: from the first thread starting to the last one
 * finishing, each thread timing itself after the release, so that thread
 * creation and wake-up latency are not counted.
 */
static uint64_t touch_elapsed(const struct touch_job *jobs, uint64_t threads)
{
	uint64_t first = UINT64_MAX, last = 0, t;

	for (t = 0; t < threads; t++) {
		if (jobs[t].start_ns && jobs[t].start_ns < first)
			first = jobs[t].start_ns;
		if (jobs[t].end_ns > last)
			last = jobs[t].end_ns;
	}
	return last > first ? last - first : 0;
}

/*
 * Start the threads, take the "before" numbers once all are waiting, let
 * them go and take the "after" numbers once all are joined, so that thread
 * creation stays out of the counts as far as possible.
 */
static int touch_run_threads(int fd, struct touch_job *jobs, uint64_t threads,
			     struct touch_result *res)
{
	struct touch_start start = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.go_cond = PTHREAD_COND_INITIALIZER,
		.ready_cond = PTHREAD_COND_INITIALIZER,
	};
	pthread_attr_t attr;
	pthread_t *tids;
	uint64_t created, t;
	long minflt_before = 0;
	int err = 0, ret = -1;

	tids = calloc(threads, sizeof(*tids));
	if (!tids) {
		err_msg("cannot allocate %" PRIu64 " threads: %s", threads,
			strerror(errno));
		return -1;
	}
	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, TOUCH_THREAD_STACK);
	if (err) {
		err_msg("cannot set up thread attributes: %s", strerror(err));
		free(tids);
		return -1;
	}
	for (created = 0; created < threads; created++) {
		jobs[created].start = &start;
		err = pthread_create(&tids[created], &attr, touch_thread,
				     &jobs[created]);
		if (err) {
			err_msg("cannot create thread %" PRIu64 " of %" PRIu64 ": %s",
				created + 1, threads, strerror(err));
			break;
		}
	}
	if (!err)
		touch_wait_ready(&start, threads);
	if (!err && vmalock_read_counters(fd, 0, &res->before) == 0 &&
	    minor_faults(&minflt_before) == 0) {
		touch_release(&start, false);
		ret = 0;
	} else {
		touch_release(&start, true);
	}
	for (t = 0; t < created; t++)
		pthread_join(tids[t], NULL);
	pthread_attr_destroy(&attr);
	free(tids);
	if (ret)
		return ret;
	res->elapsed_ns = touch_elapsed(jobs, threads);
	if (minor_faults(&res->minor_faults) < 0 ||
	    vmalock_read_counters(fd, 0, &res->after) < 0)
		return -1;
	res->minor_faults -= minflt_before;
	for (t = 0; t < threads; t++) {
		if (jobs[t].sigbus && (!res->sigbus ||
				       jobs[t].sigbus_page < res->sigbus_page)) {
			res->sigbus = true;
			res->sigbus_page = jobs[t].sigbus_page;
		}
	}
	return 0;
}

/* Returns true if the page is as expected; reports it otherwise. */
static bool verify_page(const unsigned char *page, size_t page_size,
			uint64_t index, uint64_t cookie,
			const struct touch_opts *o, bool report)
{
	const volatile uint64_t *word = (const volatile uint64_t *)page;
	uint64_t got_page, got_cookie, got;
	size_t off;

	if (o->write) {
		got_page = word[0];
		got_cookie = word[1];
		if (got_page == index && got_cookie == cookie)
			return true;
		if (report)
			err_msg("verify: page %" PRIu64 ": stamp (%" PRIu64
				", %#" PRIx64 "), expected (%" PRIu64 ", %#"
				PRIx64 ")", index, got_page, got_cookie, index,
				cookie);
		return false;
	}
	if (o->have_expect) {
		for (off = 0; off < page_size / sizeof(*word); off++) {
			got = word[off];
			if (got == o->expect)
				continue;
			if (report)
				err_msg("verify: page %" PRIu64 ": word %zu (byte %zu) is 0x%" PRIx64 ", expected 0x%" PRIx64,
					index, off, off * sizeof(*word), got,
					o->expect);
			return false;
		}
		return true;
	}
	for (off = 0; off < page_size; off++) {
		if (page[off] != 0) {
			if (report)
				err_msg("verify: page %" PRIu64 " is not zero: byte %zu is %#x",
					index, off, page[off]);
			return false;
		}
	}
	return true;
}

/* Re-read every page from this thread, under the same SIGBUS guard. */
static void touch_verify(unsigned char *map, size_t page_size,
			 const struct touch_opts *o, uint64_t cookie,
			 struct touch_result *res)
{
	sigjmp_buf recover;
	volatile uint64_t i = 0, bad = 0;

	if (sigsetjmp(recover, 1)) {
		touch_recover = NULL;
		res->sigbus = true;
		res->sigbus_page = o->offset + i;
		return;
	}
	touch_recover = &recover;
	for (i = 0; i < o->pages; i++)
		if (!verify_page(map + i * page_size, page_size, o->offset + i,
				 cookie, o, bad < VERIFY_MAX_REPORTED))
			bad++;
	touch_recover = NULL;
	res->verified = true;
	res->mismatches = bad;
}

/* Counters read both before and after. */
static unsigned int touch_counter_count(const struct touch_result *res)
{
	return res->before.count < res->after.count ?
	       res->before.count : res->after.count;
}

static int64_t touch_delta(const struct touch_result *res, unsigned int idx)
{
	return (int64_t)(res->after.values[idx] - res->before.values[idx]);
}

static const char *touch_mode_name(const struct touch_result *res, char *buf,
				   size_t len)
{
	const char *name = vmalock_mode_name(res->region.mode);

	if (name)
		return name;
	snprintf(buf, len, "unknown(%u)", res->region.mode);
	return buf;
}

static const char *touch_verify_result(const struct touch_result *res)
{
	return !res->verified ? "skipped" : res->mismatches ? "failed" : "ok";
}

static void touch_print_text(const struct touch_opts *o,
			     const struct touch_result *res)
{
	unsigned int n = touch_counter_count(res), i = 0, e;
	struct vmalock_counter_item it;
	char buf[COUNTER_NAME_MAX];
	int64_t d;
	bool any;

	printf("pages: %" PRIu64 "\n", o->pages);
	printf("offset_pages: %" PRIu64 "\n", o->offset);
	printf("threads: %" PRIu64 "\n", res->threads);
	printf("write: %s\n", o->write ? "yes" : "no");
	printf("private: %s\n", o->private_map ? "yes" : "no");
	printf("mode: %s\n", touch_mode_name(res, buf, sizeof(buf)));
	printf("order: %u\n", res->region.order);
	printf("elapsed_ns: %" PRIu64 "\n", res->elapsed_ns);
	printf("ns_per_page: %" PRIu64 "\n", res->elapsed_ns / o->pages);
	while (i < n) {
		i = vmalock_counter_next(i, n, &it, buf, sizeof(buf));
		if (!it.array) {
			printf("%s: %" PRId64 "\n", it.name,
			       touch_delta(res, it.first));
			continue;
		}
		printf("%s:", it.name);
		any = false;
		for (e = 0; e < it.len; e++) {
			d = touch_delta(res, it.first + e);
			if (!d)
				continue;
			printf(" %u:%" PRId64, e, d);
			any = true;
		}
		printf("%s\n", any ? "" : " -");
	}
	printf("minor_faults: %ld\n", res->minor_faults);
	printf("verify: %s\n", touch_verify_result(res));
	if (o->have_expect)
		printf("expect: 0x%" PRIx64 "\n", o->expect);
	else
		printf("expect: -\n");
	printf("mismatches: %" PRIu64 "\n", res->mismatches);
}

static void touch_print_json(const struct touch_opts *o,
			     const struct touch_result *res)
{
	unsigned int n = touch_counter_count(res), i = 0, e;
	char buf[COUNTER_NAME_MAX], key[24];
	struct vmalock_counter_item it;
	struct json_obj j, a;
	int64_t d;

	json_open(&j, stdout);
	json_u64(&j, "pages", o->pages);
	json_u64(&j, "offset_pages", o->offset);
	json_u64(&j, "threads", res->threads);
	json_bool(&j, "write", o->write);
	json_bool(&j, "private", o->private_map);
	json_str(&j, "mode", touch_mode_name(res, buf, sizeof(buf)));
	json_u64(&j, "order", res->region.order);
	json_u64(&j, "elapsed_ns", res->elapsed_ns);
	json_u64(&j, "ns_per_page", res->elapsed_ns / o->pages);
	while (i < n) {
		i = vmalock_counter_next(i, n, &it, buf, sizeof(buf));
		if (!it.array) {
			json_s64(&j, it.name, touch_delta(res, it.first));
			continue;
		}
		json_obj_begin(&j, it.name, &a);
		for (e = 0; e < it.len; e++) {
			d = touch_delta(res, it.first + e);
			if (!d)
				continue;
			snprintf(key, sizeof(key), "%u", e);
			json_s64(&a, key, d);
		}
		json_obj_end(&a);
	}
	json_s64(&j, "minor_faults", res->minor_faults);
	json_str(&j, "verify", touch_verify_result(res));
	if (o->have_expect) {
		snprintf(key, sizeof(key), "0x%" PRIx64, o->expect);
		json_str(&j, "expect", key);
	} else {
		json_null(&j, "expect");
	}
	json_u64(&j, "mismatches", res->mismatches);
	json_close(&j);
}

/* Everything between open and close; returns the exit code. */
static int touch_mapped(int fd, int prot, const struct touch_opts *o,
			size_t page_size, struct touch_result *res)
{
	size_t len = o->pages * page_size;
	struct sigaction old_sigbus;
	struct touch_job *jobs;
	unsigned char *map;
	uint64_t cookie = touch_cookie();
	int ret = 1;

	map = mmap(NULL, len, prot,
		   o->private_map ? MAP_PRIVATE : MAP_SHARED, fd,
		   (off_t)(o->offset * page_size));
	if (map == MAP_FAILED) {
		err_msg("cannot mmap %" PRIu64 " pages at page %" PRIu64 " of %s: %s",
			o->pages, o->offset, VMALOCK_DEV_PATH, strerror(errno));
		return 1;
	}
	res->threads = o->threads < o->pages ? o->threads : o->pages;
	jobs = calloc(res->threads, sizeof(*jobs));
	if (!jobs) {
		err_msg("cannot allocate thread state: %s", strerror(errno));
		goto unmap;
	}
	if (touch_install_sigbus(&old_sigbus) < 0)
		goto free_jobs;
	touch_plan(jobs, o, map, page_size, res->threads, cookie);
	if (touch_run_threads(fd, jobs, res->threads, res) < 0)
		goto restore;
	if (!res->sigbus && (o->verify || o->have_expect))
		touch_verify(map, page_size, o, cookie, res);
	if (res->sigbus) {
		err_msg("SIGBUS at page %" PRIu64 " (past the end of the region?)",
			res->sigbus_page);
		goto restore;
	}
	ret = 0;
restore:
	sigaction(SIGBUS, &old_sigbus, NULL);
free_jobs:
	free(jobs);
unmap:
	if (munmap(map, len) < 0) {
		err_msg("munmap failed: %s", strerror(errno));
		ret = 1;
	}
	return ret;
}

/* Long-only options: values outside the char range. */
enum {
	OPT_VERIFY = 0x100,
	OPT_FD,
	OPT_MODE,
	OPT_ORDER,
	OPT_EXPECT,
	OPT_OFFSET,
	OPT_PRIVATE,
};

static int touch_parse(int argc, char **argv, struct touch_opts *o)
{
	static const struct option longopts[] = {
		{ "pages",   required_argument, NULL, 'n' },
		{ "offset",  required_argument, NULL, OPT_OFFSET },
		{ "write",   no_argument,       NULL, 'w' },
		{ "private", no_argument,       NULL, OPT_PRIVATE },
		{ "threads", required_argument, NULL, 't' },
		/* No short form: -V is --version elsewhere. */
		{ "verify",  no_argument,       NULL, OPT_VERIFY },
		{ "fd",      required_argument, NULL, OPT_FD },
		{ "mode",    required_argument, NULL, OPT_MODE },
		{ "order",   required_argument, NULL, OPT_ORDER },
		{ "expect",  required_argument, NULL, OPT_EXPECT },
		{ "json",    no_argument,       NULL, 'j' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	opterr = 0;
	optind = 1;
	while (!ret &&
	       (c = getopt_long(argc, argv, ":n:wt:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			ret = parse_u64_option(&cmd_touch, "--pages", optarg,
					       1, UINT64_MAX, &o->pages);
			break;
		case OPT_OFFSET:
			ret = parse_u64_option(&cmd_touch, "--offset", optarg,
					       0, UINT64_MAX, &o->offset);
			break;
		case 'w':
			o->write = true;
			break;
		case OPT_PRIVATE:
			o->private_map = true;
			break;
		case 't':
			ret = parse_u64_option(&cmd_touch, "--threads", optarg,
					       1, TOUCH_MAX_THREADS,
					       &o->threads);
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_FD:
			ret = parse_fd_option(&cmd_touch, optarg, &o->fd);
			break;
		case OPT_MODE:
			ret = parse_mode_arg(&cmd_touch, "--mode", optarg,
					     &o->mode);
			o->have_mode = true;
			break;
		case OPT_ORDER:
			ret = parse_order_arg(&cmd_touch, "--order", optarg,
					      &o->order);
			o->have_order = true;
			break;
		case OPT_EXPECT:
			ret = parse_pattern_option(&cmd_touch, "--expect",
						   optarg, &o->expect);
			o->have_expect = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_cmd_help(&cmd_touch, stdout);
			return -1;
		default:
			return option_error(&cmd_touch, argv, c);
		}
	}
	if (!ret && optind < argc)
		ret = usage_error(&cmd_touch, "unexpected argument '%s'",
				  argv[optind]);
	if (!ret && o->have_expect && o->write)
		ret = usage_error(&cmd_touch, "--expect checks what a read-only run finds: it cannot be combined with --write");
	return ret;
}

/* The mapping's length and file offset must fit size_t and off_t. */
static int touch_check_range(const struct touch_opts *o, size_t page_size)
{
	uint64_t max_pages = (uint64_t)INT64_MAX / page_size;

	if (o->pages > SIZE_MAX / page_size || o->pages > max_pages)
		return usage_error(&cmd_touch, "--pages %" PRIu64 " is too large",
				   o->pages);
	if (o->offset > max_pages - o->pages)
		return usage_error(&cmd_touch, "--offset %" PRIu64 " is too large",
				   o->offset);
	return 0;
}

/*
 * The protection to map the region with: read-write, except for a shared
 * mapping of a read-only --fd, for which mmap would say EACCES.  Returns the
 * protection, or -1 after a message.
 */
static int touch_prot(int fd, const struct touch_opts *o)
{
	int flags;

	if (o->fd < 0)
		return PROT_READ | PROT_WRITE;	/* we opened it O_RDWR */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0) {
		err_msg("fd %d: cannot read its flags: %s", fd,
			strerror(errno));
		return -1;
	}
	switch (flags & O_ACCMODE) {
	case O_RDWR:
		return PROT_READ | PROT_WRITE;
	case O_RDONLY:
		if (o->private_map)
			return PROT_READ | PROT_WRITE;
		if (o->write) {
			err_msg("fd %d is open read-only: --write on a shared mapping needs it open read-write (exec %d<>%s)",
				fd, fd, VMALOCK_DEV_PATH);
			return -1;
		}
		return PROT_READ;
	default:
		err_msg("fd %d is open write-only: mapping it needs read access (exec %d<>%s)",
			fd, fd, VMALOCK_DEV_PATH);
		return -1;
	}
}

/* --mode and --order, then what the report shows of the region. */
static int touch_setup_region(int fd, const struct touch_opts *o,
			      struct touch_result *res)
{
	if (o->have_mode &&
	    region_set_value(fd, VMALOCK_IOC_SET_MODE, "VMALOCK_IOC_SET_MODE",
			     o->mode, "the module does not know this mode"))
		return 1;
	if (o->have_order &&
	    region_set_value(fd, VMALOCK_IOC_SET_ORDER,
			     "VMALOCK_IOC_SET_ORDER", o->order,
			     "the module does not support this order"))
		return 1;
	return region_ioctl(fd, VMALOCK_IOC_REGION_INFO,
			    "VMALOCK_IOC_REGION_INFO", &res->region,
			    "a reserved field or flag was set");
}

static int touch_run(int argc, char **argv)
{
	struct touch_opts o = {
		.pages = TOUCH_DEFAULT_PAGES,
		.threads = 1,
		.fd = -1,
	};
	struct touch_result res = { 0 };
	struct vmalock_version ver;
	long sc_page_size;
	size_t page_size;
	int fd, prot, ret;

	ret = touch_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	sc_page_size = sysconf(_SC_PAGESIZE);
	if (sc_page_size <= 0) {
		err_msg("cannot get the page size: %s", strerror(errno));
		return 1;
	}
	page_size = (size_t)sc_page_size;
	ret = touch_check_range(&o, page_size);
	if (ret)
		return ret;

	if (o.fd >= 0) {
		/* The caller's region: use it, leave it open. */
		if (region_use_fd(o.fd, &ver))
			return 1;
		fd = o.fd;
	} else {
		fd = vmalock_open(O_RDWR, &ver);
		if (fd < 0)
			return 1;
	}
	prot = touch_prot(fd, &o);
	if (prot < 0)
		ret = 1;
	else
		ret = touch_setup_region(fd, &o, &res);
	if (!ret)
		ret = touch_mapped(fd, prot, &o, page_size, &res);
	if (o.fd < 0 && close(fd) < 0) {
		err_msg("closing %s failed: %s", VMALOCK_DEV_PATH,
			strerror(errno));
		ret = 1;
	}
	if (ret == 0) {
		if (o.json)
			touch_print_json(&o, &res);
		else
			touch_print_text(&o, &res);
		if (res.mismatches) {
			err_msg("verify: %" PRIu64 " of %" PRIu64 " pages wrong",
				res.mismatches, o.pages);
			ret = 1;
		}
	}
	vmalock_counters_free(&res.before);
	vmalock_counters_free(&res.after);
	return ret;
}
