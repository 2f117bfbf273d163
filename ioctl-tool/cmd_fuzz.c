// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl fuzz: a seeded, bounded ioctl fuzzer for /dev/vmalock.
 *
 * Threads share a few open files of the device and, step by step, open and
 * close them, map and unmap small windows of their regions, touch pages,
 * and send ioctls: real commands with arguments taken from the values where
 * the module's checks flip, real commands with argument pointers that cannot
 * be read or written, and numbers that are no command at all.  Every result
 * is checked against the errnos uapi/vmalock.h documents for that call;
 * anything else is a finding, printed with what replays it.  The checks and
 * their order are part of the ABI, and a missing one hides best where a
 * writer, a resize and a close race.
 *
 * Replay: a thread draws every call from its own generator, seeded from
 * --seed and its index, and never from what earlier calls returned; each
 * thread makes its share of --ops.  So the same seed and --threads give
 * each thread the same calls (the "sequence" hash of the report), and with
 * one thread the same results; with more, races decide some results.
 *
 * The oracle: each open file ("slot") has a known size while nothing
 * changes it.  Opens, closes and resizes are "changes"; a call that no
 * change overlapped is judged strictly, against that size and an fd known
 * to be open (or known to be closed).  A call that a change overlapped may
 * also see what the race allows: EBADF, or a range past an end that moved.
 * Since a closed descriptor's number is reused by the next open, a resize
 * that raced with a close may have resized another slot's region: then no
 * size is trusted until its slot is reopened.
 *
 * Memory stays bounded: a FILL that could succeed is at most
 * FUZZ_FILL_PAGES long (a longer one is sent where it must fail before
 * allocating), windows are FUZZ_WINDOW_PAGES long, and delays are capped
 * at FUZZ_DELAY_MAX_US so that a run cannot crawl.  VMALOCK_STATS_RESET is
 * never sent in a call that could succeed: tests read the counters after.
 */
/* strerrorname_np() and MAP_FIXED_NOREPLACE. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmalockctl.h"

#define FUZZ_DEFAULT_OPS	20000
#define FUZZ_DEFAULT_SECONDS	60
#define FUZZ_DEFAULT_THREADS	4
#define FUZZ_MAX_THREADS	64
#define FUZZ_MAX_SECONDS	86400
/* Open files shared by all threads: few, so that the threads collide. */
#define FUZZ_SLOTS		4
/* Windows per thread, and their largest length in pages. */
#define FUZZ_WINDOWS		4
#define FUZZ_WINDOW_PAGES	16
/* Offsets that stay in a region's first pages, where calls can succeed. */
#define FUZZ_LOW_PAGES		64
/* The longest FILL that may succeed: the module allocates it up front. */
#define FUZZ_FILL_PAGES		64
/* Race windows slow every later fault or writer of the region. */
#define FUZZ_DELAY_MAX_US	1000
/* One VMALOCK_STATS_LOG in this many calls that could log. */
#define FUZZ_LOG_ONE_IN		64
/* A loop, a few structs and a signal frame. */
#define FUZZ_THREAD_STACK	(256 * 1024)
/* The kernel's MAX_ERRNO: no system call fails with a larger one. */
#define FUZZ_MAX_ERRNO		4095
#define FUZZ_TIB		(1ULL << 40)
#define FUZZ_SIZE_UNKNOWN	UINT64_MAX
/* The identity of no open file: windows mapped during a change. */
#define FUZZ_IDENT_NONE		0

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
	"      --seed N       seed, 0..2^64-1 (default: from the clock)\n"
	"      --ops N        steps in all, shared by the threads (default 20000)\n"
	"      --seconds S    stop after S seconds, 1..86400, even if steps\n"
	"                     remain (default 60)\n"
	"  -t, --threads N    threads, 1..64 (default 4)\n"
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
		"  ops_per_sec\n"
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

/* The commands, in the order of their numbers. */
enum fuzz_cmd_id {
	FC_VERSION,
	FC_STATS,
	FC_INVALIDATE,
	FC_FILL,
	FC_SET_SIZE,
	FC_SET_ORDER,
	FC_SET_MODE,
	FC_SET_DELAY,
	FC_REGION_INFO,
	FC_NR,
	FC_NONE = FC_NR,	/* a request number that is no command */
};

struct fuzz_cmd_desc {
	const char *name;
	unsigned int request;
	unsigned int weight;		/* how often the valid class picks it */
	const char *field[4];		/* names of the call's fields */
};

static const struct fuzz_cmd_desc fuzz_cmds[FC_NR] = {
	[FC_VERSION] = { "VERSION", VMALOCK_IOC_VERSION, 1, { NULL } },
	[FC_STATS] = { "STATS", VMALOCK_IOC_STATS, 2,
		       { "flags", "addr", "count", "pad" } },
	[FC_INVALIDATE] = { "INVALIDATE", VMALOCK_IOC_INVALIDATE, 3,
			    { "offset", "length", "pattern" } },
	[FC_FILL] = { "FILL", VMALOCK_IOC_FILL, 4,
		      { "offset", "length", "pattern" } },
	[FC_SET_SIZE] = { "SET_SIZE", VMALOCK_IOC_SET_SIZE, 2, { "value" } },
	[FC_SET_ORDER] = { "SET_ORDER", VMALOCK_IOC_SET_ORDER, 1, { "value" } },
	[FC_SET_MODE] = { "SET_MODE", VMALOCK_IOC_SET_MODE, 2, { "value" } },
	[FC_SET_DELAY] = { "SET_DELAY", VMALOCK_IOC_SET_DELAY, 1,
			   { "point", "pad", "usecs" } },
	[FC_REGION_INFO] = { "REGION_INFO", VMALOCK_IOC_REGION_INFO, 2,
			     { NULL } },
};

/* What a step does; the last three are ioctls. */
enum fuzz_op {
	OP_OPEN,
	OP_CLOSE,
	OP_MMAP,
	OP_MUNMAP,
	OP_TOUCH,
	OP_VALID,
	OP_POINTER,
	OP_NUMBER,
	OP_NR
};

static const char *const fuzz_op_names[OP_NR] = {
	"open", "close", "mmap", "munmap", "touch", "valid", "pointer",
	"number",
};

/* Where an ioctl's argument (or STATS' output array) is. */
enum fuzz_ptr {
	PTR_ARG,	/* an ordinary page */
	PTR_UNALIGNED,	/* the same, not 8-byte aligned */
	PTR_NULL,
	PTR_UNMAPPED,	/* a page mapped, then unmapped, before the run */
	PTR_LOW,	/* below mmap_min_addr */
	PTR_KERNEL,	/* not a user address at all */
	PTR_STRADDLE,	/* ends in an inaccessible page */
	PTR_READONLY,
	PTR_WINDOW,	/* a window mapped from a region, or its reservation */
	PTR_NR
};

static const char *const fuzz_ptr_names[PTR_NR] = {
	"arg", "unaligned", "null", "unmapped", "low", "kernel", "straddle",
	"readonly", "window",
};

static const uint64_t fuzz_kernel_addrs[] = {
	0xffff888000000000ULL,	/* the x86-64 direct map */
	0xffffffff81000000ULL,	/* kernel text */
	0x0000800000000000ULL,	/* the first non-canonical address */
	0xfffffffffffffff8ULL,	/* a struct here wraps around */
};

