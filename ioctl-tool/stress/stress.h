/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalockctl stress: the data model shared by its three files.
 *
 *   cmd_stress.c    options, setup, the worker threads, the summary and the
 *                   end-of-run checks (counters, pages held, pages freed)
 *   stress_model.c  what the writers published, page stamps, the read check
 *                   and the failure report
 *   stress_ops.c    the operations: faults, mapping changes, ioctls, fork
 *
 * How a read is judged.  Every region page has, in memory shared with the
 * forked children, a version, the stamp it must hold (expect) and the stamp
 * a writer in flight is storing (next).  A writer of a region (FILL,
 * INVALIDATE, SET_SIZE, a store through a shared mapping) holds the region's
 * writer mutex, makes each page it changes odd, acts, publishes expect and
 * makes the page even again: a seqlock per page.  A reader samples the
 * version, reads the page through its mapping, and samples the version
 * again.  Unchanged and even: no writer overlapped the read, so every word
 * must be expect exactly; this is what proves that once FILL, INVALIDATE or
 * SET_SIZE returns no mapping reads what it replaced.  Changed by one
 * writer: each word must be one of the stamps that writer moved between.
 * Changed more: the read is counted as unverifiable.
 *
 * A stamp names the region incarnation, the page and a generation, so a
 * stale or misplaced page is told apart from the right one.  A FILL
 * stores one pattern in all of its pages: their stamps name its first page.
 */
#ifndef VMALOCKCTL_STRESS_H
#define VMALOCKCTL_STRESS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmalockctl.h"

#define STRESS_MAX_PAGES	4096	/* largest --max-pages */
#define STRESS_MAX_REGIONS	8
#define STRESS_MAX_THREADS	64
#define STRESS_MAPS		8	/* mappings a thread holds at most */
#define STRESS_MAP_MAX_PAGES	64	/* pages a new mapping spans at most */
#define STRESS_FILL_MAX_PAGES	8
#define STRESS_SWEEP_PAGES	32
#define STRESS_CHILD_OPS	64	/* reads and writes a forked child does */

/* Stamp layout: private bit, incarnation, page, generation. */
#define STAMP_PRIVATE		(1ULL << 63)
#define STAMP_INC_BITS		11
#define STAMP_PAGE_BITS		28
#define STAMP_GEN_BITS		24

/* One open of /dev/vmalock: a region, alive until its last mapping goes. */
struct stress_inc {
	uint32_t id;			/* 1, 2, ... in order of opening */
	/*
	 * Writers (content and size) of this region hold @writer; readers
	 * hold nothing.  Lock order: slot lock, then @writer.
	 */
	pthread_mutex_t writer;
	_Atomic uint32_t size;		/* pages, as published */
	_Atomic uint32_t gen;		/* last generation handed out */
	_Atomic bool closed;		/* its file is closed: no more ioctls */
	_Atomic uint32_t *ver;		/* [page]: odd while a writer acts */
	_Atomic uint64_t *expect;	/* [page]: the stamp; 0 = zero page */
	_Atomic uint64_t *next;		/* [page]: what the writer in flight stores */
	/*
	 * [page]: odd while a shrink that covers the page runs, bumped
	 * again when it returns.  A shrink zaps private copies too (as
	 * truncate does), so a copy made before it may be gone.
	 */
	_Atomic uint32_t *cut;
};

/* A private copy made through one mapping. */
struct stress_cow {
	uint64_t stamp;			/* what was stored; 0 = no copy */
	uint32_t cut;			/* the page's cut count before the store */
};

/* A slot holds the open file of one region at a time. */
struct stress_slot {
	/* Read: using @fd; write: closing it and opening the next region. */
	pthread_rwlock_t lock;
	int fd;
	struct stress_inc *inc;
};

/* A mapping one thread made and only that thread (or its child) uses. */
struct stress_map {
	struct stress_inc *inc;
	char *addr;
	uint32_t pgoff;			/* region page of addr */
	uint32_t npages;
	bool private;
	/*
	 * mprotect() of part of it split the VMA, and a VMA with ->close is
	 * never merged back: mremap() no longer sees one VMA.
	 */
	bool split;
	uint8_t *prot;			/* [page of the mapping]: PROT_* */
	struct stress_cow *cow;		/* [page of the mapping] */
};

