// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl stress: what the writers published, and how a read is judged
 * against it (see stress.h).  Everything here also runs in forked children,
 * which share the published state but none of the threads' locks: so nothing
 * here takes a lock or allocates once the run has started.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "stress.h"

#define STAMP_INC_MASK	((1U << STAMP_INC_BITS) - 1)
#define STAMP_PAGE_MASK	((1U << STAMP_PAGE_BITS) - 1)
#define STAMP_GEN_MASK	((1U << STAMP_GEN_BITS) - 1)

/* splitmix64: a seed per thread, the same sequence on every run. */
uint64_t stress_rand(struct stress_thread *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for the small n used here; 0 when n is 0. */
uint64_t stress_below(struct stress_thread *t, uint64_t n)
{
	return n ? stress_rand(t) % n : 0;
}

uint64_t stress_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool stress_stopping(const struct stress *s)
{
	return atomic_load_explicit(&s->shared->stop, memory_order_relaxed);
}

/*
 * The pool of region incarnations and their page tables, in one shared
 * anonymous mapping: children forked later see the writers' updates.
 */
int stress_model_init(struct stress *s)
{
	size_t per = (size_t)s->o.max_pages *
		     (2 * sizeof(uint32_t) + 2 * sizeof(uint64_t));
	size_t len = sizeof(struct stress_shared) +
		     s->nincs * (sizeof(struct stress_inc) + per);
	pthread_mutexattr_t attr;
	unsigned int i;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		err_msg("stress: cannot map %zu bytes of shared state: %s", len,
			strerror(errno));
		return -1;
	}
	s->shared = (struct stress_shared *)p;
	p += sizeof(struct stress_shared);
	s->incs = (struct stress_inc *)p;
	p += s->nincs * sizeof(struct stress_inc);
	pthread_mutexattr_init(&attr);
	for (i = 0; i < s->nincs; i++) {
		struct stress_inc *inc = &s->incs[i];

		/* The arrays are 8-byte aligned: the 64-bit ones come first. */
		inc->expect = (_Atomic uint64_t *)p;
		p += s->o.max_pages * sizeof(uint64_t);
		inc->next = (_Atomic uint64_t *)p;
		p += s->o.max_pages * sizeof(uint64_t);
		inc->ver = (_Atomic uint32_t *)p;
		p += s->o.max_pages * sizeof(uint32_t);
		inc->cut = (_Atomic uint32_t *)p;
		p += s->o.max_pages * sizeof(uint32_t);
		pthread_mutex_init(&inc->writer, &attr);
	}
	pthread_mutexattr_destroy(&attr);
	return 0;
}

/* The next unused incarnation, or NULL when the pool is spent. */
struct stress_inc *stress_inc_new(struct stress *s)
{
	unsigned int i = atomic_fetch_add(&s->incs_used, 1);
	struct stress_inc *inc;

	if (i >= s->nincs)
		return NULL;
	inc = &s->incs[i];
	inc->id = i + 1;
	atomic_store(&inc->size, s->o.pages);
	return inc;
}

uint64_t stress_stamp(struct stress_inc *inc, uint32_t page, bool private)
{
	uint32_t gen;

	do {
		gen = (atomic_fetch_add(&inc->gen, 1) + 1) & STAMP_GEN_MASK;
	} while (!gen);
	return (private ? STAMP_PRIVATE : 0) |
	       (uint64_t)(inc->id & STAMP_INC_MASK) <<
			(STAMP_PAGE_BITS + STAMP_GEN_BITS) |
	       (uint64_t)(page & STAMP_PAGE_MASK) << STAMP_GEN_BITS | gen;
}

const char *stress_describe(uint64_t v, char *buf, size_t len)
{
	if (!v) {
		snprintf(buf, len, "0x0 (zero page)");
		return buf;
	}
	snprintf(buf, len, "0x%016" PRIx64 " (region %u page %u gen %u%s)", v,
		 (unsigned int)(v >> (STAMP_PAGE_BITS + STAMP_GEN_BITS)) &
			STAMP_INC_MASK,
		 (unsigned int)(v >> STAMP_GEN_BITS) & STAMP_PAGE_MASK,
		 (unsigned int)v & STAMP_GEN_MASK,
		 v & STAMP_PRIVATE ? ", private" : "");
	return buf;
}

/*
 * A writer, holding inc->writer, is about to change @page to @next: make
 * the page odd.  @next is stored first, so a reader that sees the odd
 * version also sees what it may find.
 */
void stress_begin_change(struct stress_inc *inc, uint32_t page, uint64_t next)
{
	atomic_store_explicit(&inc->next[page], next, memory_order_release);
	atomic_fetch_add(&inc->ver[page], 1);
}

