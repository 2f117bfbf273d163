// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl stress: the operations a worker thread picks from.  Each is
 * small and leaves the model (stress.h) consistent with what it did, so
 * that every later read can be judged.  A syscall that fails where the
 * model says it cannot is a finding and stops the run.
 */
#define _GNU_SOURCE		/* mremap() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

#define PROT_RW		(PROT_READ | PROT_WRITE)

const char *const stress_op_names[OP_NR] = {
	[OP_READ] = "read",
	[OP_SWEEP] = "sweep",
	[OP_WRITE_SHARED] = "write-shared",
	[OP_WRITE_PRIVATE] = "write-private",
	[OP_MMAP] = "mmap",
	[OP_MUNMAP] = "munmap",
	[OP_MUNMAP_PART] = "munmap-partial",
	[OP_MREMAP] = "mremap",
	[OP_MPROTECT] = "mprotect",
	[OP_DONTNEED] = "madv-dontneed",
	[OP_FORK] = "fork",
	[OP_FILL] = "fill",
	[OP_INVALIDATE] = "invalidate",
	[OP_SET_SIZE] = "set-size",
	[OP_SET_ORDER] = "set-order",
	[OP_SET_MODE] = "set-mode",
	[OP_REOPEN] = "close-reopen",
};

/* How often each operation is picked, relative to the others. */
static const unsigned int stress_weights[OP_NR] = {
	[OP_READ] = 30, [OP_SWEEP] = 6, [OP_WRITE_SHARED] = 8,
	[OP_WRITE_PRIVATE] = 5, [OP_MMAP] = 8, [OP_MUNMAP] = 3,
	[OP_MUNMAP_PART] = 3, [OP_MREMAP] = 3, [OP_MPROTECT] = 3,
	[OP_DONTNEED] = 3, [OP_FORK] = 1, [OP_FILL] = 6, [OP_INVALIDATE] = 5,
	[OP_SET_SIZE] = 2, [OP_SET_ORDER] = 2, [OP_SET_MODE] = 2,
	[OP_REOPEN] = 1,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static size_t pages_bytes(const struct stress *s, uint32_t n)
{
	return (size_t)n * s->page_size;
}

/* A syscall failed where the model says it cannot: stop the run. */
static void stress_syscall_failed(struct stress_thread *t, const char *what,
				  int err)
{
	stress_fail(t, "%s failed: %s", what, strerror(err));
}

/*
 * Open a new region into @slot (whose lock the caller holds for write or
 * owns outright) and give it the run's size and, if fixed, mode.
 */
int stress_slot_open(struct stress *s, struct stress_slot *slot,
		     struct stress_inc *inc)
{
	struct vmalock_value v = { .value = pages_bytes(s, s->o.pages) };
	int fd;

	fd = vmalock_dev_open(O_RDWR);
	if (fd < 0) {
		err_msg("stress: cannot open %s: %s", VMALOCK_DEV_PATH,
			strerror(-fd));
		return -1;
	}
	if (ioctl(fd, VMALOCK_IOC_SET_SIZE, &v) ||
	    (s->o.mode >= 0 &&
	     ioctl(fd, VMALOCK_IOC_SET_MODE,
		   &(struct vmalock_value){ .value = s->o.mode }))) {
		err_msg("stress: setting up region %u: %s", inc->id,
			strerror(errno));
		close(fd);
		return -1;
	}
	slot->fd = fd;
	slot->inc = inc;
	return 0;
}

static struct stress_slot *stress_slot_get(struct stress_thread *t)
{
	struct stress_slot *slot = &t->s->slots[stress_below(t, t->s->o.regions)];

	pthread_rwlock_rdlock(&slot->lock);
	return slot;
}

static void stress_slot_put(struct stress_slot *slot)
{
	pthread_rwlock_unlock(&slot->lock);
}

static struct stress_map *stress_pick_map(struct stress_thread *t)
{
	return t->nmaps ? &t->maps[stress_below(t, t->nmaps)] : NULL;
}

/* ---- faults ----------------------------------------------------------- */

static bool op_read(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);

	if (!m)
		return false;
	stress_check_page(t, m, stress_below(t, m->npages));
	return true;
}