enum stress_op {
	OP_READ, OP_SWEEP, OP_WRITE_SHARED, OP_WRITE_PRIVATE,
	OP_MMAP, OP_MUNMAP, OP_MUNMAP_PART, OP_MREMAP, OP_MPROTECT,
	OP_DONTNEED, OP_FORK, OP_FILL, OP_INVALIDATE, OP_SET_SIZE,
	OP_SET_ORDER, OP_SET_MODE, OP_REOPEN,
	OP_NR
};

/* The reads' outcomes, per thread. */
struct stress_reads {
	uint64_t exact;		/* no writer overlapped: matched expect */
	uint64_t racy;		/* one writer overlapped: matched old or new */
	uint64_t unverifiable;	/* several writers overlapped */
	uint64_t sigbus;	/* SIGBUS past the end, as expected */
	uint64_t private;	/* matched the mapping's own private copy */
	uint64_t cut;		/* found the private copy taken by a shrink */
};

struct stress;

struct stress_thread {
	struct stress *s;
	int idx;
	uint64_t rng;
	uint64_t step;
	bool child;			/* this copy runs in a forked child */
	pthread_t tid;
	struct stress_map maps[STRESS_MAPS];
	int nmaps;
	uint64_t ops[OP_NR];		/* done */
	uint64_t skipped[OP_NR];	/* nothing to do it on */
	uint64_t errors[OP_NR];		/* failed with an allowed errno */
	uint64_t enomem;
	struct stress_reads reads;
	uint64_t children;
};

/* In MAP_SHARED memory: written by threads and forked children alike. */
struct stress_shared {
	_Atomic bool stop;
	_Atomic bool failed;
	_Atomic uint64_t ops_started;
	char failure[768];
};

struct stress_opts {
	uint64_t seed;
	uint64_t ops;
	uint64_t seconds;
	unsigned int threads;
	unsigned int regions;
	unsigned int pages;		/* size of a new region */
	unsigned int max_pages;		/* SET_SIZE and mappings stay below */
	unsigned int max_order;
	int mode;			/* a VMALOCK_MODE_*, or -1: SET_MODE at random */
	unsigned int reopens;		/* regions closed and replaced, at most */
	bool forks;
	bool page_check;
	bool corrupt_one;		/* test the checker: one unpublished store */
	bool json;
	bool progress;			/* progress lines even off a terminal */
};

struct stress {
	struct stress_opts o;
	long page_size;
	unsigned int words;		/* 64-bit words per page */
	struct stress_shared *shared;
	struct stress_inc *incs;	/* pool, in shared memory */
	unsigned int nincs;
	_Atomic unsigned int incs_used;
	_Atomic bool corrupted;
	struct stress_slot slots[STRESS_MAX_REGIONS];
	uint64_t deadline_ns;
	struct progress progress;
};

/* stress_model.c */
uint64_t stress_rand(struct stress_thread *t);
uint64_t stress_below(struct stress_thread *t, uint64_t n);
uint64_t stress_now_ns(void);
int stress_model_init(struct stress *s);
struct stress_inc *stress_inc_new(struct stress *s);
uint64_t stress_stamp(struct stress_inc *inc, uint32_t page, bool private);
void stress_begin_change(struct stress_inc *inc, uint32_t page, uint64_t next);
void stress_end_change(struct stress_inc *inc, uint32_t page, bool done);
void stress_fail(struct stress_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool stress_stopping(const struct stress *s);
int stress_signals_init(void);
void stress_check_page(struct stress_thread *t, struct stress_map *m,
		       uint32_t idx);
void stress_write_private(struct stress_thread *t, struct stress_map *m,
			  uint32_t idx);
int stress_store_page(struct stress *s, volatile uint64_t *w, uint64_t val);
const char *stress_describe(uint64_t stamp, char *buf, size_t len);

/* stress_ops.c */
extern const char *const stress_op_names[OP_NR];
void stress_do_op(struct stress_thread *t);
void stress_unmap_all(struct stress_thread *t);
int stress_slot_open(struct stress *s, struct stress_slot *slot,
		     struct stress_inc *inc);

#endif /* VMALOCKCTL_STRESS_H */
