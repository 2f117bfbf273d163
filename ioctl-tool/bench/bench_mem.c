// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the memory one sample sweeps, made ready so that the
 * sweep takes exactly the faults it times and no others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

#define BENCH_ALIGN		(2UL << 20)	/* a PMD: THP and fault-around line up */

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* A 2 MiB-aligned mapping of @len bytes of @fd (or anonymous memory). */
static unsigned char *map_aligned(size_t len, int flags, int fd)
{
	size_t span = len + BENCH_ALIGN;
	unsigned char *r, *p;

	r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	p = (unsigned char *)(((uintptr_t)r + BENCH_ALIGN - 1) &
			      ~(BENCH_ALIGN - 1));
	if (mmap(p, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		munmap(r, span);
		return NULL;
	}
	if (p > r)
		munmap(r, p - r);
	if (r + span > p + len)
		munmap(p + len, r + span - (p + len));
	return p;
}

static void touch_all(unsigned char *p, size_t pages)
{
	size_t i;

	for (i = 0; i < pages; i++)
		p[i * page_size()] = 1;
}

static int vmalock_prepare(const struct bench_cfg *cfg, size_t len,
			   struct bench_mem *mem)
{
	struct vmalock_version ver;

	mem->fd = vmalock_open(O_RDWR, &ver);
	if (mem->fd < 0)
		return -1;
	/* Room for the writer load past the sweep: see bench_load.c. */
	if (region_set_value(mem->fd, VMALOCK_IOC_SET_SIZE, "SET_SIZE",
			     len + BENCH_WRITER_BYTES,
			     "--pages beyond region_max_mb?") ||
	    region_set_value(mem->fd, VMALOCK_IOC_SET_MODE, "SET_MODE",
			     cfg->mode, "unknown mode") ||
	    region_set_value(mem->fd, VMALOCK_IOC_SET_ORDER, "SET_ORDER",
			     cfg->order, "order beyond the module's maximum"))
		return -1;
	return 0;
}

int bench_mem_prepare(const struct bench_cfg *cfg, enum bench_path path,
		      size_t pages, struct bench_mem *mem)
{
	size_t len = pages * page_size();
	int flags = MAP_SHARED;

	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	mem->pages = pages;
	mem->pages_per_fault = 1;
	mem->minflt_per_fault = 1;
	mem->write = path != BENCH_REFAULT;

	switch (cfg->kind) {
	case BENCH_VMALOCK:
		if (vmalock_prepare(cfg, len, mem))
			goto fail;
		if (path == BENCH_FIRST)
			mem->pages_per_fault = 1UL << cfg->order;
		/* A re-fault maps the window around it: see bench_row_knobs(). */
		if (path == BENCH_REFAULT &&
		    bench_knob_get(BENCH_KNOB_FAULT_AROUND_PAGES) > 1)
			mem->pages_per_fault =
				bench_knob_get(BENCH_KNOB_FAULT_AROUND_PAGES);
		break;
	case BENCH_MEMFD:
		mem->fd = memfd_create("vmalock-bench", MFD_CLOEXEC);
		if (mem->fd < 0 || ftruncate(mem->fd, len)) {
			err_msg("memfd of %zu bytes: %s", len, strerror(errno));
			goto fail;
		}
		if (path == BENCH_REFAULT && cfg->fault_around)
			mem->pages_per_fault = BENCH_FAULT_AROUND / page_size();
		break;
	case BENCH_UFFD:
	case BENCH_ANON:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		if (cfg->thp)
			mem->pages_per_fault = BENCH_ALIGN / page_size();
		break;
	}

	/* Re-fault and COW sweep pages that exist: make them first. */
	if (path != BENCH_FIRST) {
		unsigned char *s = map_aligned(len, MAP_SHARED, mem->fd);

		if (!s) {
			err_msg("mmap %zu bytes: %s", len, strerror(errno));
			goto fail;
		}
		touch_all(s, pages);
		if (path == BENCH_REFAULT) {
			/* The sweep's own mapping: released on failure too. */
			mem->map = s;
			if (madvise(s, len, MADV_DONTNEED)) {
				err_msg("MADV_DONTNEED: %s", strerror(errno));
				goto fail;
			}
			return 0;
		}
		munmap(s, len);
		flags = MAP_PRIVATE;
	}

	mem->map = map_aligned(len, flags, mem->fd);
	if (!mem->map) {
		err_msg("mmap %zu bytes: %s", len, strerror(errno));
		goto fail;
	}
	if ((cfg->kind == BENCH_ANON || cfg->kind == BENCH_UFFD) &&
	    madvise(mem->map, len, cfg->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		err_msg("madvise(%s): %s", cfg->thp ? "MADV_HUGEPAGE" :
			"MADV_NOHUGEPAGE", strerror(errno));
		goto fail;
	}
	if (cfg->kind == BENCH_UFFD && bench_uffd_start(mem, len))
		goto fail;
	return 0;
fail:
	bench_mem_release(mem);
	return -1;
}

void bench_mem_release(struct bench_mem *mem)
{
	bench_uffd_stop(mem);
	if (mem->map)
		munmap(mem->map, mem->pages * page_size());
	if (mem->fd >= 0)
		close(mem->fd);
	mem->map = NULL;
	mem->fd = -1;
}
