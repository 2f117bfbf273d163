/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalockctl fuzz: a seeded, bounded ioctl fuzzer for /dev/vmalock, and
 * what its four files share.
 *
 *   cmd_fuzz.c     options, setup, the threads, the report
 *   fuzz_gen.c     the seeded generator: every call a thread makes, and the
 *                  sequence hash that shows a replay made the same calls
 *   fuzz_oracle.c  which results a call may have, describing a call, and
 *                  judging a result (a finding stops the run)
 *   fuzz_exec.c    making the calls: opens and closes of the slots, mmap,
 *                  munmap, touches (SIGBUS caught), ioctls with their
 *                  argument placed; and what the oracle may assume meanwhile
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
#ifndef VMALOCKCTL_FUZZ_H
#define VMALOCKCTL_FUZZ_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmalockctl.h"

/* Open files shared by all threads: few, so that the threads collide. */
#define FUZZ_SLOTS		4
/* Windows per thread, and their largest length in pages. */
#define FUZZ_WINDOWS		4
#define FUZZ_WINDOW_PAGES	16
/* The longest FILL that may succeed: the module allocates it up front. */
#define FUZZ_FILL_PAGES		64
/* Race windows slow every later fault or writer of the region. */
#define FUZZ_DELAY_MAX_US	1000
/* The kernel's MAX_ERRNO: no system call fails with a larger one. */
#define FUZZ_MAX_ERRNO		4095
#define FUZZ_TIB		(1ULL << 40)
#define FUZZ_SIZE_UNKNOWN	UINT64_MAX
/* The identity of no open file: windows mapped during a change. */
#define FUZZ_IDENT_NONE		0

/* The most 64-bit words of an argument the generator fills. */
#define FUZZ_FIELDS		6

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
	FC_INVALIDATE_EX,
	FC_FILL_EX,
	FC_SET_SIZE_EX,
	FC_SET_DIRTY_TRACKING,
	FC_PIN,
	FC_UNPIN,
	FC_PIN_WRITE,
	FC_CLEAN,
	FC_RESIDENCY,
	FC_NR,
	FC_NONE = FC_NR,	/* a request number that is no command */
};

struct fuzz_cmd_desc {
	const char *name;
	unsigned int request;
	unsigned int weight;		/* how often the valid class picks it */
	const char *field[FUZZ_FIELDS];	/* names of the call's fields */
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

/*
 * One step, as generated: everything in it comes from the thread's
 * generator, so that it can be hashed and replayed.  STATS' @addr (f[1]),
 * CLEAN's @bitmap (f[2]) and RESIDENCY's @out (f[2]) are filled in when the
 * call is made, from @addr_kind; so is the user address (f[0]) of PIN,
 * UNPIN, PIN_WRITE and RESIDENCY when @user_win is set: f[0] pages into
 * window @win.
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
	uint64_t f[FUZZ_FIELDS];
	bool user_win;
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
	bool progress;		/* progress lines even off a terminal */
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
	struct progress progress;
};

/* Allowed results of a call, as a set. */
enum fuzz_result {
	FR_OK, FR_EBADF, FR_EFAULT, FR_EINVAL, FR_ENOTTY, FR_E2BIG, FR_ENOMEM,
	FR_EINTR, FR_EBUSY, FR_EEXIST, FR_ENOENT, FR_ENOSPC, FR_NR
};

#define A(x)	(1u << FR_##x)

/* What was known about the slot while the call ran. */
struct fuzz_ctx {
	int fd;
	bool sure;	/* no change overlapped the call */
	uint64_t size;	/* FUZZ_SIZE_UNKNOWN unless @sure and tracked */
};

/* fuzz_gen.c */
extern const struct fuzz_cmd_desc fuzz_cmds[FC_NR];
uint64_t fuzz_mix(uint64_t z);
size_t fuzz_arg_size(enum fuzz_cmd_id cmd);
void fuzz_generate(struct fuzz_gen *g, struct fuzz_call *c);
uint64_t fuzz_hash_call(uint64_t h, const struct fuzz_call *c);

/* fuzz_oracle.c */
extern const char *const fuzz_op_names[OP_NR];
bool fuzz_allows(unsigned int allowed, int err);
const char *fuzz_errno_name(int err, char *buf, size_t len);
bool fuzz_size_valid(const struct fuzz *fz, uint64_t bytes);
unsigned int fuzz_allowed(const struct fuzz *fz, const struct fuzz_call *c,
			  const struct fuzz_ctx *x);
void fuzz_finding(struct fuzz_thread *t, const struct fuzz_call *c,
		  const struct fuzz_ctx *x, const char *what);
void fuzz_judge_result(struct fuzz_thread *t, const struct fuzz_call *c,
		       const struct fuzz_ctx *x, unsigned int allowed, int err);

/* fuzz_exec.c */
void fuzz_execute(struct fuzz_thread *t, struct fuzz_call *c);
int fuzz_install_sigbus(struct sigaction *old);

#endif /* VMALOCKCTL_FUZZ_H */