/*
 * One step, as generated: everything in it comes from the thread's
 * generator, so that it can be hashed and replayed.  STATS' @addr (f[1]) is
 * filled in when the call is made, from @addr_kind.
 */
struct fuzz_call {
	enum fuzz_op op;
	unsigned int slot;
	enum fuzz_cmd_id cmd;
	unsigned int request;
	enum fuzz_ptr ptr;
	enum fuzz_ptr addr_kind;
	/* PTR_STRADDLE: bytes readable; else an offset or index. */
	unsigned int cut;
	/* STATS' addr straddling: elements that fit before the guard. */
	unsigned int addr_cut;
	uint64_t f[4];
	/* mmap, munmap, touch */
	unsigned int win;
	uint64_t pgoff;		/* mmap: file page; touch: page in window */
	uint64_t pages;		/* mmap: length; munmap: pages kept */
	bool private_map;
	bool write;
};

/* Everything a thread's calls are generated from. */
struct fuzz_gen {
	uint64_t state;
	uint64_t page_size;
	uint64_t region_bytes;
};

/* One open file of the device, shared by the threads. */
struct fuzz_slot {
	atomic_int fd;				/* -1: none */
	_Atomic uint64_t size;			/* or FUZZ_SIZE_UNKNOWN */
	_Atomic uint64_t ident;			/* new at each open and close */
};

struct fuzz_window {
	unsigned char *base;	/* fixed, in the thread's arena */
	uint64_t pages;		/* 0: not mapped */
	uint64_t pgoff;
	unsigned int slot;
	uint64_t ident;		/* the slot's file when mapped, if known */
	bool private_map;
};

struct fuzz_tally {
	uint64_t ops[OP_NR];
	uint64_t errnos[FUZZ_MAX_ERRNO + 1];
	uint64_t strict, lenient, sigbus;
};

struct fuzz;

struct fuzz_thread {
	struct fuzz *fz;
	unsigned int index;
	struct fuzz_gen gen;
	uint64_t quota, done;
	uint64_t hash;
	pthread_t tid;
	/* scratch pages, see fuzz_thread_map() */
	unsigned char *scratch;
	size_t scratch_len;
	unsigned char *arg, *straddle_end, *ro, *stats, *stats_end;
	unsigned char *arena;
	struct fuzz_window win[FUZZ_WINDOWS];
	struct fuzz_tally tally;
};

struct fuzz_opts {
	uint64_t seed;
	uint64_t ops;
	uint64_t seconds;
	uint64_t threads;
	bool have_seed;
	bool json;
};

struct fuzz {
	struct fuzz_opts o;
	uint64_t page_size;
	uint64_t region_bytes;		/* VERSION's, for new regions */
	uint32_t stat_nr;		/* the module's counters */
	uint64_t deadline_ns;
	unsigned char *unmapped;
	struct fuzz_slot slots[FUZZ_SLOTS];
	/*
	 * Changes (open, close, resize) bump @gen when they begin and end and
	 * count themselves in @inflight; see fuzz_change_begin().
	 */
	_Atomic uint64_t gen;
	_Atomic uint64_t inflight;
	pthread_mutex_t meta_lock;	/* orders the ends of changes */
	uint64_t next_ident;		/* under meta_lock */
	atomic_bool stop;
	atomic_bool failed;		/* a runtime error, not a finding */
	_Atomic uint64_t findings;
	pthread_mutex_t report_lock;
	/* threads wait here until the unmapped page exists */
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	bool go, abort;
	struct fuzz_thread *threads;
};

/* Allowed results of a call, as a set. */
enum fuzz_result {
	FR_OK, FR_EBADF, FR_EFAULT, FR_EINVAL, FR_ENOTTY, FR_E2BIG, FR_ENOMEM,
	FR_EINTR, FR_NR
};

static const int fuzz_result_errno[FR_NR] = {
	0, EBADF, EFAULT, EINVAL, ENOTTY, E2BIG, ENOMEM, EINTR,
};

#define A(x)	(1u << FR_##x)

/* What was known about the slot while the call ran. */
struct fuzz_ctx {
	int fd;
	bool sure;	/* no change overlapped the call */
	uint64_t size;	/* FUZZ_SIZE_UNKNOWN unless @sure and tracked */
};

/* ------------------------------------------------------------------ */
/* The generator                                                       */

/* The finaliser of splitmix64: also what the sequence hash folds with. */
static uint64_t fuzz_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64: small, fast, and every seed is a good one. */
static uint64_t gen_next(struct fuzz_gen *g)
{
	g->state += 0x9e3779b97f4a7c15ULL;
	return fuzz_mix(g->state);
}

static uint64_t gen_below(struct fuzz_gen *g, uint64_t n)
{
	return gen_next(g) % n;
}

static bool gen_percent(struct fuzz_gen *g, unsigned int percent)
{
	return gen_below(g, 100) < percent;
}

static uint64_t gen_pick(struct fuzz_gen *g, const uint64_t *v, size_t n)
{
	return v[gen_below(g, n)];
}

/* Bytes where the module's checks flip, and some random ones. */
static uint64_t gen_bytes(struct fuzz_gen *g)
{
	uint64_t ps = g->page_size, r = g->region_bytes;
	const uint64_t edges[] = {
		0, 1, ps - 1, ps, ps + 1, r - ps, r, r + ps,
		FUZZ_TIB - ps, FUZZ_TIB, FUZZ_TIB + ps,
		VMALOCK_FILL_MAX_BYTES, VMALOCK_FILL_MAX_BYTES + ps,
		1ULL << 63, (uint64_t)INT64_MIN + ps, UINT64_MAX,
		UINT64_MAX - (ps - 1),
	};
	uint64_t i = gen_below(g, ARRAY_SIZE(edges) + 4);

	if (i < ARRAY_SIZE(edges))
		return edges[i];
	switch (i - ARRAY_SIZE(edges)) {
	case 0:
		return gen_next(g);
	case 1:		/* aligned, up to 1 TiB */
		return (gen_below(g, FUZZ_TIB / ps) + 1) * ps;
	case 2:		/* small, rarely aligned */
		return gen_below(g, FUZZ_LOW_PAGES * ps);
	default:	/* small and aligned */
		return (gen_below(g, FUZZ_LOW_PAGES) + 1) * ps;
	}
}

static uint64_t gen_u32(struct fuzz_gen *g)
{
	static const uint64_t edges[] = { 1, UINT32_MAX, 1ULL << 31 };

	if (gen_percent(g, 50))
		return (uint32_t)gen_next(g);
	return gen_pick(g, edges, ARRAY_SIZE(edges));
}

/* A small range: offset and length in pages, within the first pages. */
static void gen_small_range(struct fuzz_gen *g, uint64_t *off, uint64_t *len)
{
	*off = gen_below(g, FUZZ_LOW_PAGES) * g->page_size;
	*len = (gen_below(g, FUZZ_FILL_PAGES) + 1) * g->page_size;
}

/*
 * INVALIDATE and FILL: small ranges that can succeed, ranges one page
 * before, at or past the end of a default region or of the largest, a
 * length just over the FILL limit (E2BIG once the region is that large),
 * and edges of every kind.
 */