/* Consecutive pages: first touches of large blocks, and their neighbours. */
static bool op_sweep(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t i, end;

	if (!m)
		return false;
	i = stress_below(t, m->npages);
	end = min_u32(m->npages, i + STRESS_SWEEP_PAGES);
	for (; i < end && !stress_stopping(t->s); i++)
		stress_check_page(t, m, i);
	return true;
}

/* A page of a mapping with @want (shared or private) writable there. */
static bool stress_pick_writable(struct stress_thread *t, bool private,
				 struct stress_map **mp, uint32_t *idxp)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t idx;

	if (!m || m->private != private)
		return false;
	idx = stress_below(t, m->npages);
	if (!(m->prot[idx] & PROT_WRITE))
		return false;
	*mp = m;
	*idxp = idx;
	return true;
}

/*
 * A store through a shared mapping changes the region page itself: it is
 * a writer like FILL, published the same way.
 */
static bool op_write_shared(struct stress_thread *t)
{
	struct stress *s = t->s;
	struct stress_inc *inc;
	struct stress_map *m;
	volatile uint64_t *w;
	uint32_t idx, page;
	uint64_t val;
	int sig;

	if (!stress_pick_writable(t, false, &m, &idx))
		return false;
	inc = m->inc;
	page = m->pgoff + idx;
	w = (volatile uint64_t *)(m->addr + pages_bytes(s, idx));
	pthread_mutex_lock(&inc->writer);
	val = stress_stamp(inc, page, false);
	if (page >= atomic_load(&inc->size)) {
		sig = stress_store_page(s, w, val);
		if (sig != SIGBUS)
			stress_fail(t, "region %u page %u: a store past the end (%u pages) %s",
				    inc->id, page, atomic_load(&inc->size),
				    sig ? "raised SIGSEGV" : "succeeded");
		else
			t->reads.sigbus++;
	} else if (s->o.corrupt_one && !atomic_exchange(&s->corrupted, true)) {
		/*
		 * --corrupt-one: a store the model never hears of, read back
		 * at once.  The check must report it, or it proves nothing.
		 */
		stress_store_page(s, w, val);
		stress_check_page(t, m, idx);
	} else {
		stress_begin_change(inc, page, val);
		sig = stress_store_page(s, w, val);
		stress_end_change(inc, page, !sig);
		if (sig)
			stress_fail(t, "region %u page %u: %s storing to a writable shared mapping of a %u-page region",
				    inc->id, page,
				    sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
				    atomic_load(&inc->size));
	}
	pthread_mutex_unlock(&inc->writer);
	return true;
}

static bool op_write_private(struct stress_thread *t)
{
	struct stress_map *m;
	uint32_t idx;

	if (!stress_pick_writable(t, true, &m, &idx))
		return false;
	stress_write_private(t, m, idx);
	return true;
}

/* ---- mappings --------------------------------------------------------- */

static bool op_mmap(struct stress_thread *t)
{
	struct stress *s = t->s;
	struct stress_slot *slot;
	struct stress_map *m;
	uint32_t pgoff, n, i;
	bool private;
	int prot;
	char *addr;

	if (t->nmaps == STRESS_MAPS)
		return false;
	private = stress_below(t, 4) == 0;
	prot = stress_below(t, 5) ? PROT_RW : PROT_READ;
	slot = stress_slot_get(t);
	/* Mostly inside the region; now and then past its end (SIGBUS). */
	pgoff = stress_below(t, stress_below(t, 8) ?
			     atomic_load(&slot->inc->size) : s->o.max_pages);
	n = 1 + stress_below(t, min_u32(STRESS_MAP_MAX_PAGES,
					s->o.max_pages - pgoff));
	addr = mmap(NULL, pages_bytes(s, n), prot,
		    private ? MAP_PRIVATE : MAP_SHARED, slot->fd,
		    (off_t)pages_bytes(s, pgoff));
	if (addr == MAP_FAILED) {
		stress_syscall_failed(t, "mmap", errno);
		stress_slot_put(slot);
		return true;
	}
	m = &t->maps[t->nmaps++];
	m->inc = slot->inc;
	stress_slot_put(slot);
	m->addr = addr;
	m->pgoff = pgoff;
	m->npages = n;
	m->private = private;
	m->split = false;
	for (i = 0; i < n; i++) {
		m->prot[i] = prot;
		m->cow[i].stamp = 0;
	}
	return true;
}