/* ... and has changed it (@done) or failed, leaving it as it was. */
void stress_end_change(struct stress_inc *inc, uint32_t page, bool done)
{
	if (done)
		atomic_store(&inc->expect[page],
			     atomic_load(&inc->next[page]));
	atomic_fetch_add(&inc->ver[page], 1);
}

/*
 * The first failure wins and stops the run; it is printed by the main
 * thread at the end.  Lock-free: a forked child calls this too.
 */
void stress_fail(struct stress_thread *t, const char *fmt, ...)
{
	struct stress_shared *sh = t->s->shared;
	va_list ap;
	int n;

	if (!atomic_exchange(&sh->failed, true)) {
		n = snprintf(sh->failure, sizeof(sh->failure),
			     "seed %" PRIu64 ", thread %d%s, step %" PRIu64 ": ",
			     t->s->o.seed, t->idx,
			     t->child ? " (forked child)" : "", t->step);
		va_start(ap, fmt);
		vsnprintf(sh->failure + n, sizeof(sh->failure) - n, fmt, ap);
		va_end(ap);
	}
	atomic_store(&sh->stop, true);
}

/*
 * SIGBUS (past the region's end) and SIGSEGV (a protection the model got
 * wrong) during an armed access jump back to it.  SA_NODEFER: the handler
 * leaves by siglongjmp without restoring the mask, and the next access must
 * still be able to fault.
 */
static __thread sigjmp_buf stress_jmp;
static __thread volatile sig_atomic_t stress_armed;

static void stress_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!stress_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stress_armed = 0;
	siglongjmp(stress_jmp, sig);
}