static void gen_range(struct fuzz_gen *g, struct fuzz_call *c)
{
	uint64_t ps = g->page_size, off, len, end;

	switch (gen_below(g, 5)) {
	case 0:
		gen_small_range(g, &off, &len);
		break;
	case 1:
		off = gen_below(g, FUZZ_LOW_PAGES) * ps;
		len = VMALOCK_FILL_MAX_BYTES +
		      (gen_below(g, FUZZ_WINDOW_PAGES) + 1) * ps;
		break;
	case 2:
		len = gen_percent(g, 50) ?
		      (gen_below(g, FUZZ_FILL_PAGES) + 1) * ps : gen_bytes(g);
		end = gen_percent(g, 50) ? g->region_bytes : FUZZ_TIB;
		off = end - len + (gen_below(g, 3) - 1) * ps;
		break;
	default:
		off = gen_percent(g, 50) ? gen_bytes(g) :
		      gen_below(g, FUZZ_LOW_PAGES) * ps;
		len = gen_bytes(g);
	}
	c->f[0] = off;
	c->f[1] = len;
	if (c->cmd == FC_FILL) {
		c->f[2] = gen_percent(g, 50) ? gen_next(g) : 0;
		/*
		 * A FILL allocates its pages before it takes the lock: one
		 * that could succeed must be short.  A longer one is moved
		 * past 1 TiB, where it fails first (and a length above
		 * VMALOCK_FILL_MAX_BYTES fails without allocating anyway).
		 */
		if (len > FUZZ_FILL_PAGES * ps && len <= VMALOCK_FILL_MAX_BYTES)
			c->f[0] = FUZZ_TIB;
	} else {
		c->f[2] = gen_percent(g, 15) ? gen_bytes(g) : 0;
	}
}

static void gen_stats(struct fuzz_gen *g, struct fuzz_call *c)
{
	static const uint64_t flags[] = {
		0, 0, 0, 0, VMALOCK_STATS_LOG, VMALOCK_STATS_RESET,
		VMALOCK_STATS_FLAGS, 1ULL << 2, 1ULL << 63, UINT64_MAX,
	};
	static const enum fuzz_ptr addrs[] = {
		PTR_ARG, PTR_ARG, PTR_ARG, PTR_NULL, PTR_UNMAPPED, PTR_LOW,
		PTR_KERNEL, PTR_STRADDLE, PTR_READONLY, PTR_WINDOW,
	};
	const uint64_t counts[] = {
		0, 1, VMALOCK_STAT_NR - 1, VMALOCK_STAT_NR,
		VMALOCK_STAT_NR + 1, UINT32_MAX, gen_below(g, VMALOCK_STAT_NR),
	};

	c->f[0] = gen_percent(g, 10) ? gen_next(g) :
		  gen_pick(g, flags, ARRAY_SIZE(flags));
	c->f[2] = gen_pick(g, counts, ARRAY_SIZE(counts));
	c->f[3] = gen_percent(g, 80) ? 0 : gen_u32(g);
	c->addr_kind = addrs[gen_below(g, ARRAY_SIZE(addrs))];
	c->addr_cut = (unsigned int)gen_below(g, VMALOCK_STAT_NR);
	c->win = (unsigned int)gen_below(g, FUZZ_WINDOWS);
	/* A call that can succeed never resets, and rarely logs. */
	if (!(c->f[0] & ~VMALOCK_STATS_FLAGS) && !c->f[3]) {
		c->f[0] &= ~VMALOCK_STATS_RESET;
		if (gen_below(g, FUZZ_LOG_ONE_IN))
			c->f[0] &= ~VMALOCK_STATS_LOG;
	}
}

static void gen_delay(struct fuzz_gen *g, struct fuzz_call *c)
{
	static const uint64_t points[] = {
		VMALOCK_DELAY_SPEC_WINDOW, VMALOCK_DELAY_WRITER,
		VMALOCK_DELAY_NR, VMALOCK_DELAY_NR + 1, UINT32_MAX,
	};
	static const uint64_t usecs[] = {
		0, 1, FUZZ_DELAY_MAX_US, VMALOCK_DELAY_MAX_US,
		VMALOCK_DELAY_MAX_US + 1ULL, UINT32_MAX, 1ULL << 32,
		UINT64_MAX,
	};

	c->f[0] = gen_percent(g, 10) ? gen_u32(g) :
		  gen_pick(g, points, ARRAY_SIZE(points));
	c->f[1] = gen_percent(g, 80) ? 0 : gen_u32(g);
	c->f[2] = gen_percent(g, 30) ? gen_below(g, FUZZ_DELAY_MAX_US + 1) :
		  gen_percent(g, 10) ? gen_next(g) :
		  gen_pick(g, usecs, ARRAY_SIZE(usecs));
	/* A delay the module takes must stay short, or the run crawls. */
	if (c->f[0] < VMALOCK_DELAY_NR && !c->f[1] &&
	    c->f[2] <= VMALOCK_DELAY_MAX_US && c->f[2] > FUZZ_DELAY_MAX_US)
		c->f[2] %= FUZZ_DELAY_MAX_US + 1;
}

/* SET_ORDER or SET_MODE: every valid value, the next ones, and edges. */
static uint64_t gen_small_value(struct fuzz_gen *g, uint64_t nr)
{
	static const uint64_t edges[] = {
		UINT32_MAX, 1ULL << 32, (1ULL << 32) + 1, 1ULL << 63,
		UINT64_MAX,
	};

	if (gen_percent(g, 80))
		return gen_below(g, nr + 2);
	if (gen_percent(g, 20))
		return gen_next(g);
	return gen_pick(g, edges, ARRAY_SIZE(edges));
}

static void gen_fields(struct fuzz_gen *g, struct fuzz_call *c)
{
	switch (c->cmd) {
	case FC_STATS:
		gen_stats(g, c);
		break;
	case FC_INVALIDATE:
	case FC_FILL:
		gen_range(g, c);
		break;
	case FC_SET_SIZE:
		c->f[0] = gen_bytes(g);
		break;
	case FC_SET_ORDER:
		c->f[0] = gen_small_value(g, VMALOCK_FOLIO_ORDERS);
		break;
	case FC_SET_MODE:
		c->f[0] = gen_small_value(g, VMALOCK_MODE_NR);
		break;
	case FC_SET_DELAY:
		gen_delay(g, c);
		break;
	default:	/* VERSION, REGION_INFO: output only */
		break;
	}
}

static enum fuzz_cmd_id gen_weighted_cmd(struct fuzz_gen *g)
{
	unsigned int total = 0, i;
	uint64_t r;

	for (i = 0; i < FC_NR; i++)
		total += fuzz_cmds[i].weight;
	r = gen_below(g, total);
	for (i = 0; r >= fuzz_cmds[i].weight; i++)
		r -= fuzz_cmds[i].weight;
	return (enum fuzz_cmd_id)i;
}

/* Commands the module only writes to: their argument may be anywhere. */
static bool fuzz_output_only(enum fuzz_cmd_id cmd)
{
	return _IOC_DIR(fuzz_cmds[cmd].request) == _IOC_READ;
}

static size_t fuzz_arg_size(enum fuzz_cmd_id cmd)
{
	return _IOC_SIZE(fuzz_cmds[cmd].request);
}

static void gen_valid(struct fuzz_gen *g, struct fuzz_call *c)
{
	c->cmd = gen_weighted_cmd(g);
	c->request = fuzz_cmds[c->cmd].request;
	c->ptr = gen_percent(g, 90) ? PTR_ARG : PTR_UNALIGNED;
	c->cut = 1 + (unsigned int)gen_below(g, 7);
	gen_fields(g, c);
}

