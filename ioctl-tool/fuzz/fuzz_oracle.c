// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl fuzz: the oracle (see fuzz.h).  For each call, the set of
 * results uapi/vmalock.h documents, following the order of the module's
 * checks, widened where an open, close or resize raced with the call; and
 * the finding, one line with what replays it, when a result falls outside.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

/* The steps' names: in a finding, and the report's classes. */
const char *const fuzz_op_names[OP_NR] = {
	"open", "close", "mmap", "munmap", "touch", "valid", "pointer",
	"number",
};

static const char *const fuzz_ptr_names[PTR_NR] = {
	"arg", "unaligned", "null", "unmapped", "low", "kernel", "straddle",
	"readonly", "window",
};

static const int fuzz_result_errno[FR_NR] = {
	0, EBADF, EFAULT, EINVAL, ENOTTY, E2BIG, ENOMEM, EINTR, EBUSY, EEXIST,
	ENOENT, ENOSPC,
};

bool fuzz_allows(unsigned int allowed, int err)
{
	unsigned int i;

	for (i = 0; i < FR_NR; i++)
		if ((allowed & (1u << i)) && fuzz_result_errno[i] == err)
			return true;
	return false;
}

const char *fuzz_errno_name(int err, char *buf, size_t len)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	if (name)
		return name;
	snprintf(buf, len, "errno %d", err);
	return buf;
}

bool fuzz_size_valid(const struct fuzz *fz, uint64_t bytes)
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
 * The range {f[0], f[1]} of a region: its form, then the region's end
 * (unknown: either side).  Returns whether the call may get past these
 * checks, with in *@a what they alone allow.
 */
static bool fuzz_region_range(const struct fuzz *fz, const struct fuzz_call *c,
			      uint64_t size, unsigned int *a)
{
	uint64_t off = c->f[0], len = c->f[1], end;

	*a = A(EINVAL);
	if (!len || off % fz->page_size || len % fz->page_size ||
	    __builtin_add_overflow(off, len, &end) || end > FUZZ_TIB)
		return false;
	if (size != FUZZ_SIZE_UNKNOWN && end > size)
		return false;
	if (size != FUZZ_SIZE_UNKNOWN)
		*a = 0;
	return true;
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
	uint64_t len = c->f[1];
	unsigned int a;

	if (!fuzz_region_range(fz, c, size, &a))
		return a;
	/* EBUSY: a page in the range is pinned (PIN, by any thread). */
	if (c->cmd == FC_FILL || c->cmd == FC_FILL_EX)
		return a | (len > VMALOCK_FILL_MAX_BYTES ? A(E2BIG) :
			    A(OK) | A(ENOMEM) | A(EINTR) | A(EBUSY));
	return a | (c->f[2] ? A(EINVAL) : A(OK) | A(EINTR) | A(EBUSY));
}

/* The flags of INVALIDATE_EX, FILL_EX (f[3]) and SET_SIZE_EX (f[1]). */
static bool fuzz_ex_flags_valid(uint64_t flags)
{
	return !(flags & ~VMALOCK_SKIP_PINNED);
}

/*
 * A user range of PIN, UNPIN, PIN_WRITE and RESIDENCY: page-aligned, not
 * empty, below TASK_SIZE, at most VMALOCK_PIN_MAX_BYTES.  TASK_SIZE is
 * 2^47 or, with 5-level page tables, 2^56, less a page: between the two,
 * either.  Returns the results of the checks alone, and in *@go whether
 * the call may get past them.
 */
static unsigned int fuzz_allowed_user_range(const struct fuzz *fz,
					    const struct fuzz_call *c,
					    bool *go)
{
	uint64_t addr = c->f[0], len = c->f[1], end, ps = fz->page_size;
	unsigned int a = 0;

	*go = false;
	if (!len || addr % ps || len % ps ||
	    __builtin_add_overflow(addr, len, &end) || end > (1ULL << 56) - ps)
		return A(EINVAL);
	if (end > (1ULL << 47) - ps)
		a = A(EINVAL);
	if (len > VMALOCK_PIN_MAX_BYTES)
		return a | A(E2BIG);
	*go = true;
	return a;
}

