// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl fuzz: making the calls (see fuzz.h).  Opens, closes and
 * resizes are changes: they keep each slot's size and identity up to date,
 * and every call notes whether a change overlapped it, so that the oracle
 * judges it strictly or allows for the race.  Windows are mapped at fixed
 * addresses inside the thread's own arena, and a touch that raises SIGBUS
 * jumps back here instead of killing the process.
 */
#define _GNU_SOURCE		/* MAP_FIXED_NOREPLACE */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

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
	struct vmalock_range_ex range_ex;
	struct vmalock_size_ex size_ex;
	struct vmalock_user_range user;
	struct vmalock_clean clean;
	struct vmalock_residency residency;
	unsigned char bytes[48];
};

/* PTR_KERNEL: addresses no user pointer can have. */
static const uint64_t fuzz_kernel_addrs[] = {
	0xffff888000000000ULL,	/* the x86-64 direct map */
	0xffffffff81000000ULL,	/* kernel text */
	0x0000800000000000ULL,	/* the first non-canonical address */
	0xfffffffffffffff8ULL,	/* a struct here wraps around */
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
	case FC_INVALIDATE_EX:
	case FC_FILL_EX:
		a->range_ex.offset = c->f[0];
		a->range_ex.length = c->f[1];
		a->range_ex.pattern = c->f[2];
		a->range_ex.flags = c->f[3];
		a->range_ex.skipped = c->f[4];
		break;
	case FC_SET_SIZE_EX:
		a->size_ex.size = c->f[0];
		a->size_ex.flags = c->f[1];
		a->size_ex.skipped = c->f[2];
		break;
	case FC_SET_DIRTY_TRACKING:
		a->value.value = c->f[0];
		break;
	case FC_PIN:
	case FC_UNPIN:
	case FC_PIN_WRITE:
		a->user.addr = c->f[0];
		a->user.length = c->f[1];
		a->user.pattern = c->f[2];
		break;
	case FC_CLEAN:
		a->clean.offset = c->f[0];
		a->clean.length = c->f[1];
		a->clean.bitmap = c->f[2];
		a->clean.cleaned = c->f[3];
		a->clean.pinned = c->f[4];
		a->clean.flags = (uint32_t)c->f[5];
		a->clean.pad = (uint32_t)(c->f[5] >> 32);
		break;
	case FC_RESIDENCY:
		a->residency.addr = c->f[0];
		a->residency.length = c->f[1];
		a->residency.out = c->f[2];
		a->residency.present = c->f[3];
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

/* The addresses a call's fields hold, known only now (see fuzz.h). */
static void fuzz_fill_addrs(const struct fuzz_thread *t, struct fuzz_call *c)
{
	switch (c->cmd) {
	case FC_STATS:
		c->f[1] = fuzz_stats_addr(t, c);
		return;
	case FC_CLEAN:
		c->f[2] = fuzz_stats_addr(t, c);
		return;
	case FC_RESIDENCY:
		c->f[2] = fuzz_stats_addr(t, c);
		break;
	case FC_PIN:
	case FC_UNPIN:
	case FC_PIN_WRITE:
		break;
	default:
		return;
	}
	if (c->user_win)
		c->f[0] = (uintptr_t)t->win[c->win].base +
			  c->f[0] * t->fz->page_size;
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
	bool ex_ok = c->cmd == FC_SET_SIZE_EX && !(c->f[1] & ~VMALOCK_SKIP_PINNED);

	return (c->cmd == FC_SET_SIZE || ex_ok) && fuzz_size_valid(fz, c->f[0]) &&
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

	fuzz_fill_addrs(t, c);
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
		/* SET_SIZE_EX resizes, then fails to write a read-only arg. */
		x.sure = fuzz_resize_end(fz, &ch, s,
					 c->ptr == PTR_READONLY && err == EFAULT ?
					 0 : err, c->f[0]);
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

/*
 * For the run; the caller restores @old after it.  No SA_NODEFER: SIGBUS
 * stays blocked in the handler, and fuzz_access()'s sigsetjmp() saved the
 * mask, so the jump back unblocks it.
 */
int fuzz_install_sigbus(struct sigaction *old)
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

void fuzz_execute(struct fuzz_thread *t, struct fuzz_call *c)
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