static void stress_forget_map(struct stress_thread *t, struct stress_map *m)
{
	struct stress_map *last = &t->maps[--t->nmaps];
	uint8_t *prot = m->prot;
	struct stress_cow *cow = m->cow;

	/* Keep the arrays with their slot: swap them with the last one's. */
	if (m != last) {
		*m = *last;
		last->prot = prot;
		last->cow = cow;
	}
}

static bool op_munmap(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);

	if (!m)
		return false;
	if (munmap(m->addr, pages_bytes(t->s, m->npages)))
		stress_syscall_failed(t, "munmap", errno);
	stress_forget_map(t, m);
	return true;
}

/* Cut pages off the head or the tail: the VMA is split, then closed. */
static bool op_munmap_part(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t k;

	if (!m || m->npages < 2)
		return false;
	k = 1 + stress_below(t, m->npages - 1);
	if (stress_below(t, 2)) {
		if (munmap(m->addr, pages_bytes(t->s, k)))
			return stress_syscall_failed(t, "munmap (head)", errno), true;
		m->addr += pages_bytes(t->s, k);
		m->pgoff += k;
		memmove(m->prot, m->prot + k, m->npages - k);
		memmove(m->cow, m->cow + k, (m->npages - k) * sizeof(*m->cow));
	} else if (munmap(m->addr + pages_bytes(t->s, m->npages - k),
			  pages_bytes(t->s, k))) {
		return stress_syscall_failed(t, "munmap (tail)", errno), true;
	}
	m->npages -= k;
	return true;
}

/* mremap works on one VMA: only mappings no mprotect has split. */
static bool op_mremap(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t n, i;
	char *addr;

	if (!m || m->split)
		return false;
	n = 1 + stress_below(t, min_u32(2 * m->npages,
					t->s->o.max_pages - m->pgoff));
	addr = mremap(m->addr, pages_bytes(t->s, m->npages),
		      pages_bytes(t->s, n), MREMAP_MAYMOVE);
	/*
	 * 6.12 cannot grow a VM_MIXEDMAP VMA in place: vma_merge_extend()
	 * refuses VM_SPECIAL VMAs and mremap() returns ENOMEM instead of
	 * moving, even with MREMAP_MAYMOVE (6.1 grows it).  The mapping is
	 * left as it was.
	 */
	if (addr == MAP_FAILED && errno == ENOMEM && n > m->npages) {
		t->errors[OP_MREMAP]++;
		return true;
	}
	if (addr == MAP_FAILED) {
		stress_fail(t, "mremap of a %s mapping of %u pages at region page %u to %u pages failed: %s",
			    m->private ? "private" : "shared", m->npages,
			    m->pgoff, n, strerror(errno));
		return true;
	}
	for (i = m->npages; i < n; i++) {
		m->prot[i] = m->prot[0];
		m->cow[i].stamp = 0;
	}
	m->addr = addr;
	m->npages = n;
	return true;
}

static void stress_pick_subrange(struct stress_thread *t, struct stress_map *m,
				 uint32_t *start, uint32_t *n)
{
	*start = stress_below(t, m->npages);
	*n = 1 + stress_below(t, m->npages - *start);
}

static bool op_mprotect(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t start, n;
	int prot;

	if (!m)
		return false;
	stress_pick_subrange(t, m, &start, &n);
	prot = stress_below(t, 2) ? PROT_RW : PROT_READ;
	if (mprotect(m->addr + pages_bytes(t->s, start), pages_bytes(t->s, n),
		     prot))
		return stress_syscall_failed(t, "mprotect", errno), true;
	memset(m->prot + start, prot, n);
	if (n < m->npages)
		m->split = true;
	return true;
}

/* Drops the entries; private copies are gone, shared pages fault back. */
static bool op_dontneed(struct stress_thread *t)
{
	struct stress_map *m = stress_pick_map(t);
	uint32_t start, n;

	if (!m)
		return false;
	stress_pick_subrange(t, m, &start, &n);
	if (madvise(m->addr + pages_bytes(t->s, start), pages_bytes(t->s, n),
		    MADV_DONTNEED))
		return stress_syscall_failed(t, "madvise(MADV_DONTNEED)", errno), true;
	memset(m->cow + start, 0, n * sizeof(*m->cow));
	return true;
}

