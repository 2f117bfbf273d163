// SPDX-License-Identifier: GPL-2.0
/*
 * pintest: pins, dirty tracking and the lockless residency walk.
 *
 *   busy			a pin holds its page through INVALIDATE, FILL
 *				and a shrink (EBUSY, or kept with the skip
 *				flag); what PIN_WRITE writes is seen by every
 *				mapping; after UNPIN the same calls succeed
 *   busy-private		a refused shrink keeps the private copy-on-write
 *				copies past the new end; one that succeeds
 *				drops them
 *   errors			PIN, UNPIN, PIN_WRITE, CLEAN and RESIDENCY
 *				refuse bad input with their errnos
 *   lost-update		pin a dirty page, CLEAN, write through the pin,
 *				UNPIN, CLEAN: exit 3 if the write was never
 *				reported dirty (the naive_clean bug)
 *   clean-race SECONDS		threads pin, write through the pin and unpin
 *				while a thread CLEANs in a loop and copies what
 *				it cleaned, as writeback would: no page is
 *				reported clean while a pin is held across the
 *				CLEAN, and the copy ends up equal to the data
 *   residency			RESIDENCY against /proc/self/pagemap after
 *				faults, INVALIDATE, large-order faults, dirty
 *				tracking and CLEAN, and on an anonymous THP
 *   residency-race SECONDS	RESIDENCY while threads fault and invalidate
 *   walk-munmap SECONDS	RESIDENCY of a 2 MiB range another thread
 *				maps read-only, read-touches in its first half
 *				and unmaps (freeing its page table): counts
 *				entries the walk could not have seen
 *
 * Each prints what it measured and exits 0 when the promise holds, 1 (with
 * what broke) when not.  Runs as root: pagemap PFNs and kpageflags need it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static long page_size;

/* ioctl() that must fail with @err. */
#define expect_errno(err, fd, cmd, arg) do {				\
	int _r = ioctl(fd, cmd, arg);					\
	expect(_r == -1 && errno == (err), "%s: %d (%s), want %s",	\
	       #cmd, _r, _r ? strerror(errno) : "success", strerror(err)); \
} while (0)

/* A region of @pages pages, with dirty tracking if @track. */
static int region(uint64_t pages, bool track)
{
	int fd = open_dev_flags(O_RDWR);

	set_value(fd, VMALOCK_IOC_SET_SIZE, pages * page_size, "SET_SIZE");
	if (track)
		set_value(fd, VMALOCK_IOC_SET_DIRTY_TRACKING, 1,
			  "SET_DIRTY_TRACKING");
	return fd;
}

static volatile uint64_t *map_at(int fd, void *hint, size_t pages,
				 size_t pgoff, int prot, int flags)
{
	void *p = mmap(hint, pages * page_size, prot, flags, fd,
		       pgoff * page_size);

	expect(p != MAP_FAILED, "mmap %zu pages at %zu: %s", pages, pgoff,
	       strerror(errno));
	return p;
}