static unsigned int fuzz_allowed_pin(const struct fuzz *fz,
				     const struct fuzz_call *c)
{
	bool go;
	unsigned int a = fuzz_allowed_user_range(fz, c, &go);

	if (!go)
		return a;
	if (c->cmd == FC_RESIDENCY)
		return a | (c->addr_kind == PTR_ARG ? A(OK) | A(EINTR) :
			    A(EFAULT) | A(EINTR));
	if (c->f[2] && c->cmd != FC_PIN_WRITE)
		return a | A(EINVAL);
	if (c->cmd != FC_PIN)	/* UNPIN, PIN_WRITE: this file's pins */
		return a | A(OK) | A(ENOENT) | A(EINTR);
	/*
	 * EINVAL: not one shared mapping of this file; EFAULT: pages that
	 * cannot be pinned (past the region's end) or that changed.
	 */
	return a | A(OK) | A(EINVAL) | A(EEXIST) | A(ENOSPC) | A(EFAULT) |
	       A(ENOMEM) | A(EINTR);
}

/* CLEAN: flags and pad, the range's form and end, its length, the bitmap. */
static unsigned int fuzz_allowed_clean(const struct fuzz *fz,
				       const struct fuzz_call *c,
				       uint64_t size)
{
	uint64_t len = c->f[1];
	unsigned int a;

	if (c->f[5])
		return A(EINVAL);
	if (!fuzz_region_range(fz, c, size, &a))
		return a;
	if (len > VMALOCK_PIN_MAX_BYTES)
		return a | A(E2BIG);
	a |= A(EINTR) | A(ENOMEM);
	if (c->addr_kind == PTR_NULL)	/* no bitmap wanted */
		return a | A(OK);
	return a | (c->addr_kind == PTR_ARG ? A(OK) : A(EFAULT));
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
	case FC_SET_SIZE:	/* EBUSY: a pinned page past the new end */
		return fuzz_size_valid(fz, c->f[0]) ?
		       A(OK) | A(EINTR) | A(EBUSY) : A(EINVAL);
	case FC_INVALIDATE_EX:
	case FC_FILL_EX:
		if (!fuzz_ex_flags_valid(c->f[3]))
			return A(EINVAL);
		return fuzz_allowed_range(fz, c, size);
	case FC_SET_SIZE_EX:
		if (!fuzz_ex_flags_valid(c->f[1]) || !fuzz_size_valid(fz, c->f[0]))
			return A(EINVAL);
		return A(OK) | A(EINTR) | A(EBUSY);
	case FC_SET_DIRTY_TRACKING:	/* EBUSY: the region is mapped */
		return c->f[0] <= 1 ? A(OK) | A(EBUSY) | A(EINTR) : A(EINVAL);
	case FC_PIN:
	case FC_UNPIN:
	case FC_PIN_WRITE:
	case FC_RESIDENCY:
		return fuzz_allowed_pin(fz, c);
	case FC_CLEAN:
		return fuzz_allowed_clean(fz, c, size);
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
		if (c->cmd >= FC_INVALIDATE_EX) {
			/* Fails as it would, or does it and cannot say so. */
			unsigned int a = fuzz_allowed_cmd(fz, c, size);

			return a & A(OK) ? (a & ~A(OK)) | A(EFAULT) : a;
		}
		return A(EFAULT);
	case PTR_WINDOW:
		return A(OK) | A(EFAULT);
	default:
		return A(EFAULT);
	}
}

/* The results @c may have, given what was known of its slot (@x). */
unsigned int fuzz_allowed(const struct fuzz *fz, const struct fuzz_call *c,
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
void fuzz_finding(struct fuzz_thread *t, const struct fuzz_call *c,
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

/* A result outside @allowed is a finding. */
void fuzz_judge_result(struct fuzz_thread *t, const struct fuzz_call *c,
		       const struct fuzz_ctx *x, unsigned int allowed, int err)
{
	char what[160], set[96], tmp[32];

	if (fuzz_allows(allowed, err))
		return;
	fuzz_describe_set(allowed, set, sizeof(set));
	snprintf(what, sizeof(what), "got %s, allowed {%s}",
		 fuzz_errno_name(err, tmp, sizeof(tmp)), set);
	fuzz_finding(t, c, x, what);
}