static void gen_pointer(struct fuzz_gen *g, struct fuzz_call *c)
{
	static const enum fuzz_ptr ptrs[] = {
		PTR_NULL, PTR_UNMAPPED, PTR_LOW, PTR_KERNEL, PTR_STRADDLE,
		PTR_READONLY, PTR_WINDOW,
	};

	c->cmd = (enum fuzz_cmd_id)gen_below(g, FC_NR);
	c->request = fuzz_cmds[c->cmd].request;
	c->ptr = ptrs[gen_below(g, ARRAY_SIZE(ptrs))];
	if (c->ptr == PTR_WINDOW && !fuzz_output_only(c->cmd))
		c->ptr = PTR_UNALIGNED;	/* its input would be unknown */
	if (c->ptr == PTR_STRADDLE)
		c->cut = 1 + (unsigned int)gen_below(g, fuzz_arg_size(c->cmd) - 1);
	else
		c->cut = (unsigned int)gen_below(g, g->page_size);
	c->win = (unsigned int)gen_below(g, FUZZ_WINDOWS);
	gen_fields(g, c);
}

/*
 * Magic numbers whose commands the VFS (do_vfs_ioctl) or the security
 * hooks handle before the driver sees them: FIBMAP and FIGETBSZ (0x00),
 * FS_IOC_GETFSUUID (0x15), FIONBIO, FIOCLEX, FIONREAD, ... ('T'),
 * FIFREEZE, FS_IOC_FSGETXATTR ('X'), FS_IOC_FIEMAP, FS_IOC_GETFLAGS ('f'),
 * FICLONE and the dedupe commands (0x94).  Sending one could do what it
 * says, and the oracle would not know.
 */
static bool fuzz_vfs_magic(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 'T' || type == 'X' ||
	       type == 'f' || type == 0x94;
}

static bool fuzz_is_command(unsigned int request)
{
	unsigned int i;

	for (i = 0; i < FC_NR; i++)
		if (fuzz_cmds[i].request == request)
			return true;
	return false;
}

/* A request that differs from a real one in one field. */
static unsigned int gen_wrong_request(struct fuzz_gen *g)
{
	unsigned int real = fuzz_cmds[gen_below(g, FC_NR)].request;
	unsigned int dir = _IOC_DIR(real), type = _IOC_TYPE(real);
	unsigned int nr = _IOC_NR(real), size = _IOC_SIZE(real);

	switch (gen_below(g, 5)) {
	case 0:
		nr = FC_NR + (unsigned int)gen_below(g, 256 - FC_NR);
		break;
	case 1: {
		const uint64_t sizes[] = {
			0, size - 1, size + 1, size + 8, size * 2,
			gen_below(g, 1u << _IOC_SIZEBITS),
		};

		size = (unsigned int)gen_pick(g, sizes, ARRAY_SIZE(sizes));
		break;
	}
	case 2:
		dir = (dir + 1 + (unsigned int)gen_below(g, 3)) % 4;
		break;
	case 3:
		type = (unsigned int)gen_below(g, 256);
		break;
	default:
		return (unsigned int)gen_next(g);
	}
	return _IOC(dir, type, nr, size & ((1u << _IOC_SIZEBITS) - 1));
}

static void gen_number(struct fuzz_gen *g, struct fuzz_call *c)
{
	unsigned int req = gen_wrong_request(g);

	if (fuzz_vfs_magic(_IOC_TYPE(req)))
		req ^= 0x80u << _IOC_TYPESHIFT;
	if (fuzz_is_command(req))
		req ^= 1u << _IOC_SIZESHIFT;
	c->cmd = FC_NONE;
	c->request = req;
	c->ptr = gen_percent(g, 70) ? PTR_ARG : PTR_NULL;
}

static void gen_mmap(struct fuzz_gen *g, struct fuzz_call *c)
{
	uint64_t pages = g->region_bytes / g->page_size;
	uint64_t tib_pages = FUZZ_TIB / g->page_size;

	switch (gen_below(g, 10)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		c->pgoff = gen_below(g, FUZZ_LOW_PAGES);
		break;
	case 6: case 7:		/* across the end of a default region */
		c->pgoff = pages - gen_below(g, FUZZ_WINDOW_PAGES);
		break;
	case 8:			/* across the largest region's end */
		c->pgoff = tib_pages - gen_below(g, FUZZ_WINDOW_PAGES);
		break;
	default:
		c->pgoff = gen_below(g, tib_pages);
	}
	c->pages = 1 + gen_below(g, FUZZ_WINDOW_PAGES);
	c->private_map = gen_percent(g, 25);
}

/* Pick the next step.  Nothing here may depend on results. */
static void fuzz_generate(struct fuzz_gen *g, struct fuzz_call *c)
{
	uint64_t r = gen_below(g, 1000);

	memset(c, 0, sizeof(*c));
	c->cmd = FC_NONE;
	c->slot = (unsigned int)gen_below(g, FUZZ_SLOTS);
	c->win = (unsigned int)gen_below(g, FUZZ_WINDOWS);
	/* A slot is empty close / (open + close) of the time: 1 in 6. */
	if (r < 25) {
		c->op = OP_OPEN;
	} else if (r < 30) {
		c->op = OP_CLOSE;
	} else if (r < 80) {
		c->op = OP_MMAP;
		gen_mmap(g, c);
	} else if (r < 110) {
		c->op = OP_MUNMAP;
		c->pages = gen_percent(g, 50) ? 0 :
			   gen_below(g, FUZZ_WINDOW_PAGES);
	} else if (r < 190) {
		c->op = OP_TOUCH;
		c->pgoff = gen_below(g, FUZZ_WINDOW_PAGES);
		c->write = gen_percent(g, 50);
	} else if (r < 670) {
		c->op = OP_VALID;
		gen_valid(g, c);
	} else if (r < 830) {
		c->op = OP_POINTER;
		gen_pointer(g, c);
	} else {
		c->op = OP_NUMBER;
		gen_number(g, c);
	}
}

static uint64_t fuzz_hash_call(uint64_t h, const struct fuzz_call *c)
{
	const uint64_t v[] = {
		c->op, c->slot, c->cmd, c->request, c->ptr, c->addr_kind,
		c->cut, c->addr_cut, c->f[0], c->f[1], c->f[2], c->f[3],
		c->win, c->pgoff, c->pages, c->private_map, c->write,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		h = fuzz_mix(h ^ v[i]) + i;
	return h;
}

/* ------------------------------------------------------------------ */
/* The oracle                                                          */

static bool fuzz_allows(unsigned int allowed, int err)
{
	unsigned int i;

	for (i = 0; i < FR_NR; i++)
		if ((allowed & (1u << i)) && fuzz_result_errno[i] == err)
			return true;
	return false;
}

static const char *fuzz_errno_name(int err, char *buf, size_t len)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	if (name)
		return name;
	snprintf(buf, len, "errno %d", err);
	return buf;
}

static bool fuzz_size_valid(const struct fuzz *fz, uint64_t bytes)
{
	return bytes && !(bytes % fz->page_size) && bytes <= FUZZ_TIB;
}

static bool fuzz_stats_arg_valid(const struct fuzz_call *c)
{
	return !(c->f[0] & ~VMALOCK_STATS_FLAGS) && !c->f[3];
}

static bool fuzz_delay_valid(const struct fuzz_call *c)
{
	return c->f[0] < VMALOCK_DELAY_NR && !c->f[1] &&
	       c->f[2] <= VMALOCK_DELAY_MAX_US;
}