/*
 * The child inherits every mapping (dup_mmap calls ->open for each), reads
 * and writes its copy of this thread's, and exits (->close for each).  It
 * touches no lock and allocates nothing: other threads may have held one
 * when it was forked.
 */
static void stress_child(struct stress_thread *t)
{
	struct stress_map *m;
	uint32_t idx;
	int i;

	t->child = true;
	/* Its own draws, not a replay of the parent's next ones. */
	t->rng ^= 0x6a09e667f3bcc908ULL;
	for (i = 0; i < STRESS_CHILD_OPS && !stress_stopping(t->s); i++) {
		t->step++;
		if (stress_below(t, 4)) {
			op_read(t);
		} else if (stress_pick_writable(t, true, &m, &idx)) {
			stress_write_private(t, m, idx);
		}
	}
	_exit(atomic_load(&t->s->shared->failed) ? 3 : 0);
}

static bool op_fork(struct stress_thread *t)
{
	int status;
	pid_t pid;

	if (!t->s->o.forks)
		return false;
	pid = fork();
	if (pid < 0)
		return stress_syscall_failed(t, "fork", errno), true;
	if (pid == 0)
		stress_child(t);
	if (waitpid(pid, &status, 0) != pid)
		return stress_syscall_failed(t, "waitpid", errno), true;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
	    !atomic_load(&t->s->shared->failed))
		stress_fail(t, "forked child %d ended with status 0x%x", pid,
			    status);
	t->children++;
	return true;
}

/* ---- writers ---------------------------------------------------------- */

/* FILL or INVALIDATE a few pages; ENOMEM leaves them as they were. */
static bool op_range(struct stress_thread *t, bool fill)
{
	struct stress *s = t->s;
	struct stress_slot *slot = stress_slot_get(t);
	struct stress_inc *inc = slot->inc;
	struct vmalock_range r = { 0 };
	uint32_t size, first, n, p;
	int err = 0;

	pthread_mutex_lock(&inc->writer);
	size = atomic_load(&inc->size);
	first = stress_below(t, size);
	n = 1 + stress_below(t, min_u32(STRESS_FILL_MAX_PAGES, size - first));
	r.offset = pages_bytes(s, first);
	r.length = pages_bytes(s, n);
	r.pattern = fill ? stress_stamp(inc, first, false) : 0;
	for (p = first; p < first + n; p++)
		stress_begin_change(inc, p, r.pattern);
	if (ioctl(slot->fd, fill ? VMALOCK_IOC_FILL : VMALOCK_IOC_INVALIDATE,
		  &r))
		err = errno;
	for (p = first; p < first + n; p++)
		stress_end_change(inc, p, !err);
	pthread_mutex_unlock(&inc->writer);
	stress_slot_put(slot);

	if (fill && err == ENOMEM) {
		t->enomem++;
		t->errors[OP_FILL]++;
	} else if (err) {
		stress_syscall_failed(t, fill ? "VMALOCK_IOC_FILL" :
					"VMALOCK_IOC_INVALIDATE", err);
	}
	return true;
}

static bool op_fill(struct stress_thread *t)
{
	return op_range(t, true);
}

static bool op_invalidate(struct stress_thread *t)
{
	return op_range(t, false);
}

/*
 * Every page between the old and the new end reads as zero afterwards; a
 * shrink takes the private copies of the pages it cuts off as well.
 */
