// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl fuzz: the seeded generator (see fuzz.h).  A thread's calls
 * come from its own splitmix64 state and never from what earlier calls
 * returned, so that a seed replays them: nothing here may look at a result.
 * Fields are drawn from the values where the module's checks flip.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

/* Offsets that stay in a region's first pages, where calls can succeed. */
#define FUZZ_LOW_PAGES		64
/* One VMALOCK_STATS_LOG in this many calls that could log. */
#define FUZZ_LOG_ONE_IN		64

/* What the generator picks from, and what a finding names the fields by. */
const struct fuzz_cmd_desc fuzz_cmds[FC_NR] = {
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
	[FC_INVALIDATE_EX] = { "INVALIDATE_EX", VMALOCK_IOC_INVALIDATE_EX, 2,
			       { "offset", "length", "pattern", "flags", "skipped" } },
	[FC_FILL_EX] = { "FILL_EX", VMALOCK_IOC_FILL_EX, 2,
			 { "offset", "length", "pattern", "flags", "skipped" } },
	[FC_SET_SIZE_EX] = { "SET_SIZE_EX", VMALOCK_IOC_SET_SIZE_EX, 1,
			     { "size", "flags", "skipped" } },
	[FC_SET_DIRTY_TRACKING] = { "SET_DIRTY_TRACKING",
				    VMALOCK_IOC_SET_DIRTY_TRACKING, 1, { "value" } },
	[FC_PIN] = { "PIN", VMALOCK_IOC_PIN, 3, { "addr", "length", "pattern" } },
	[FC_UNPIN] = { "UNPIN", VMALOCK_IOC_UNPIN, 2,
		       { "addr", "length", "pattern" } },
	[FC_PIN_WRITE] = { "PIN_WRITE", VMALOCK_IOC_PIN_WRITE, 2,
			   { "addr", "length", "pattern" } },
	[FC_CLEAN] = { "CLEAN", VMALOCK_IOC_CLEAN, 2,
		       { "offset", "length", "bitmap", "cleaned", "pinned",
			 "flags_pad" } },
	[FC_RESIDENCY] = { "RESIDENCY", VMALOCK_IOC_RESIDENCY, 2,
			   { "addr", "length", "out", "present" } },
};

/* The finaliser of splitmix64: also what the sequence hash folds with. */
uint64_t fuzz_mix(uint64_t z)
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
	if (c->cmd == FC_FILL || c->cmd == FC_FILL_EX) {
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

/* The flags of the _EX writers: mostly valid, and the next bits. */
static uint64_t gen_ex_flags(struct fuzz_gen *g)
{
	static const uint64_t flags[] = {
		0, 0, VMALOCK_SKIP_PINNED, VMALOCK_SKIP_PINNED, 2, 1ULL << 63,
	};

	return gen_percent(g, 10) ? gen_next(g) :
	       gen_pick(g, flags, ARRAY_SIZE(flags));
}

/*
 * A user range: mostly pages of one of the thread's windows (their address
 * is known only when the call is made), else the edges of the address
 * space and of the longest range the module takes.
 */
static void gen_user_range(struct fuzz_gen *g, struct fuzz_call *c)
{
	uint64_t ps = g->page_size;
	const uint64_t addrs[] = {
		0, 1, ps, ps - 1, (1ULL << 47) - ps, 1ULL << 47,
		(1ULL << 56) - ps, 1ULL << 63, UINT64_MAX - (ps - 1),
	};
	const uint64_t lengths[] = {
		0, 1, ps - 1, VMALOCK_PIN_MAX_BYTES, VMALOCK_PIN_MAX_BYTES + ps,
		1ULL << 47, UINT64_MAX - (ps - 1),
	};

	c->win = (unsigned int)gen_below(g, FUZZ_WINDOWS);
	c->user_win = gen_percent(g, 75);
	if (c->user_win)
		c->f[0] = gen_below(g, FUZZ_WINDOW_PAGES + 1);
	else
		c->f[0] = gen_pick(g, addrs, ARRAY_SIZE(addrs));
	if (gen_percent(g, 80))
		c->f[1] = (gen_below(g, FUZZ_WINDOW_PAGES) + 1) * ps;
	else
		c->f[1] = gen_pick(g, lengths, ARRAY_SIZE(lengths));
	if (c->cmd == FC_PIN_WRITE)
		c->f[2] = gen_next(g);
	else if (c->cmd != FC_RESIDENCY)
		c->f[2] = gen_percent(g, 85) ? 0 : gen_next(g);
}

/*
 * Where CLEAN's bitmap or RESIDENCY's output goes: the thread's STATS page
 * (a page or more) when the range is short enough for it, or nowhere.
 */
static void gen_out_kind(struct fuzz_gen *g, struct fuzz_call *c,
			 uint64_t len)
{
	static const enum fuzz_ptr kinds[] = {
		PTR_ARG, PTR_ARG, PTR_ARG, PTR_NULL, PTR_UNMAPPED, PTR_KERNEL,
	};

	c->addr_kind = kinds[gen_below(g, ARRAY_SIZE(kinds))];
	c->addr_cut = (unsigned int)gen_below(g, 4);
	if (c->addr_kind == PTR_ARG && len > FUZZ_LOW_PAGES * g->page_size)
		c->addr_kind = PTR_NULL;
}

static void gen_clean(struct fuzz_gen *g, struct fuzz_call *c)
{
	gen_range(g, c);
	gen_out_kind(g, c, c->f[1]);
	c->f[3] = gen_next(g);
	c->f[4] = gen_next(g);
	c->f[5] = gen_percent(g, 85) ? 0 : gen_percent(g, 50) ? 1 : 1ULL << 32;
}

static void gen_fields(struct fuzz_gen *g, struct fuzz_call *c)
{
	switch (c->cmd) {
	case FC_INVALIDATE_EX:
	case FC_FILL_EX:
		gen_range(g, c);
		c->f[3] = gen_ex_flags(g);
		c->f[4] = gen_next(g);
		break;
	case FC_SET_SIZE_EX:
		c->f[0] = gen_bytes(g);
		c->f[1] = gen_ex_flags(g);
		c->f[2] = gen_next(g);
		break;
	case FC_SET_DIRTY_TRACKING:
		c->f[0] = gen_small_value(g, 2);
		break;
	case FC_PIN:
	case FC_UNPIN:
	case FC_PIN_WRITE:
		gen_user_range(g, c);
		break;
	case FC_CLEAN:
		gen_clean(g, c);
		break;
	case FC_RESIDENCY:
		gen_user_range(g, c);
		gen_out_kind(g, c, c->f[1]);
		c->f[3] = gen_next(g);
		break;
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

size_t fuzz_arg_size(enum fuzz_cmd_id cmd)
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
void fuzz_generate(struct fuzz_gen *g, struct fuzz_call *c)
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

uint64_t fuzz_hash_call(uint64_t h, const struct fuzz_call *c)
{
	const uint64_t v[] = {
		c->op, c->slot, c->cmd, c->request, c->ptr, c->addr_kind,
		c->cut, c->addr_cut, c->f[0], c->f[1], c->f[2], c->f[3],
		c->f[4], c->f[5], c->user_win, c->win, c->pgoff, c->pages, c->private_map, c->write,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		h = fuzz_mix(h ^ v[i]) + i;
	return h;
}