/*
 * INVALIDATE and FILL, in the module's order: the range's form, then the
 * region's end (unknown: either side), then FILL's length or INVALIDATE's
 * pattern.
 */
static unsigned int fuzz_allowed_range(const struct fuzz *fz,
				       const struct fuzz_call *c,
				       uint64_t size)
{
	uint64_t off = c->f[0], len = c->f[1], end;
	unsigned int a = 0;

	if (!len || off % fz->page_size || len % fz->page_size ||
	    __builtin_add_overflow(off, len, &end) || end > FUZZ_TIB)
		return A(EINVAL);
	if (size == FUZZ_SIZE_UNKNOWN)
		a = A(EINVAL);
	else if (end > size)
		return A(EINVAL);
	if (c->cmd == FC_FILL)
		return a | (len > VMALOCK_FILL_MAX_BYTES ? A(E2BIG) :
			    A(OK) | A(ENOMEM) | A(EINTR));
	return a | (c->f[2] ? A(EINVAL) : A(OK) | A(EINTR));
}

static unsigned int fuzz_allowed_stats(const struct fuzz *fz,
				       const struct fuzz_call *c)
{
	uint64_t n = c->f[2] < fz->stat_nr ? c->f[2] : fz->stat_nr;

	if (!fuzz_stats_arg_valid(c))
		return A(EINVAL);
	if (!c->f[1] || !n)
		return A(OK);
	switch (c->addr_kind) {
	case PTR_ARG:
		return A(OK);
	case PTR_STRADDLE:
		return n > c->addr_cut ? A(EFAULT) : A(OK);
	case PTR_WINDOW:	/* a hole past the region's end, or not */
		return A(OK) | A(EFAULT);
	default:
		return A(EFAULT);
	}
}

/* A command whose argument is where it should be. */
static unsigned int fuzz_allowed_cmd(const struct fuzz *fz,
				     const struct fuzz_call *c, uint64_t size)
{
	switch (c->cmd) {
	case FC_STATS:
		return fuzz_allowed_stats(fz, c);
	case FC_INVALIDATE:
	case FC_FILL:
		return fuzz_allowed_range(fz, c, size);
	case FC_SET_SIZE:
		return fuzz_size_valid(fz, c->f[0]) ? A(OK) | A(EINTR) :
		       A(EINVAL);
	case FC_SET_ORDER:
		return c->f[0] < VMALOCK_FOLIO_ORDERS ? A(OK) | A(EINTR) :
		       A(EINVAL);
	case FC_SET_MODE:
		return c->f[0] < VMALOCK_MODE_NR ? A(OK) | A(EINTR) :
		       A(EINVAL);
	case FC_SET_DELAY:	/* waits for nothing: no EINTR */
		return fuzz_delay_valid(c) ? A(OK) : A(EINVAL);
	case FC_REGION_INFO:
		return A(OK) | A(EINTR);
	default:	/* VERSION */
		return A(OK);
	}
}

/* What a call on an open file may return. */
static unsigned int fuzz_allowed_open(const struct fuzz *fz,
				      const struct fuzz_call *c,
				      uint64_t size)
{
	if (c->op == OP_NUMBER)
		return _IOC_TYPE(c->request) == VMALOCK_IOC_MAGIC ?
		       A(ENOTTY) : A(ENOTTY) | A(EINVAL);
	switch (c->ptr) {
	case PTR_ARG:
	case PTR_UNALIGNED:
		return fuzz_allowed_cmd(fz, c, size);
	case PTR_READONLY:
		/* The input reads fine; writing the result back fails. */
		if (!(_IOC_DIR(c->request) & _IOC_READ))
			return fuzz_allowed_cmd(fz, c, size);
		if (c->cmd == FC_STATS && !fuzz_stats_arg_valid(c))
			return A(EINVAL);
		return A(EFAULT);
	case PTR_WINDOW:
		return A(OK) | A(EFAULT);
	default:
		return A(EFAULT);
	}
}

static unsigned int fuzz_allowed(const struct fuzz *fz,
				 const struct fuzz_call *c,
				 const struct fuzz_ctx *x)
{
	if (x->sure && x->fd < 0)
		return A(EBADF);
	return fuzz_allowed_open(fz, c, x->size) | (x->sure ? 0 : A(EBADF));
}

static void fuzz_describe_set(unsigned int allowed, char *buf, size_t len)
{
	char tmp[32];
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < FR_NR && used < len; i++) {
		if (!(allowed & (1u << i)))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? ", " : "",
				 fuzz_errno_name(fuzz_result_errno[i], tmp,
						 sizeof(tmp)));
	}
}

/* One line saying what a step was, for a finding. */
static void fuzz_describe(const struct fuzz_call *c, char *buf, size_t len)
{
	const struct fuzz_cmd_desc *d;
	size_t used;
	unsigned int i;

	switch (c->op) {
	case OP_OPEN:
	case OP_CLOSE:
		snprintf(buf, len, "%s slot %u", fuzz_op_names[c->op], c->slot);
		return;
	case OP_MMAP:
		snprintf(buf, len, "mmap window %u: %" PRIu64 " pages at page %" PRIu64 " of slot %u, %s",
			 c->win, c->pages, c->pgoff, c->slot,
			 c->private_map ? "private" : "shared");
		return;
	case OP_MUNMAP:
		snprintf(buf, len, "munmap window %u keeping %" PRIu64 " pages",
			 c->win, c->pages);
		return;
	case OP_TOUCH:
		snprintf(buf, len, "%s page %" PRIu64 " of window %u",
			 c->write ? "write" : "read", c->pgoff, c->win);
		return;
	case OP_NUMBER:
		snprintf(buf, len, "ioctl 0x%08x (dir %u type 0x%02x nr 0x%02x size %u) slot %u arg %s",
			 c->request, _IOC_DIR(c->request),
			 _IOC_TYPE(c->request), _IOC_NR(c->request),
			 _IOC_SIZE(c->request), c->slot,
			 fuzz_ptr_names[c->ptr]);
		return;
	default:
		break;
	}
	d = &fuzz_cmds[c->cmd];
	used = snprintf(buf, len, "VMALOCK_IOC_%s (0x%08x) slot %u arg %s",
			d->name, c->request, c->slot, fuzz_ptr_names[c->ptr]);
	if (c->ptr == PTR_STRADDLE && used < len)
		used += snprintf(buf + used, len - used, " (%u bytes readable)",
				 c->cut);
	for (i = 0; i < ARRAY_SIZE(d->field) && d->field[i] && used < len; i++)
		used += snprintf(buf + used, len - used, " %s=0x%" PRIx64,
				 d->field[i], c->f[i]);
	if (c->cmd == FC_STATS && c->addr_kind == PTR_STRADDLE && used < len)
		snprintf(buf + used, len - used, " (addr: straddle, %u elements fit)",
			 c->addr_cut);
	else if (c->cmd == FC_STATS && used < len)
		snprintf(buf + used, len - used, " (addr: %s)",
			 fuzz_ptr_names[c->addr_kind]);
}