int stress_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = stress_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) || sigaction(SIGSEGV, &sa, NULL)) {
		err_msg("stress: sigaction: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Load @n words; return 0, or the signal the access raised. */
static int stress_load(volatile uint64_t *w, const unsigned int *pos,
		       uint64_t *got, int n)
{
	int sig, i;

	sig = sigsetjmp(stress_jmp, 0);
	if (sig)
		return sig;
	stress_armed = 1;
	for (i = 0; i < n; i++)
		got[i] = w[pos[i]];
	stress_armed = 0;
	return 0;
}

/* Store @val in every word of the page at @w; 0 or the signal raised. */
int stress_store_page(struct stress *s, volatile uint64_t *w, uint64_t val)
{
	unsigned int i;
	int sig;

	sig = sigsetjmp(stress_jmp, 0);
	if (sig)
		return sig;
	stress_armed = 1;
	for (i = 0; i < s->words; i++)
		w[i] = val;
	stress_armed = 0;
	return 0;
}

struct stress_sample {
	uint32_t ver, size;
	uint64_t expect, next;
};

static void stress_sample(struct stress_inc *inc, uint32_t page,
			  struct stress_sample *smp)
{
	smp->ver = atomic_load_explicit(&inc->ver[page], memory_order_acquire);
	smp->expect = atomic_load(&inc->expect[page]);
	smp->next = atomic_load(&inc->next[page]);
	smp->size = atomic_load(&inc->size);
}

static void stress_mismatch(struct stress_thread *t, struct stress_map *m,
			    uint32_t idx, unsigned int word, uint64_t got,
			    uint64_t want, const char *why)
{
	char g[80], w[80];

	stress_fail(t, "region %u page %u (mapping page %u, %s) word %u: read %s, expected %s%s",
		    m->inc->id, m->pgoff + idx, idx,
		    m->private ? "private" : "shared", word,
		    stress_describe(got, g, sizeof(g)),
		    stress_describe(want, w, sizeof(w)), why);
}

/* The page's cut count, as stress_check_page() and the writers sample it. */
static uint32_t stress_cut(struct stress_inc *inc, uint32_t page)
{
	return atomic_load_explicit(&inc->cut[page], memory_order_acquire);
}

/*
 * A private copy is surely still there when no shrink covering its page
 * began since it was made (@c1 before the access, @c2 after it).
 */
static bool stress_cow_kept(const struct stress_cow *cow, uint32_t c1,
			    uint32_t c2)
{
	return cow->stamp && c1 == cow->cut && c2 == c1 && !(c1 & 1);
}

/*
 * Judge a read of the mapping's own private copy.  Returns false when a
 * shrink may have taken the copy and the read found something else: the
 * copy is forgotten and the read is judged as one of the region's page.
 */
static bool stress_check_cow(struct stress_thread *t, struct stress_map *m,
			     uint32_t idx, const unsigned int *pos,
			     const uint64_t *got, int sig, bool kept)
{
	struct stress_cow *cow = &m->cow[idx];
	uint32_t page = m->pgoff + idx;
	int i;

	for (i = 0; !sig && i < 3 && got[i] == cow->stamp; i++)
		;
	if (i == 3) {
		t->reads.private++;
		return true;
	}
	if (!kept) {
		cow->stamp = 0;
		t->reads.cut++;
		return false;
	}
	if (sig)
		stress_fail(t, "region %u page %u: %s reading a private copy",
			    m->inc->id, page, sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
	else
		stress_mismatch(t, m, idx, pos[i], got[i], cow->stamp,
				" (the mapping's private copy)");
	return true;
}

/* Read three words of a page (first, one at random, last) and judge them. */
void stress_check_page(struct stress_thread *t, struct stress_map *m,
		       uint32_t idx)
{
	struct stress *s = t->s;
	struct stress_inc *inc = m->inc;
	uint32_t page = m->pgoff + idx;
	volatile uint64_t *w = (volatile uint64_t *)(m->addr +
						     (size_t)idx * s->page_size);
	unsigned int pos[3] = {
		0, 1 + stress_below(t, s->words - 2), s->words - 1
	};
	struct stress_sample a, b;
	uint64_t got[3];
	uint32_t c1, c2;
	bool stable;
	int sig, i;

	stress_sample(inc, page, &a);
	c1 = stress_cut(inc, page);
	sig = stress_load(w, pos, got, 3);
	atomic_thread_fence(memory_order_acquire);
	c2 = stress_cut(inc, page);
	stress_sample(inc, page, &b);
	stable = a.ver == b.ver && !(a.ver & 1);

	if (m->private && m->cow[idx].stamp &&
	    stress_check_cow(t, m, idx, pos, got, sig,
			     stress_cow_kept(&m->cow[idx], c1, c2)))
		return;

	if (sig == SIGSEGV) {
		stress_fail(t, "region %u page %u: SIGSEGV reading a readable mapping",
			    inc->id, page);
	} else if (sig) {
		if (stable && page < a.size)
			stress_fail(t, "region %u page %u: SIGBUS although the region has %u pages",
				    inc->id, page, a.size);
		else
			t->reads.sigbus++;
	} else if (stable) {
		if (page >= a.size) {
			stress_fail(t, "region %u page %u: readable although the region has only %u pages",
				    inc->id, page, a.size);
			return;
		}
		for (i = 0; i < 3; i++)
			if (got[i] != a.expect)
				return stress_mismatch(t, m, idx, pos[i], got[i],
						       a.expect, "");
		t->reads.exact++;
	} else if (b.ver - a.ver <= 2) {
		for (i = 0; i < 3; i++)
			if (got[i] != a.expect && got[i] != a.next &&
			    got[i] != b.expect && got[i] != b.next)
				return stress_mismatch(t, m, idx, pos[i], got[i],
						       b.expect,
						       " (or what the writer in flight replaced or stored)");
		t->reads.racy++;
	} else {
		t->reads.unverifiable++;
	}
}

/*
 * Write a private stamp through a MAP_PRIVATE mapping: the first store
 * copies the page (or SIGBUSes past the end), and from then on the page
 * is the mapping's own, whatever the region's writers do, until a shrink
 * cuts it off.
 */
void stress_write_private(struct stress_thread *t, struct stress_map *m,
			  uint32_t idx)
{
	struct stress_inc *inc = m->inc;
	struct stress_cow *cow = &m->cow[idx];
	uint32_t page = m->pgoff + idx;
	uint64_t val = stress_stamp(inc, page, true);
	struct stress_sample a, b;
	uint32_t c1, c2;
	bool stable;
	int sig;

	stress_sample(inc, page, &a);
	c1 = stress_cut(inc, page);
	sig = stress_store_page(t->s, (volatile uint64_t *)(m->addr +
					(size_t)idx * t->s->page_size), val);
	c2 = stress_cut(inc, page);
	stress_sample(inc, page, &b);
	stable = a.ver == b.ver && !(a.ver & 1);

	if (sig == SIGSEGV) {
		stress_fail(t, "region %u page %u: SIGSEGV writing a writable private mapping",
			    inc->id, page);
	} else if (sig) {
		if (stress_cow_kept(cow, c1, c2))
			stress_fail(t, "region %u page %u: SIGBUS writing the mapping's own copy",
				    inc->id, page);
		else if (stable && page < a.size)
			stress_fail(t, "region %u page %u: SIGBUS although the region has %u pages",
				    inc->id, page, a.size);
		else
			t->reads.sigbus++;
		if (cow->stamp)
			t->reads.cut++;
		cow->stamp = 0;
	} else {
		if (!cow->stamp && stable && page >= a.size) {
			stress_fail(t, "region %u page %u: private write succeeded although the region has only %u pages",
				    inc->id, page, a.size);
			return;
		}
		cow->stamp = val;
		cow->cut = c1;
	}
}