static volatile uint64_t *map(int fd, size_t pages)
{
	return map_at(fd, NULL, pages, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
}

static volatile uint64_t *page_at(volatile uint64_t *base, size_t page)
{
	return base + page * page_size / sizeof(uint64_t);
}

static struct vmalock_user_range user_range(volatile void *addr,
					    size_t pages, uint64_t pattern)
{
	return (struct vmalock_user_range){
		.addr = (uintptr_t)addr,
		.length = pages * page_size,
		.pattern = pattern,
	};
}

static int pin(int fd, volatile void *addr, size_t pages)
{
	struct vmalock_user_range r = user_range(addr, pages, 0);

	return ioctl(fd, VMALOCK_IOC_PIN, &r) ? -errno : 0;
}

static void xpin(int fd, volatile void *addr, size_t pages)
{
	int err = pin(fd, addr, pages);

	expect(!err, "PIN: %s", strerror(-err));
}

static void xunpin(int fd, volatile void *addr, size_t pages)
{
	struct vmalock_user_range r = user_range(addr, pages, 0);

	xioctl(fd, VMALOCK_IOC_UNPIN, &r, "UNPIN");
}

static void pin_write(int fd, volatile void *addr, size_t pages,
		      uint64_t pattern)
{
	struct vmalock_user_range r = user_range(addr, pages, pattern);

	xioctl(fd, VMALOCK_IOC_PIN_WRITE, &r, "PIN_WRITE");
}

/* CLEAN pages [@page, @page + @pages); the bitmap goes to @bits if given. */
static struct vmalock_clean clean(int fd, size_t page, size_t pages,
				  unsigned long *bits)
{
	struct vmalock_clean c = {
		.offset = page * page_size,
		.length = pages * page_size,
		.bitmap = (uintptr_t)bits,
	};

	xioctl(fd, VMALOCK_IOC_CLEAN, &c, "CLEAN");
	return c;
}

static bool bit(const unsigned long *bits, size_t i)
{
	const size_t w = 8 * sizeof(long);

	return bits[i / w] >> (i % w) & 1;
}

static struct vmalock_range_ex range_ex(size_t page, size_t pages,
					uint64_t pattern, uint64_t flags)
{
	return (struct vmalock_range_ex){
		.offset = page * page_size,
		.length = pages * page_size,
		.pattern = pattern,
		.flags = flags,
	};
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- busy ------------------------------------------------------------- */

static int run_busy(void)
{
	const size_t n = 8;
	int fd = region(n, false);
	volatile uint64_t *a = map(fd, n), *b = map(fd, n);
	struct vmalock_range r = { .length = n * page_size };
	struct vmalock_range f = { .length = n * page_size, .pattern = 7 };
	struct vmalock_range_ex ex;
	struct vmalock_size_ex sz;
	size_t i;

	for (i = 0; i < n; i++)
		*page_at(a, i) = 100 + i;
	xpin(fd, page_at(a, 3), 1);

	/* The pinner's writes reach every mapping. */
	pin_write(fd, page_at(a, 3), 1, 0x5a5a);
	expect(*page_at(b, 3) == 0x5a5a && *page_at(a, 3) == 0x5a5a,
	       "PIN_WRITE not seen: %#llx %#llx",
	       (unsigned long long)*page_at(a, 3),
	       (unsigned long long)*page_at(b, 3));

	/* By default a pinned page fails the call and changes nothing. */
	expect_errno(EBUSY, fd, VMALOCK_IOC_INVALIDATE, &r);
	expect_errno(EBUSY, fd, VMALOCK_IOC_FILL, &f);
	ex = range_ex(0, n, 0, 0);
	expect_errno(EBUSY, fd, VMALOCK_IOC_INVALIDATE_EX, &ex);
	sz = (struct vmalock_size_ex){ .size = page_size };
	expect_errno(EBUSY, fd, VMALOCK_IOC_SET_SIZE_EX, &sz);
	for (i = 0; i < n; i++)
		expect(*page_at(b, i) == (i == 3 ? 0x5a5a : 100 + i),
		       "page %zu changed by a refused call: %#llx", i,
		       (unsigned long long)*page_at(b, i));

	/* With the skip flag the rest changes and the pinned page stays. */
	ex = range_ex(0, n, 0, VMALOCK_SKIP_PINNED);
	xioctl(fd, VMALOCK_IOC_INVALIDATE_EX, &ex, "INVALIDATE_EX skip");
	expect(ex.skipped == 1, "INVALIDATE_EX skipped %llu, want 1",
	       (unsigned long long)ex.skipped);
	for (i = 0; i < n; i++)
		expect(*page_at(a, i) == (i == 3 ? 0x5a5a : 0),
		       "after INVALIDATE_EX page %zu holds %#llx", i,
		       (unsigned long long)*page_at(a, i));
	ex = range_ex(0, n, 0x77, VMALOCK_SKIP_PINNED);
	xioctl(fd, VMALOCK_IOC_FILL_EX, &ex, "FILL_EX skip");
	expect(ex.skipped == 1, "FILL_EX skipped %llu", (unsigned long long)ex.skipped);
	for (i = 0; i < n; i++)
		expect(*page_at(b, i) == (i == 3 ? 0x5a5a : 0x77),
		       "after FILL_EX page %zu holds %#llx", i,
		       (unsigned long long)*page_at(b, i));
	/* Still the page the pin holds: a write through it is seen. */
	pin_write(fd, page_at(a, 3), 1, 0x6b6b);
	expect(*page_at(b, 3) == 0x6b6b, "PIN_WRITE after skip not seen");

	/* A shrink keeps it past the end; growing back shows it. */
	sz = (struct vmalock_size_ex){ .size = 2 * page_size,
				       .flags = VMALOCK_SKIP_PINNED };
	xioctl(fd, VMALOCK_IOC_SET_SIZE_EX, &sz, "SET_SIZE_EX skip");
	expect(sz.skipped == 1, "SET_SIZE_EX skipped %llu", (unsigned long long)sz.skipped);
	pin_write(fd, page_at(a, 3), 1, 0x7c7c);
	set_value(fd, VMALOCK_IOC_SET_SIZE, n * page_size, "SET_SIZE grow");
	expect(*page_at(b, 3) == 0x7c7c && *page_at(b, 2) == 0,
	       "after regrowing: page 3 %#llx, page 2 %#llx",
	       (unsigned long long)*page_at(b, 3),
	       (unsigned long long)*page_at(b, 2));

	/* Unpinned, the same calls succeed. */
	xunpin(fd, page_at(a, 3), 1);
	xioctl(fd, VMALOCK_IOC_INVALIDATE, &r, "INVALIDATE after UNPIN");
	expect(*page_at(a, 3) == 0, "page 3 survived INVALIDATE after UNPIN");
	ex = range_ex(0, n, 0x99, 0);
	xioctl(fd, VMALOCK_IOC_FILL_EX, &ex, "FILL_EX after UNPIN");
	expect(ex.skipped == 0 && *page_at(b, 3) == 0x99, "FILL_EX after UNPIN");

	/* Closing the file releases what it still pins. */
	xpin(fd, page_at(a, 0), 4);
	munmap((void *)a, n * page_size);
	munmap((void *)b, n * page_size);
	close(fd);
	printf("busy: ok\n");
	return 0;
}

/*
 * A refused shrink keeps the private copy-on-write copies past the new end;
 * a shrink that goes through drops them, as truncate does.
 */
static int run_busy_private(void)
{
	const size_t n = 8, cow = 5, pinned = 3;
	int fd = region(n, false);
	volatile uint64_t *a = map(fd, n);
	volatile uint64_t *p = map_at(fd, NULL, n, 0, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	struct vmalock_size_ex sz = { .size = 2 * page_size };
	struct vmalock_value v = { .value = 2 * page_size };

	*page_at(a, cow) = 0x1111;
	expect(*page_at(p, cow) == 0x1111, "private mapping misses page %zu",
	       cow);
	*page_at(p, cow) = 0xc0c0;	/* the copy only @p holds */
	xpin(fd, page_at(a, pinned), 1);

	expect_errno(EBUSY, fd, VMALOCK_IOC_SET_SIZE_EX, &sz);
	expect(*page_at(p, cow) == 0xc0c0,
	       "SET_SIZE_EX refused, yet the private copy reads %#llx",
	       (unsigned long long)*page_at(p, cow));
	expect_errno(EBUSY, fd, VMALOCK_IOC_SET_SIZE, &v);
	expect(*page_at(p, cow) == 0xc0c0,
	       "SET_SIZE refused, yet the private copy reads %#llx",
	       (unsigned long long)*page_at(p, cow));
	expect(*page_at(a, cow) == 0x1111, "shared page %zu changed", cow);

	xunpin(fd, page_at(a, pinned), 1);
	set_value(fd, VMALOCK_IOC_SET_SIZE, 2 * page_size, "SET_SIZE shrink");
	set_value(fd, VMALOCK_IOC_SET_SIZE, n * page_size, "SET_SIZE grow");
	expect(*page_at(p, cow) == 0,
	       "the private copy survived a shrink: %#llx",
	       (unsigned long long)*page_at(p, cow));
	munmap((void *)a, n * page_size);
	munmap((void *)p, n * page_size);
	close(fd);
	printf("busy-private: ok\n");
	return 0;
}

/* --- errors ------------------------------------------------------------ */

static int run_errors(void)
{
	const size_t n = 4;
	int fd = region(n, false), other = region(n, false);
	int ro = open_dev_flags(O_RDONLY);
	volatile uint64_t *a = map(fd, n), *o = map(other, n), *priv;
	struct vmalock_user_range u;
	struct vmalock_clean c;
	struct vmalock_residency res;
	struct vmalock_value v = { .value = 1 };
	struct vmalock_range_ex ex;
	uint8_t out[4];

	priv = map_at(fd, NULL, n, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	*a = 1;
	/* Not a shared mapping of this file. */
	expect(pin(fd, priv, 1) == -EINVAL, "PIN of a private mapping");
	expect(pin(fd, o, 1) == -EINVAL, "PIN of another file's mapping");
	expect(pin(fd, &u, 1) == -EINVAL, "PIN of the stack");
	expect(pin(fd, a, n + 1) == -EINVAL, "PIN past the mapping");
	expect(pin(fd, (char *)a + 8, 1) == -EINVAL, "PIN unaligned");
	expect(pin(fd, a, 0) == -EINVAL, "PIN of no page");
	u = user_range(a, 1, 5);
	expect_errno(EINVAL, fd, VMALOCK_IOC_PIN, &u);
	u = user_range(a, (VMALOCK_PIN_MAX_BYTES / page_size) + 1, 0);
	expect_errno(E2BIG, fd, VMALOCK_IOC_PIN, &u);
	u = user_range(a, 1, 0);
	expect_errno(ENOENT, fd, VMALOCK_IOC_UNPIN, &u);
	expect_errno(ENOENT, fd, VMALOCK_IOC_PIN_WRITE, &u);
	/* A file open read-only changes nothing. */
	expect_errno(EBADF, ro, VMALOCK_IOC_PIN, &u);
	expect_errno(EBADF, ro, VMALOCK_IOC_SET_DIRTY_TRACKING, &v);
	xpin(fd, a, 2);
	expect(pin(fd, page_at(a, 1), 2) == -EEXIST, "PIN twice");
	/* Tracking changes only while nothing maps the region. */
	expect_errno(EBUSY, fd, VMALOCK_IOC_SET_DIRTY_TRACKING, &v);
	v.value = 2;
	expect_errno(EINVAL, other, VMALOCK_IOC_SET_DIRTY_TRACKING, &v);
	ex = range_ex(0, 1, 0, 2);
	expect_errno(EINVAL, fd, VMALOCK_IOC_INVALIDATE_EX, &ex);
	xunpin(fd, a, 2);

	c = (struct vmalock_clean){ .offset = 0, .length = page_size, .flags = 1 };
	expect_errno(EINVAL, fd, VMALOCK_IOC_CLEAN, &c);
	c = (struct vmalock_clean){ .offset = 0, .length = page_size, .pad = 1 };
	expect_errno(EINVAL, fd, VMALOCK_IOC_CLEAN, &c);
	c = (struct vmalock_clean){ .offset = 1, .length = page_size };
	expect_errno(EINVAL, fd, VMALOCK_IOC_CLEAN, &c);
	c = (struct vmalock_clean){ .length = (n + 1) * page_size };
	expect_errno(EINVAL, fd, VMALOCK_IOC_CLEAN, &c);
	c = (struct vmalock_clean){ .length = page_size, .bitmap = 8 };
	expect_errno(EFAULT, fd, VMALOCK_IOC_CLEAN, &c);

	res = (struct vmalock_residency){ .addr = (uintptr_t)a + 1,
		.length = page_size, .out = (uintptr_t)out };
	expect_errno(EINVAL, ro, VMALOCK_IOC_RESIDENCY, &res);
	res.addr = (uintptr_t)a;
	res.length = 0;
	expect_errno(EINVAL, ro, VMALOCK_IOC_RESIDENCY, &res);
	res.length = VMALOCK_PIN_MAX_BYTES + page_size;
	expect_errno(E2BIG, ro, VMALOCK_IOC_RESIDENCY, &res);
	res.length = n * page_size;
	res.out = 8;
	expect_errno(EFAULT, ro, VMALOCK_IOC_RESIDENCY, &res);
	/* RESIDENCY reads only the caller's tables: a read-only fd will do. */
	res.out = (uintptr_t)out;
	xioctl(ro, VMALOCK_IOC_RESIDENCY, &res, "RESIDENCY");
	/* Page 0 written, page 1 faulted in by the PIN of two pages. */
	expect(res.present == 2 && out[0] & VMALOCK_RES_PRESENT,
	       "RESIDENCY: %llu present", (unsigned long long)res.present);
	close(ro);
	close(other);
	close(fd);
	printf("errors: ok\n");
	return 0;
}

/* --- lost-update -------------------------------------------------------- */

static int run_lost_update(void)
{
	int fd = region(2, true);
	volatile uint64_t *a = map(fd, 2);
	struct vmalock_clean first, second;

	*a = 1;			/* dirty: the write fault marks it */
	xpin(fd, a, 1);		/* a device may write it from now on */
	first = clean(fd, 0, 2, NULL);
	pin_write(fd, a, 1, 0xdead);	/* ... and does, after the CLEAN */
	xunpin(fd, a, 1);
	second = clean(fd, 0, 2, NULL);
	printf("lost-update: CLEAN while pinned: cleaned %llu, kept pinned %llu;"
	       " CLEAN after the write and UNPIN: cleaned %llu\n",
	       (unsigned long long)first.cleaned,
	       (unsigned long long)first.pinned,
	       (unsigned long long)second.cleaned);
	expect(*a == 0xdead, "the write through the pin is not in the page");
	close(fd);
	if (second.cleaned == 0) {
		printf("lost update: page 0 was written after CLEAN reported it clean, and no CLEAN reports it\n");
		return 3;
	}
	expect(first.cleaned == 0 && first.pinned == 1 && second.cleaned == 1,
	       "want cleaned 0, pinned 1, then cleaned 1");
	return 0;
}

/* --- clean-race ---------------------------------------------------------- */

#define RACE_PINNERS	2
#define RACE_PAGES	8	/* per pinner */
#define RACE_NPAGES	(RACE_PINNERS * RACE_PAGES)

struct race {
	int fd;
	volatile uint64_t *map;
	atomic_bool stop;
	/* Per page: odd while a pin is held (set after PIN, cleared before UNPIN). */
	atomic_ulong held[RACE_NPAGES];
	/* The last value written through a pin, and what writeback copied. */
	uint64_t written[RACE_NPAGES];
	uint64_t copied[RACE_NPAGES];
	unsigned long writes, cleans, cleaned, violations;
};

static void *pinner(void *arg)
{
	struct race *r = arg;
	static atomic_uint next_id;
	unsigned int id = atomic_fetch_add(&next_id, 1);
	uint64_t seq = 0;

	while (!atomic_load(&r->stop)) {
		size_t p = id * RACE_PAGES + seq % RACE_PAGES;
		volatile uint64_t *addr = page_at(r->map, p);
		uint64_t value = (uint64_t)(id + 1) << 48 | ++seq;

		xpin(r->fd, addr, 1);
		atomic_fetch_add(&r->held[p], 1);
		pin_write(r->fd, addr, 1, value);
		r->written[p] = value;
		/* Hold the pin across a CLEAN now and then. */
		if (seq % 4 == 0)
			usleep(200);
		atomic_fetch_add(&r->held[p], 1);
		xunpin(r->fd, addr, 1);
		atomic_fetch_add(&r->writes, 1);
	}
	return NULL;
}

/* One writeback pass: CLEAN, check, copy what was cleaned. */
static void writeback(struct race *r)
{
	unsigned long before[RACE_NPAGES], bits[1] = { 0 };
	struct vmalock_clean c;
	size_t p;

	for (p = 0; p < RACE_NPAGES; p++)
		before[p] = atomic_load(&r->held[p]);
	c = clean(r->fd, 0, RACE_NPAGES, bits);
	r->cleans++;
	r->cleaned += c.cleaned;
	for (p = 0; p < RACE_NPAGES; p++) {
		if (!bit(bits, p))
			continue;
		/* Held from before CLEAN began to after it ended. */
		if (before[p] % 2 && atomic_load(&r->held[p]) == before[p])
			r->violations++;
		r->copied[p] = *page_at(r->map, p);
	}
}

static int run_clean_race(double seconds)
{
	struct race *r = calloc(1, sizeof(*r));
	pthread_t t[RACE_PINNERS];
	unsigned long lost = 0;
	double end;
	size_t p;
	int i;

	expect(r, "calloc");
	r->fd = region(RACE_NPAGES, true);
	r->map = map(r->fd, RACE_NPAGES);
	for (i = 0; i < RACE_PINNERS; i++)
		expect(!pthread_create(&t[i], NULL, pinner, r), "pthread_create");
	end = now() + seconds;
	while (now() < end)
		writeback(r);
	atomic_store(&r->stop, true);
	for (i = 0; i < RACE_PINNERS; i++)
		pthread_join(t[i], NULL);
	/* Quiet now: the last pass must catch every write not yet copied. */
	writeback(r);
	for (p = 0; p < RACE_NPAGES; p++)
		if (r->copied[p] != r->written[p] ||
		    *page_at(r->map, p) != r->written[p])
			lost++;
	printf("clean-race: %lu writes through pins, %lu CLEANs cleaned %lu pages;"
	       " reported clean while pinned: %lu; lost updates: %lu of %d pages\n",
	       r->writes, r->cleans, r->cleaned, r->violations, lost,
	       RACE_NPAGES);
	close(r->fd);
	expect(r->writes > 0 && r->cleaned > 0, "the race did not run");
	return r->violations || lost ? 3 : 0;
}

/* --- residency ------------------------------------------------------------ */

static int pagemap_fd = -1, kpageflags_fd = -1;

static uint64_t pagemap_entry(const volatile void *addr)
{
	uint64_t e;
	off_t off = (uintptr_t)addr / page_size * sizeof(e);

	expect(pread(pagemap_fd, &e, sizeof(e), off) == sizeof(e),
	       "pagemap: %s", strerror(errno));
	return e;
}

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN		((1ULL << 55) - 1)
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t f;

	expect(pread(kpageflags_fd, &f, sizeof(f), pfn * sizeof(f)) == sizeof(f),
	       "kpageflags: %s", strerror(errno));
	return f;
}

/*
 * Compare RESIDENCY over @pages pages at @addr with pagemap: the same pages
 * present, and LARGE exactly where kpageflags says compound.  @want_set and
 * @want_clear: flags every present page must have, and must not have.
 */
static void compare(const char *state, int fd, volatile void *addr,
		    size_t pages, uint8_t want_set, uint8_t want_clear,
		    size_t want_present)
{
	uint8_t *out = malloc(pages);
	struct vmalock_residency r = {
		.addr = (uintptr_t)addr,
		.length = pages * page_size,
		.out = (uintptr_t)out,
	};
	size_t i;

	expect(out, "malloc");
	xioctl(fd, VMALOCK_IOC_RESIDENCY, &r, "RESIDENCY");
	for (i = 0; i < pages; i++) {
		const volatile char *va = (const volatile char *)addr + i * page_size;
		uint64_t pm = pagemap_entry(va);
		bool present = pm & PM_PRESENT;
		bool large = false;

		expect(present == !!(out[i] & VMALOCK_RES_PRESENT),
		       "%s: page %zu: pagemap says %spresent, RESIDENCY %#x",
		       state, i, present ? "" : "not ", out[i]);
		if (!present) {
			expect(!out[i], "%s: page %zu: flags %#x without PRESENT",
			       state, i, out[i]);
			continue;
		}
		if (pm & PM_PFN) {
			uint64_t kf = kpageflags(pm & PM_PFN);

			large = kf & (1ULL << KPF_COMPOUND_HEAD |
				      1ULL << KPF_COMPOUND_TAIL);
		}
		expect(large == !!(out[i] & VMALOCK_RES_LARGE),
		       "%s: page %zu: kpageflags says %slarge, RESIDENCY %#x",
		       state, i, large ? "" : "not ", out[i]);
		expect((out[i] & want_set) == want_set,
		       "%s: page %zu: flags %#x lack %#x", state, i, out[i], want_set);
		expect(!(out[i] & want_clear),
		       "%s: page %zu: flags %#x have %#x", state, i, out[i],
		       out[i] & want_clear);
	}
	expect(r.present == want_present,
	       "%s: %llu present, want %zu", state,
	       (unsigned long long)r.present, want_present);
	printf("residency: %-28s %3llu of %zu present: matches pagemap\n",
	       state, (unsigned long long)r.present, pages);
	free(out);
}

static void touch_read(volatile uint64_t *base, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		(void)*page_at(base, i);
}

static void touch_write(volatile uint64_t *base, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		*page_at(base, i) = i + 1;
}

/* Anonymous memory the kernel maps with one PMD: HUGE on every page. */
static void compare_thp(int fd)
{
	const size_t len = 4UL << 20, huge = 2UL << 20;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;
	char line[256];
	long anon_huge_kb = -1;
	FILE *smaps;
	bool in_range = false;

	expect(raw != MAP_FAILED, "mmap anon");
	p = (char *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	if (madvise(p, huge, MADV_HUGEPAGE))
		fail("MADV_HUGEPAGE: %s", strerror(errno));
	memset(p, 1, huge);
	smaps = fopen("/proc/self/smaps", "r");
	expect(smaps, "smaps");
	while (fgets(line, sizeof(line), smaps)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in_range = start <= (uintptr_t)p && (uintptr_t)p < end;
		else if (in_range && sscanf(line, "AnonHugePages: %ld kB", &anon_huge_kb) == 1)
			break;
	}
	fclose(smaps);
	if (anon_huge_kb < 2048) {
		printf("residency: anonymous THP: none (AnonHugePages %ld kB), not compared\n",
		       anon_huge_kb);
		munmap(raw, len);
		return;
	}
	compare("anonymous THP (PMD)", fd, p, huge / page_size,
		VMALOCK_RES_PRESENT | VMALOCK_RES_HUGE | VMALOCK_RES_LARGE |
		VMALOCK_RES_WRITE | VMALOCK_RES_DIRTY, 0, huge / page_size);
	munmap(raw, len);
}

static int run_residency(void)
{
	const size_t n = 64;
	const uint8_t wd = VMALOCK_RES_WRITE | VMALOCK_RES_DIRTY;
	int fd = region(n, false), tfd;
	volatile uint64_t *a;

	/* Order 0: a first touch maps its own page only. */
	set_value(fd, VMALOCK_IOC_SET_ORDER, 0, "SET_ORDER");
	struct vmalock_range r;
	struct vmalock_clean c;

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	expect(pagemap_fd >= 0 && kpageflags_fd >= 0, "pagemap, kpageflags: %s",
	       strerror(errno));
	a = map(fd, n);
	compare("fresh mapping", fd, a, n, 0, 0, 0);
	touch_write(a, 0, 8);
	compare("8 pages written", fd, a, 8, wd, VMALOCK_RES_HUGE, 8);
	r = (struct vmalock_range){ .offset = 2 * page_size, .length = 4 * page_size };
	xioctl(fd, VMALOCK_IOC_INVALIDATE, &r, "INVALIDATE");
	compare("4 of them invalidated", fd, a, 2, wd, 0, 2);
	compare("  the invalidated 4", fd, page_at(a, 2), 4, 0, 0, 0);
	/* A block of 2^4 pages: one fault maps all of it. */
	set_value(fd, VMALOCK_IOC_SET_ORDER, 4, "SET_ORDER");
	(void)*page_at(a, 40);
	compare("order-4 block faulted", fd, page_at(a, 32), 16,
		VMALOCK_RES_PRESENT, VMALOCK_RES_DIRTY | VMALOCK_RES_HUGE, 16);
	munmap((void *)a, n * page_size);
	close(fd);

	/* Dirty tracking: read-only until written, unmapped by CLEAN. */
	tfd = region(n, true);
	set_value(tfd, VMALOCK_IOC_SET_ORDER, 0, "SET_ORDER");
	a = map(tfd, n);
	touch_read(a, 0, 4);
	compare("tracking: 4 read", tfd, a, 4, 0, wd, 4);
	touch_write(a, 0, 2);
	compare("tracking: 2 of them written", tfd, a, 2, wd, 0, 2);
	compare("  the 2 only read", tfd, page_at(a, 2), 2, 0, wd, 2);
	c = clean(tfd, 0, n, NULL);
	expect(c.cleaned == 2, "CLEAN cleaned %llu, want 2",
	       (unsigned long long)c.cleaned);
	compare("tracking: after CLEAN", tfd, a, 2, 0, 0, 0);
	touch_write(a, 0, 1);
	c = clean(tfd, 0, n, NULL);
	expect(c.cleaned == 1, "CLEAN after a new write cleaned %llu, want 1",
	       (unsigned long long)c.cleaned);
	compare_thp(tfd);
	munmap((void *)a, n * page_size);
	close(tfd);
	return 0;
}

/* --- residency-race ------------------------------------------------------- */

struct churn {
	int fd;
	volatile uint64_t *map;
	size_t pages;
	atomic_bool stop;
	unsigned long rounds;
};

static void *faulter(void *arg)
{
	struct churn *c = arg;
	unsigned long i = 0;

	for (; !atomic_load(&c->stop); i++)
		*page_at(c->map, i % c->pages) = i;
	return NULL;
}

static void *invalidator(void *arg)
{
	struct churn *c = arg;
	struct vmalock_range r = { .length = c->pages * page_size };

	while (!atomic_load(&c->stop)) {
		xioctl(c->fd, VMALOCK_IOC_INVALIDATE, &r, "INVALIDATE");
		c->rounds++;
	}
	return NULL;
}

static int run_residency_race(double seconds)
{
	struct churn c = { .pages = 1024 };
	uint8_t *out = malloc(c.pages);
	pthread_t f, inv;
	unsigned long walks = 0, present = 0, bogus = 0;
	double end = now() + seconds;

	expect(out, "malloc");
	c.fd = region(c.pages, false);
	c.map = map(c.fd, c.pages);
	expect(!pthread_create(&f, NULL, faulter, &c) &&
	       !pthread_create(&inv, NULL, invalidator, &c), "pthread_create");
	while (now() < end) {
		struct vmalock_residency r = {
			.addr = (uintptr_t)c.map,
			.length = c.pages * page_size,
			.out = (uintptr_t)out,
		};
		size_t i;

		xioctl(c.fd, VMALOCK_IOC_RESIDENCY, &r, "RESIDENCY");
		walks++;
		present += r.present;
		/* Device pages are order-0 and PTE-mapped, never huge. */
		for (i = 0; i < c.pages; i++)
			if (out[i] & ~(VMALOCK_RES_PRESENT | VMALOCK_RES_WRITE |
				       VMALOCK_RES_DIRTY) ||
			    (out[i] && !(out[i] & VMALOCK_RES_PRESENT)))
				bogus++;
	}
	atomic_store(&c.stop, true);
	pthread_join(f, NULL);
	pthread_join(inv, NULL);
	printf("residency-race: %lu walks of %zu pages saw %lu present entries"
	       " beside %lu INVALIDATEs; impossible flags: %lu\n",
	       walks, c.pages, present, c.rounds, bogus);
	close(c.fd);
	free(out);
	expect(walks > 0 && c.rounds > 0, "the race did not run");
	return bogus ? 1 : 0;
}

/* --- walk-munmap ----------------------------------------------------------- */

#define WALK_SPAN	(2UL << 20)

struct munmapper {
	int fd;
	char *at;
	atomic_bool stop;
	unsigned long rounds;
};

/*
 * Map the span read-only at one 2 MiB-aligned address, read its first
 * half, unmap it: with no other mapping in the span, munmap frees its PTE
 * table and clears the PMD entry that pointed to it.
 */
static void *munmapper(void *arg)
{
	struct munmapper *m = arg;
	size_t pages = WALK_SPAN / page_size, i;

	while (!atomic_load(&m->stop)) {
		volatile uint64_t *p = mmap(m->at, WALK_SPAN, PROT_READ,
					    MAP_SHARED | MAP_FIXED_NOREPLACE,
					    m->fd, 0);

		expect((char *)p == m->at, "mmap at %p: %s", m->at, strerror(errno));
		for (i = 0; i < pages / 2; i++)
			(void)*page_at(p, i);
		munmap((void *)p, WALK_SPAN);
		m->rounds++;
	}
	return NULL;
}

static int run_walk_munmap(double seconds)
{
	struct munmapper m = { 0 };
	size_t pages = WALK_SPAN / page_size, i;
	uint8_t *out = malloc(pages);
	unsigned long walks = 0, walked_present = 0, bogus = 0;
	double end = now() + seconds;
	pthread_t t;
	char *raw;

	expect(out, "malloc");
	m.fd = region(pages, false);
	/*
	 * A free, 2 MiB-aligned span between two PROT_NONE reservations that
	 * never fault (so they have no page tables) and keep other mappings,
	 * such as a thread's stack, out of the span's page table.
	 */
	raw = mmap(NULL, 4 * WALK_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	expect(raw != MAP_FAILED, "mmap");
	m.at = (char *)(((uintptr_t)raw + 2 * WALK_SPAN - 1) & ~(WALK_SPAN - 1));
	munmap(m.at, WALK_SPAN);
	expect(!pthread_create(&t, NULL, munmapper, &m), "pthread_create");
	while (now() < end) {
		struct vmalock_residency r = {
			.addr = (uintptr_t)m.at,
			.length = WALK_SPAN,
			.out = (uintptr_t)out,
		};

		xioctl(m.fd, VMALOCK_IOC_RESIDENCY, &r, "RESIDENCY");
		walks++;
		walked_present += !!r.present;
		/*
		 * Only the first half is ever touched, only read, and only
		 * through a read-only mapping of order-0 pages.
		 */
		for (i = 0; i < pages; i++)
			if ((out[i] & ~VMALOCK_RES_PRESENT) ||
			    (out[i] && i >= pages / 2))
				bogus++;
	}
	atomic_store(&m.stop, true);
	pthread_join(t, NULL);
	printf("walk-munmap: %lu walks (%lu found the span mapped) beside %lu"
	       " mmap/munmap rounds; entries no walk could see: %lu\n",
	       walks, walked_present, m.rounds, bogus);
	close(m.fd);
	munmap(raw, 4 * WALK_SPAN);
	free(out);
	expect(walks > 0 && m.rounds > 0 && walked_present > 0,
	       "the race did not run");
	return bogus ? 3 : 0;
}

static double seconds_arg(int argc, char **argv)
{
	double s = argc > 2 ? atof(argv[2]) : 5;

	expect(s > 0, "bad SECONDS '%s'", argv[2]);
	return s;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "busy"))
		return run_busy();
	if (!strcmp(cmd, "busy-private"))
		return run_busy_private();
	if (!strcmp(cmd, "errors"))
		return run_errors();
	if (!strcmp(cmd, "lost-update"))
		return run_lost_update();
	if (!strcmp(cmd, "clean-race"))
		return run_clean_race(seconds_arg(argc, argv));
	if (!strcmp(cmd, "residency"))
		return run_residency();
	if (!strcmp(cmd, "residency-race"))
		return run_residency_race(seconds_arg(argc, argv));
	if (!strcmp(cmd, "walk-munmap"))
		return run_walk_munmap(seconds_arg(argc, argv));
	fprintf(stderr, "usage: pintest busy|busy-private|errors|lost-update|residency\n"
		"       pintest clean-race|residency-race|walk-munmap [SECONDS]\n");
	return 2;
}