/* Print a finding on one line and stop every thread. */
static void fuzz_finding(struct fuzz_thread *t, const struct fuzz_call *c,
			 const struct fuzz_ctx *x, const char *what)
{
	struct fuzz *fz = t->fz;
	char call[384], size[32];

	fuzz_describe(c, call, sizeof(call));
	if (x->size == FUZZ_SIZE_UNKNOWN)
		snprintf(size, sizeof(size), "unknown");
	else
		snprintf(size, sizeof(size), "0x%" PRIx64, x->size);
	pthread_mutex_lock(&fz->report_lock);
	err_msg("fuzz: finding: seed %" PRIu64 " thread %u step %" PRIu64 ": %s; fd %d, region size %s, %s: %s",
		fz->o.seed, t->index, t->done, call, x->fd, size,
		x->sure ? "strict" : "raced", what);
	pthread_mutex_unlock(&fz->report_lock);
	atomic_fetch_add(&fz->findings, 1);
	atomic_store(&fz->stop, true);
}

/* A runtime error of the fuzzer itself: stop, exit 1, no finding. */
static void fuzz_fail(struct fuzz_thread *t, const char *what, int err)
{
	struct fuzz *fz = t->fz;

	pthread_mutex_lock(&fz->report_lock);
	err_msg("fuzz: thread %u: %s: %s", t->index, what, strerror(err));
	pthread_mutex_unlock(&fz->report_lock);
	atomic_store(&fz->failed, true);
	atomic_store(&fz->stop, true);
}

static void fuzz_judge_result(struct fuzz_thread *t, const struct fuzz_call *c,
			      const struct fuzz_ctx *x, unsigned int allowed,
			      int err)
{
	char what[160], set[96], tmp[32];

	if (fuzz_allows(allowed, err))
		return;
	fuzz_describe_set(allowed, set, sizeof(set));
	snprintf(what, sizeof(what), "got %s, allowed {%s}",
		 fuzz_errno_name(err, tmp, sizeof(tmp)), set);
	fuzz_finding(t, c, x, what);
}

/* ------------------------------------------------------------------ */
/* Changes and views: what the oracle may assume about a slot          */

struct fuzz_change {
	uint64_t gen;
	bool overlapped;
};

/*
 * A change counts itself in @inflight, then bumps @gen; its end bumps @gen
 * again and leaves.  A call that saw no change in flight when it began and
 * the same @gen after it returned ran with no change overlapping it, and
 * the sizes it read were the ones the module had.
 */
static void fuzz_change_begin(struct fuzz *fz, struct fuzz_change *ch)
{
	ch->overlapped = atomic_fetch_add(&fz->inflight, 1) != 0;
	ch->gen = atomic_fetch_add(&fz->gen, 1) + 1;
}

/* Under meta_lock: did another change run during ours? */
static bool fuzz_change_alone(struct fuzz *fz, const struct fuzz_change *ch)
{
	return !ch->overlapped && atomic_load(&fz->gen) == ch->gen &&
	       atomic_load(&fz->inflight) == 1;
}

/* Publish what the change did (under meta_lock), then leave. */
static void fuzz_change_finish(struct fuzz *fz)
{
	atomic_fetch_add(&fz->gen, 1);
	atomic_fetch_sub(&fz->inflight, 1);
	pthread_mutex_unlock(&fz->meta_lock);
}

struct fuzz_view {
	uint64_t gen;
	bool busy;
};

static void fuzz_view_begin(struct fuzz *fz, struct fuzz_view *v)
{
	v->gen = atomic_load(&fz->gen);
	v->busy = atomic_load(&fz->inflight) != 0;
}

static bool fuzz_view_sure(struct fuzz *fz, const struct fuzz_view *v)
{
	return !v->busy && atomic_load(&fz->gen) == v->gen;
}

static void fuzz_forget_sizes(struct fuzz *fz)
{
	unsigned int i;

	for (i = 0; i < FUZZ_SLOTS; i++)
		atomic_store(&fz->slots[i].size, FUZZ_SIZE_UNKNOWN);
}

static void fuzz_do_open(struct fuzz_thread *t, const struct fuzz_call *c)
{
	struct fuzz *fz = t->fz;
	struct fuzz_slot *s = &fz->slots[c->slot];
	struct fuzz_ctx x = { .size = FUZZ_SIZE_UNKNOWN };
	struct fuzz_change ch;
	int fd, old = -1, err = 0;

	fuzz_change_begin(fz, &ch);
	fd = open(VMALOCK_DEV_PATH, O_RDWR | O_CLOEXEC);
	x.fd = fd;
	if (fd < 0)
		err = errno;
	else
		old = atomic_exchange(&s->fd, fd);
	if (old >= 0 && close(old) < 0)
		fuzz_fail(t, "close", errno);
	pthread_mutex_lock(&fz->meta_lock);
	x.sure = fuzz_change_alone(fz, &ch);
	if (fd >= 0) {
		/*
		 * A resize that raced with us may have hit this file through
		 * a reused descriptor number: then its size is unknown.
		 */
		atomic_store(&s->size, x.sure ? fz->region_bytes :
					   FUZZ_SIZE_UNKNOWN);
		atomic_store(&s->ident, ++fz->next_ident);
	}
	fuzz_change_finish(fz);
	fuzz_judge_result(t, c, &x, A(OK) | A(ENOMEM), err);
}

static void fuzz_do_close(struct fuzz_thread *t, const struct fuzz_call *c)
{
	struct fuzz *fz = t->fz;
	struct fuzz_slot *s = &fz->slots[c->slot];
	struct fuzz_change ch;
	int old;

	fuzz_change_begin(fz, &ch);
	old = atomic_exchange(&s->fd, -1);
	/* Taken out of the slot: no other thread closes it. */
	if (old >= 0 && close(old) < 0)
		fuzz_fail(t, "close", errno);
	pthread_mutex_lock(&fz->meta_lock);
	atomic_store(&s->size, FUZZ_SIZE_UNKNOWN);
	atomic_store(&s->ident, ++fz->next_ident);
	fuzz_change_finish(fz);
}

/*
 * The end of a SET_SIZE that could succeed.  Alone, it resized its slot's
 * file; raced, its descriptor number may have been closed and reused by an
 * open into any slot, so no size can be trusted any more.  Returns whether
 * it ran alone.
 */
static bool fuzz_resize_end(struct fuzz *fz, const struct fuzz_change *ch,
			    struct fuzz_slot *s, int err, uint64_t bytes)
{
	bool alone;