static bool op_set_size(struct stress_thread *t)
{
	struct stress *s = t->s;
	uint32_t lo_pages = s->o.pages / 4 ? s->o.pages / 4 : 1;
	struct stress_slot *slot = stress_slot_get(t);
	struct stress_inc *inc = slot->inc;
	uint32_t new, old, lo, hi, p;
	struct vmalock_value v;
	int err = 0;

	new = lo_pages + stress_below(t, s->o.max_pages - lo_pages + 1);
	v.value = pages_bytes(s, new);
	pthread_mutex_lock(&inc->writer);
	old = atomic_load(&inc->size);
	lo = min_u32(old, new);
	hi = old > new ? old : new;
	for (p = lo; p < hi; p++) {
		stress_begin_change(inc, p, 0);
		if (new < old)
			atomic_fetch_add(&inc->cut[p], 1);
	}
	if (ioctl(slot->fd, VMALOCK_IOC_SET_SIZE, &v))
		err = errno;
	else
		atomic_store(&inc->size, new);
	for (p = lo; p < hi; p++) {
		if (new < old)
			atomic_fetch_add(&inc->cut[p], 1);
		stress_end_change(inc, p, !err);
	}
	pthread_mutex_unlock(&inc->writer);
	stress_slot_put(slot);
	if (err)
		stress_syscall_failed(t, "VMALOCK_IOC_SET_SIZE", err);
	return true;
}

static bool stress_set_value(struct stress_thread *t, unsigned long request,
			     const char *name, uint64_t value)
{
	struct stress_slot *slot = stress_slot_get(t);
	struct vmalock_value v = { .value = value };
	int err = 0;

	if (ioctl(slot->fd, request, &v))
		err = errno;
	stress_slot_put(slot);
	if (err)
		stress_syscall_failed(t, name, err);
	return true;
}

static bool op_set_order(struct stress_thread *t)
{
	return stress_set_value(t, VMALOCK_IOC_SET_ORDER,
				"VMALOCK_IOC_SET_ORDER",
				stress_below(t, t->s->o.max_order + 1));
}

static bool op_set_mode(struct stress_thread *t)
{
	if (t->s->o.mode >= 0)
		return false;
	return stress_set_value(t, VMALOCK_IOC_SET_MODE, "VMALOCK_IOC_SET_MODE",
				stress_below(t, VMALOCK_MODE_NR));
}

/*
 * Close a region's file while mappings of it live on (they keep it), and
 * open a new region in its place.  The old one can no longer be written,
 * and its mappings keep being read until they are unmapped.
 */
static bool op_reopen(struct stress_thread *t)
{
	struct stress *s = t->s;
	struct stress_slot *slot = &s->slots[stress_below(t, s->o.regions)];
	struct stress_inc *inc = stress_inc_new(s);

	if (!inc)
		return false;
	pthread_rwlock_wrlock(&slot->lock);
	close(slot->fd);
	atomic_store(&slot->inc->closed, true);
	if (stress_slot_open(s, slot, inc))
		stress_fail(t, "could not open a region to replace one closed");
	pthread_rwlock_unlock(&slot->lock);
	return true;
}

static bool (*const stress_ops[OP_NR])(struct stress_thread *t) = {
	[OP_READ] = op_read,
	[OP_SWEEP] = op_sweep,
	[OP_WRITE_SHARED] = op_write_shared,
	[OP_WRITE_PRIVATE] = op_write_private,
	[OP_MMAP] = op_mmap,
	[OP_MUNMAP] = op_munmap,
	[OP_MUNMAP_PART] = op_munmap_part,
	[OP_MREMAP] = op_mremap,
	[OP_MPROTECT] = op_mprotect,
	[OP_DONTNEED] = op_dontneed,
	[OP_FORK] = op_fork,
	[OP_FILL] = op_fill,
	[OP_INVALIDATE] = op_invalidate,
	[OP_SET_SIZE] = op_set_size,
	[OP_SET_ORDER] = op_set_order,
	[OP_SET_MODE] = op_set_mode,
	[OP_REOPEN] = op_reopen,
};

void stress_do_op(struct stress_thread *t)
{
	unsigned int total = 0, i;
	uint64_t r;

	for (i = 0; i < OP_NR; i++)
		total += stress_weights[i];
	r = stress_below(t, total);
	for (i = 0; r >= stress_weights[i]; i++)
		r -= stress_weights[i];
	if (stress_ops[i](t))
		t->ops[i]++;
	else
		t->skipped[i]++;
}

void stress_unmap_all(struct stress_thread *t)
{
	while (t->nmaps) {
		struct stress_map *m = &t->maps[t->nmaps - 1];

		if (munmap(m->addr, pages_bytes(t->s, m->npages)))
			stress_syscall_failed(t, "munmap", errno);
		stress_forget_map(t, m);
	}
}