	pthread_mutex_lock(&fz->meta_lock);
	alone = fuzz_change_alone(fz, ch);
	if (!err && alone)
		atomic_store(&s->size, bytes);
	else if (!err)
		fuzz_forget_sizes(fz);
	fuzz_change_finish(fz);
	return alone;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */

union fuzz_arg {
	struct vmalock_version version;
	struct vmalock_stats_arg stats;
	struct vmalock_range range;
	struct vmalock_value value;
	struct vmalock_delay delay;
	struct vmalock_region_info info;
	unsigned char bytes[32];
};

/* Fill in the argument; returns its size. */
static size_t fuzz_build_arg(const struct fuzz_call *c, union fuzz_arg *a)
{
	/* What the module must overwrite in an output-only argument. */
	memset(a, 0xa5, sizeof(*a));
	switch (c->cmd) {
	case FC_STATS:
		a->stats.flags = c->f[0];
		a->stats.addr = c->f[1];
		a->stats.count = (uint32_t)c->f[2];
		a->stats.pad = (uint32_t)c->f[3];
		break;
	case FC_INVALIDATE:
	case FC_FILL:
		a->range.offset = c->f[0];
		a->range.length = c->f[1];
		a->range.pattern = c->f[2];
		break;
	case FC_SET_SIZE:
	case FC_SET_ORDER:
	case FC_SET_MODE:
		a->value.value = c->f[0];
		break;
	case FC_SET_DELAY:
		a->delay.point = (uint32_t)c->f[0];
		a->delay.pad = (uint32_t)c->f[1];
		a->delay.usecs = c->f[2];
		break;
	case FC_NONE:
		return sizeof(*a);
	default:
		break;
	}
	return fuzz_arg_size(c->cmd);
}

/* An address inside a page no one maps, with room for any argument. */
static uintptr_t fuzz_in_page(uintptr_t page, const struct fuzz *fz,
			      unsigned int cut)
{
	return page + cut % (fz->page_size - sizeof(union fuzz_arg));
}

/* Put the argument where the call wants it; returns what to pass. */
static void *fuzz_place(struct fuzz_thread *t, const struct fuzz_call *c,
			const union fuzz_arg *a, size_t size)
{
	const struct fuzz *fz = t->fz;
	unsigned char *p;

	switch (c->ptr) {
	case PTR_ARG:
		p = t->arg;
		break;
	case PTR_UNALIGNED:
		p = t->arg + 1 + c->cut % 7;
		break;
	case PTR_READONLY:
		p = t->ro;
		break;
	case PTR_STRADDLE:
		/* Only the first @cut bytes are readable. */
		p = t->straddle_end - c->cut;
		memcpy(p, a, c->cut);
		return p;
	case PTR_WINDOW:
		return t->win[c->win].base;
	case PTR_UNMAPPED:
		return (void *)fuzz_in_page((uintptr_t)fz->unmapped, fz,
					    c->cut);
	case PTR_LOW:
		return (void *)fuzz_in_page(fz->page_size, fz, c->cut);
	case PTR_KERNEL:
		return (void *)(uintptr_t)
		       fuzz_kernel_addrs[c->cut % ARRAY_SIZE(fuzz_kernel_addrs)];
	default:
		return NULL;
	}
	memcpy(p, a, size);
	return p;
}

/* STATS' output array, as the call's addr_kind says. */
static uint64_t fuzz_stats_addr(const struct fuzz_thread *t,
				const struct fuzz_call *c)
{
	const struct fuzz *fz = t->fz;

	switch (c->addr_kind) {
	case PTR_ARG:
		return (uintptr_t)t->stats;
	case PTR_UNMAPPED:
		return (uintptr_t)fz->unmapped;
	case PTR_LOW:
		return fz->page_size;
	case PTR_KERNEL:
		return fuzz_kernel_addrs[c->addr_cut %
					 ARRAY_SIZE(fuzz_kernel_addrs)];
	case PTR_STRADDLE:
		return (uintptr_t)(t->stats_end -
				   c->addr_cut * sizeof(uint64_t));
	case PTR_READONLY:
		return (uintptr_t)(t->ro + fz->page_size / 2);
	case PTR_WINDOW:
		return (uintptr_t)t->win[c->win].base;
	default:
		return 0;
	}
}

static bool fuzz_uses_ro(const struct fuzz_call *c)
{
	return c->ptr == PTR_READONLY ||
	       (c->cmd == FC_STATS && c->addr_kind == PTR_READONLY);
}

static int fuzz_protect_ro(struct fuzz_thread *t, int prot)
{
	if (mprotect(t->ro, t->fz->page_size, prot) == 0)
		return 0;
	fuzz_fail(t, "mprotect", errno);
	return -1;
}

/* SET_SIZE to a valid size: a change other calls must allow for. */
static bool fuzz_is_resize(const struct fuzz *fz, const struct fuzz_call *c)
{
	return c->cmd == FC_SET_SIZE && fuzz_size_valid(fz, c->f[0]) &&
	       (c->ptr == PTR_ARG || c->ptr == PTR_UNALIGNED ||
		c->ptr == PTR_READONLY);
}

/* What a successful call wrote back, where that is cheap to check. */
static void fuzz_check_output(struct fuzz_thread *t, const struct fuzz_call *c,
			      const struct fuzz_ctx *x, const void *uarg)
{
	const struct fuzz *fz = t->fz;
	union fuzz_arg out;
	char what[192] = "";

	if (c->ptr != PTR_ARG && c->ptr != PTR_UNALIGNED)
		return;
	memcpy(&out, uarg, fuzz_arg_size(c->cmd));
	if (c->cmd == FC_VERSION &&
	    (out.version.abi_version != VMALOCK_ABI_VERSION ||
	     out.version.region_bytes != fz->region_bytes))
		snprintf(what, sizeof(what), "VERSION said abi_version %u, region_bytes 0x%llx; expected %u, 0x%" PRIx64,
			 out.version.abi_version,
			 (unsigned long long)out.version.region_bytes,
			 VMALOCK_ABI_VERSION, fz->region_bytes);
	else if (c->cmd == FC_STATS && out.stats.count != fz->stat_nr)
		snprintf(what, sizeof(what), "STATS said count %u; the module has %u counters",
			 out.stats.count, fz->stat_nr);
	else if (c->cmd == FC_REGION_INFO &&
		 (out.info.pad || out.info.mode >= VMALOCK_MODE_NR ||
		  out.info.order >= VMALOCK_FOLIO_ORDERS ||
		  !fuzz_size_valid(fz, out.info.size) ||
		  (x->size != FUZZ_SIZE_UNKNOWN && out.info.size != x->size)))
		snprintf(what, sizeof(what), "REGION_INFO said size 0x%llx order %u mode %u pad %u",
			 (unsigned long long)out.info.size, out.info.order,
			 out.info.mode, out.info.pad);
	if (what[0])
		fuzz_finding(t, c, x, what);
}

static void fuzz_tally_ioctl(struct fuzz_thread *t, const struct fuzz_ctx *x,
			     int err)
{
	if (err >= 0 && err <= FUZZ_MAX_ERRNO)
		t->tally.errnos[err]++;
	if (x->sure)
		t->tally.strict++;
	else
		t->tally.lenient++;
}

static void fuzz_do_ioctl(struct fuzz_thread *t, struct fuzz_call *c)
{
	struct fuzz *fz = t->fz;
	struct fuzz_slot *s = &fz->slots[c->slot];
	bool resize = fuzz_is_resize(fz, c), ro = fuzz_uses_ro(c);
	struct fuzz_change ch;
	struct fuzz_view v;
	struct fuzz_ctx x;
	unsigned int allowed;
	union fuzz_arg a;
	void *uarg;
	int err = 0;

	if (c->cmd == FC_STATS)
		c->f[1] = fuzz_stats_addr(t, c);
	uarg = fuzz_place(t, c, &a, fuzz_build_arg(c, &a));
	if (ro && fuzz_protect_ro(t, PROT_READ))
		return;
	if (resize)
		fuzz_change_begin(fz, &ch);
	else
		fuzz_view_begin(fz, &v);
	x.fd = atomic_load(&s->fd);
	x.size = atomic_load(&s->size);
	if (ioctl(x.fd, (unsigned long)c->request, uarg) < 0)
		err = errno;
	if (resize)
		x.sure = fuzz_resize_end(fz, &ch, s, err, c->f[0]);
	else
		x.sure = fuzz_view_sure(fz, &v);
	if (!x.sure)
		x.size = FUZZ_SIZE_UNKNOWN;
	if (ro && fuzz_protect_ro(t, PROT_READ | PROT_WRITE))
		return;
	fuzz_tally_ioctl(t, &x, err);
	allowed = fuzz_allowed(fz, c, &x);
	fuzz_judge_result(t, c, &x, allowed, err);
	if (!err && fuzz_allows(allowed, err))
		fuzz_check_output(t, c, &x, uarg);
}

/* Cover [@addr, @addr + @len) of the arena with an inaccessible mapping. */
static int fuzz_reserve(void *addr, size_t len, int flags)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | flags,
		       -1, 0);

	return p == addr ? 0 : -1;
}

static void fuzz_do_mmap(struct fuzz_thread *t, const struct fuzz_call *c)
{
	struct fuzz *fz = t->fz;
	struct fuzz_slot *s = &fz->slots[c->slot];
	struct fuzz_window *w = &t->win[c->win];
	size_t len = c->pages * fz->page_size;
	struct fuzz_ctx x = { .size = FUZZ_SIZE_UNKNOWN };
	struct fuzz_view v;
	uint64_t ident;
	void *p;
	int err = 0;

	fuzz_view_begin(fz, &v);
	x.fd = atomic_load(&s->fd);
	ident = atomic_load(&s->ident);
	/* MAP_FIXED into our own arena: no address is taken from the pool. */
	p = mmap(w->base, len, PROT_READ | PROT_WRITE,
		 (c->private_map ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED,
		 x.fd, (off_t)(c->pgoff * fz->page_size));
	x.sure = fuzz_view_sure(fz, &v);
	if (p == MAP_FAILED) {
		err = errno;
		w->pages = 0;
		/* A failed MAP_FIXED may leave a hole: fill it again. */
		if (fuzz_reserve(w->base, len, MAP_FIXED))
			fuzz_fail(t, "mmap (arena)", errno);
	} else {
		w->pages = c->pages;
		w->pgoff = c->pgoff;
		w->slot = c->slot;
		w->private_map = c->private_map;
		w->ident = x.sure ? ident : FUZZ_IDENT_NONE;
	}
	fuzz_judge_result(t, c, &x, x.sure && x.fd < 0 ? A(EBADF) :
			  A(OK) | A(ENOMEM) | A(EINTR) |
			  (x.sure ? 0 : A(EBADF)), err);
}

/* Unmap the window, or the part of it past @c->pages. */
static void fuzz_do_munmap(struct fuzz_thread *t, const struct fuzz_call *c)
{
	struct fuzz_window *w = &t->win[c->win];
	uint64_t keep = c->pages < w->pages ? c->pages : 0;
	size_t ps = t->fz->page_size;
	unsigned char *start = w->base + keep * ps;
	size_t len = (w->pages - keep) * ps;

	if (!w->pages)
		return;
	/*
	 * A real munmap, then the hole is reserved again: nothing else maps
	 * during the run, so NOREPLACE failing means an assumption broke.
	 */
	if (munmap(start, len) < 0 ||
	    fuzz_reserve(start, len, MAP_FIXED_NOREPLACE) < 0) {
		fuzz_fail(t, "munmap", errno);
		return;
	}
	w->pages = keep;
}

/*
 * Where the SIGBUS handler jumps back to in the thread that touched.
 * volatile: to the compiler, setting it around one access is a dead store.
 */
static __thread sigjmp_buf *volatile fuzz_recover;

static void fuzz_sigbus(int sig)
{
	if (fuzz_recover)
		siglongjmp(*fuzz_recover, 1);
	/* Not ours: returning retries the access, which now kills us. */
	signal(sig, SIG_DFL);
}

/* Returns true if the access raised SIGBUS. */
static bool fuzz_access(volatile unsigned char *p, bool write)
{
	sigjmp_buf recover;

	if (sigsetjmp(recover, 1)) {
		fuzz_recover = NULL;
		return true;
	}
	fuzz_recover = &recover;
	if (write)
		*p = 0x5a;
	else
		(void)*p;
	fuzz_recover = NULL;
	return false;
}

/*
 * A touch is judged when nothing changed the window's file since it was
 * mapped, nor during the touch: inside the region it must not raise
 * SIGBUS; past its end a shared window must (a private one may still hold
 * a copy made before a shrink: the module keeps COW pages).
 */
static void fuzz_do_touch(struct fuzz_thread *t, const struct fuzz_call *c)
{
	struct fuzz *fz = t->fz;
	struct fuzz_window *w = &t->win[c->win];
	struct fuzz_slot *s = &fz->slots[w->slot];
	struct fuzz_ctx x;
	struct fuzz_view v;
	uint64_t ident, off;
	bool sigbus, past;
	char what[128];

	if (c->pgoff >= w->pages)
		return;		/* nothing mapped there */
	fuzz_view_begin(fz, &v);
	x.fd = atomic_load(&s->fd);
	ident = atomic_load(&s->ident);
	x.size = atomic_load(&s->size);
	sigbus = fuzz_access(w->base + c->pgoff * fz->page_size, c->write);
	x.sure = fuzz_view_sure(fz, &v) && w->ident != FUZZ_IDENT_NONE &&
		 w->ident == ident && x.size != FUZZ_SIZE_UNKNOWN;
	if (sigbus)
		t->tally.sigbus++;
	if (!x.sure)
		return;
	off = (w->pgoff + c->pgoff) * fz->page_size;
	past = off >= x.size;
	if (sigbus == past || (!sigbus && w->private_map))
		return;
	snprintf(what, sizeof(what), "%s at offset 0x%" PRIx64 " of slot %u's region (%s %s window)",
		 sigbus ? "SIGBUS" : "no SIGBUS", off, w->slot,
		 c->write ? "write to a" : "read of a",
		 w->private_map ? "private" : "shared");
	fuzz_finding(t, c, &x, what);
}

static void fuzz_execute(struct fuzz_thread *t, struct fuzz_call *c)
{
	switch (c->op) {
	case OP_OPEN:
		fuzz_do_open(t, c);
		break;
	case OP_CLOSE:
		fuzz_do_close(t, c);
		break;
	case OP_MMAP:
		fuzz_do_mmap(t, c);
		break;
	case OP_MUNMAP:
		fuzz_do_munmap(t, c);
		break;
	case OP_TOUCH:
		fuzz_do_touch(t, c);
		break;
	default:
		fuzz_do_ioctl(t, c);
	}
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
	fuzz_release(fz, go);
	for (t = 0; t < created; t++)
		pthread_join(fz->threads[t].tid, NULL);
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
	printf("ops_per_sec: %" PRIu64 "\n", fuzz_rate(r));
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
	json_u64(&j, "ops_per_sec", fuzz_rate(r));
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
	OPT_SEED = 0x100,
	OPT_OPS,
	OPT_SECONDS,
};

static int fuzz_parse(int argc, char **argv, struct fuzz_opts *o)
{
	static const struct option longopts[] = {
		{ "seed",    required_argument, NULL, OPT_SEED },
		{ "ops",     required_argument, NULL, OPT_OPS },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "threads", required_argument, NULL, 't' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	opterr = 0;
	optind = 1;
	while (!ret &&
	       (c = getopt_long(argc, argv, ":t:jh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SEED:
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

static int fuzz_install_sigbus(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fuzz_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, old) == 0)
		return 0;
	err_msg("fuzz: cannot install a SIGBUS handler: %s", strerror(errno));
	return -1;
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
