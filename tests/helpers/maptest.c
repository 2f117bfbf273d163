// SPDX-License-Identifier: GPL-2.0
/*
 * maptest: mapping semantics of /dev/vmalock, one scenario per command.
 * Each command exits 0 when the behaviour holds and 1, naming what differed,
 * when it does not.  The bats suites call it; it never needs arguments
 * beyond the scenario's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmalock.h"

#define DEV "/dev/vmalock"

static long page_size;

#define fail(...) do {							\
	fprintf(stderr, "maptest: %s:%d: ", __func__, __LINE__);	\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define expect_eq(what, got, want) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	if (g_ != w_)							\
		fail("%s: got %#llx, want %#llx", what, g_, w_);	\
} while (0)

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail("open %s: %s", DEV, strerror(errno));
	return fd;
}

static uint64_t *map(int fd, size_t pages, off_t pgoff, int flags)
{
	void *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, flags,
		       fd, pgoff * page_size);

	if (p == MAP_FAILED)
		fail("mmap %zu pages at %lld: %s", pages, (long long)pgoff,
		     strerror(errno));
	return p;
}

static uint64_t *word(uint64_t *base, size_t page)
{
	return base + page * (page_size / sizeof(uint64_t));
}

/* Fresh pages read as zero, in every word of every page. */
static int zero_fill(const char *arg)
{
	int fd = open_dev();
	uint64_t *m = map(fd, 8, 0, MAP_SHARED);
	size_t i, words = 8 * page_size / sizeof(uint64_t);

	for (i = 0; i < words; i++)
		if (m[i])
			fail("word %zu of a fresh region is %#llx", i,
			     (unsigned long long)m[i]);
	return 0;
}

/* A write through one shared mapping is seen through another of the file. */
static int shared_visible(const char *arg)
{
	int fd = open_dev();
	uint64_t *a = map(fd, 4, 0, MAP_SHARED);
	uint64_t *b = map(fd, 4, 0, MAP_SHARED);
	uint64_t *c = map(fd, 2, 2, MAP_SHARED);	/* offset mapping */

	*word(a, 3) = 0x1111;
	expect_eq("b sees a's write", *word(b, 3), 0x1111);
	expect_eq("offset mapping sees a's write", *word(c, 1), 0x1111);
	*word(c, 0) = 0x2222;
	expect_eq("a sees c's write", *word(a, 2), 0x2222);
	return 0;
}

/* Two opens are two regions: writes to one are not seen in the other. */
static int independent_opens(const char *arg)
{
	uint64_t *a = map(open_dev(), 1, 0, MAP_SHARED);
	uint64_t *b = map(open_dev(), 1, 0, MAP_SHARED);

	*a = 0x3333;
	expect_eq("other region untouched", *b, 0);
	return 0;
}

/* Data survives unmap and remap of the same open file. */
static int remap_survives(const char *arg)
{
	int fd = open_dev();
	uint64_t *a = map(fd, 4, 0, MAP_SHARED);

	*word(a, 1) = 0x4444;
	if (munmap(a, 4 * page_size))
		fail("munmap: %s", strerror(errno));
	a = map(fd, 4, 0, MAP_SHARED);
	expect_eq("after remap", *word(a, 1), 0x4444);
	return 0;
}

/*
 * MAP_PRIVATE reads the region's data; its writes stay private, and later
 * shared writes to pages it has not copied show through.
 */
static int private_cow(const char *arg)
{
	int fd = open_dev();
	uint64_t *s = map(fd, 2, 0, MAP_SHARED);
	uint64_t *p = map(fd, 2, 0, MAP_PRIVATE);

	*word(s, 0) = 0x5555;
	expect_eq("private reads shared data", *word(p, 0), 0x5555);
	*word(p, 0) = 0x6666;
	expect_eq("private sees own write", *word(p, 0), 0x6666);
	expect_eq("shared unaffected by private write", *word(s, 0), 0x5555);
	*word(s, 1) = 0x7777;
	expect_eq("uncopied private page follows region", *word(p, 1), 0x7777);
	*word(s, 0) = 0x8888;
	expect_eq("copied private page keeps own data", *word(p, 0), 0x6666);

	/* A first touch that is a write copies a zero page. */
	p = map(fd, 1, 4, MAP_PRIVATE);
	*p = 0x9999;
	s = map(fd, 1, 4, MAP_SHARED);
	expect_eq("region untouched by private first write", *s, 0);
	return 0;
}

static void wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("child failed (status %#x)", status);
}

/* Parent and child share a MAP_SHARED mapping both ways. */
static int fork_shared(const char *arg)
{
	uint64_t *m = map(open_dev(), 2, 0, MAP_SHARED);
	pid_t pid;

	*word(m, 0) = 0xaaaa;
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		expect_eq("child sees parent's write", *word(m, 0), 0xaaaa);
		*word(m, 1) = 0xbbbb;	/* first touch in the child */
		_exit(0);
	}
	wait_child(pid);
	expect_eq("parent sees child's write", *word(m, 1), 0xbbbb);
	return 0;
}

/* A child's writes to a MAP_PRIVATE mapping stay in the child. */
static int fork_private(const char *arg)
{
	int fd = open_dev();
	uint64_t *p = map(fd, 1, 0, MAP_PRIVATE);
	uint64_t *s = map(fd, 1, 0, MAP_SHARED);
	pid_t pid;

	*s = 0xcccc;
	expect_eq("private reads region", *p, 0xcccc);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		*p = 0xdddd;
		expect_eq("child sees own private write", *p, 0xdddd);
		_exit(0);
	}
	wait_child(pid);
	expect_eq("parent's private mapping", *p, 0xcccc);
	expect_eq("region", *s, 0xcccc);
	return 0;
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

/* A fault at or past the end of the region gets SIGBUS; inside it does not. */
static int sigbus_past_end(const char *arg)
{
	int fd = open_dev();
	struct vmalock_version ver;
	size_t pages;
	volatile uint64_t *m;

	if (ioctl(fd, VMALOCK_IOC_VERSION, &ver))
		fail("VERSION: %s", strerror(errno));
	pages = ver.region_bytes / page_size;
	/* Map the last page of the region and the one after it. */
	m = map(fd, 2, pages - 1, MAP_SHARED);
	signal(SIGBUS, on_sigbus);
	m[0] = 1;
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		(void)m[page_size / sizeof(uint64_t)];	/* volatile read */
		fail("no SIGBUS reading page %zu of a %zu-page region", pages,
		     pages);
	}
	return 0;
}

/*
 * A shrink zaps private copy-on-write copies past the new end too, as
 * truncate does: a private mapping raises SIGBUS there, like a shared one.
 * (Before, the copies stayed readable and writable.)
 */
static int cow_past_end(const char *unused)
{
	int fd = open_dev();
	struct vmalock_value v = { .value = 4 * page_size };
	volatile uint64_t *priv = map(fd, 8, 0, MAP_PRIVATE);
	size_t i;

	for (i = 0; i < 8; i++)		/* a private copy of every page */
		priv[i * (page_size / sizeof(uint64_t))] = 0xc0 + i;
	if (ioctl(fd, VMALOCK_IOC_SET_SIZE, &v))
		fail("SET_SIZE: %s", strerror(errno));
	signal(SIGBUS, on_sigbus);
	for (i = 0; i < 8; i++) {
		volatile uint64_t *w = priv + i * (page_size / sizeof(uint64_t));

		if (sigsetjmp(sigbus_jmp, 1) == 0) {
			uint64_t got = *w;

			if (i >= 4)
				fail("page %zu past the new end of 4 still reads %#llx from its private copy",
				     i, (unsigned long long)got);
			expect_eq("private copy inside the region", got, 0xc0 + i);
		} else if (i < 4) {
			fail("SIGBUS at page %zu, inside the region", i);
		}
	}
	printf("cow-past-end: pages 4..7 raise SIGBUS, copies of 0..3 kept\n");
	return 0;
}

/*
 * With every order-0 allocation failing (inject_fail_order=0,
 * inject_fail_every=1), a fault ends in VM_FAULT_OOM, as in a real driver
 * out of memory.  The kernel then fails its own accesses: copy_from_user
 * (write from the mapping) with EFAULT, MADV_POPULATE_READ with ENOMEM,
 * /proc/PID/mem with EIO.  A user access is retried until memory turns up
 * or the task dies: here, of its alarm.
 */
static int oom_access(const char *unused)
{
	int fd = open_dev(), pipefd[2], memfd, status;
	uint64_t *m = map(fd, 1, 0, MAP_SHARED);
	char buf[64];
	pid_t pid;

	if (pipe(pipefd))
		fail("pipe: %s", strerror(errno));
	errno = 0;
	expect_eq("write(pipe) from the mapping", write(pipefd[1], m, 64), -1);
	expect_eq("write(pipe) errno (EFAULT)", errno, EFAULT);

	errno = 0;
	expect_eq("MADV_POPULATE_READ", madvise(m, page_size, MADV_POPULATE_READ),
		  -1);
	expect_eq("MADV_POPULATE_READ errno (ENOMEM)", errno, ENOMEM);

	memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		fail("open /proc/self/mem: %s", strerror(errno));
	errno = 0;
	expect_eq("pread(/proc/self/mem)",
		  pread(memfd, buf, sizeof(buf), (off_t)(uintptr_t)m), -1);
	expect_eq("pread(/proc/self/mem) errno (EIO)", errno, EIO);

	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		alarm(1);
		(void)*(volatile uint64_t *)m;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGALRM)
		fail("a user read of a page that cannot be allocated: want death by SIGALRM while the fault is retried, got status %#x",
		     status);
	return 0;
}

/* The ABI's error contract for malformed requests. */
static int ioctl_errors(const char *unused)
{
	int fd = open_dev();
	struct vmalock_stats_arg arg = { 0 };
	uint64_t vals[2];

	errno = 0;
	expect_eq("unknown command", ioctl(fd, _IO(VMALOCK_IOC_MAGIC, 0x7f)), -1);
	expect_eq("unknown command errno", errno, ENOTTY);
	expect_eq("foreign magic", ioctl(fd, _IOR('x', 0, uint64_t), vals), -1);
	expect_eq("foreign magic errno", errno, ENOTTY);

	expect_eq("VERSION to NULL", ioctl(fd, VMALOCK_IOC_VERSION, NULL), -1);
	expect_eq("VERSION to NULL errno", errno, EFAULT);

	arg.flags = 1ULL << 63;
	expect_eq("unknown stats flag", ioctl(fd, VMALOCK_IOC_STATS, &arg), -1);
	expect_eq("unknown stats flag errno", errno, EINVAL);
	arg.flags = 0;
	arg.pad = 1;
	expect_eq("stats pad", ioctl(fd, VMALOCK_IOC_STATS, &arg), -1);
	expect_eq("stats pad errno", errno, EINVAL);
	arg.pad = 0;
	arg.addr = 8;	/* unmapped */
	arg.count = 2;
	expect_eq("stats to bad address", ioctl(fd, VMALOCK_IOC_STATS, &arg), -1);
	expect_eq("stats to bad address errno", errno, EFAULT);

	/* Region commands: out-of-range values and reserved fields. */
	{
		struct vmalock_value v = { .value = VMALOCK_MODE_NR };
		struct vmalock_delay d = { .point = VMALOCK_DELAY_NR };
		struct vmalock_range r = { .offset = 0, .length = 4096,
					   .pattern = 1 };

		expect_eq("mode out of range", ioctl(fd, VMALOCK_IOC_SET_MODE, &v), -1);
		expect_eq("mode errno", errno, EINVAL);
		v.value = VMALOCK_FOLIO_ORDERS;
		expect_eq("order out of range", ioctl(fd, VMALOCK_IOC_SET_ORDER, &v), -1);
		expect_eq("order errno", errno, EINVAL);
		expect_eq("unknown delay point", ioctl(fd, VMALOCK_IOC_SET_DELAY, &d), -1);
		expect_eq("delay point errno", errno, EINVAL);
		d.point = VMALOCK_DELAY_WRITER;
		d.usecs = VMALOCK_DELAY_MAX_US + 1;
		expect_eq("delay too long", ioctl(fd, VMALOCK_IOC_SET_DELAY, &d), -1);
		expect_eq("delay too long errno", errno, EINVAL);
		d.usecs = 0;
		d.pad = 1;
		expect_eq("delay pad", ioctl(fd, VMALOCK_IOC_SET_DELAY, &d), -1);
		expect_eq("delay pad errno", errno, EINVAL);
		expect_eq("INVALIDATE with a pattern",
			  ioctl(fd, VMALOCK_IOC_INVALIDATE, &r), -1);
		expect_eq("INVALIDATE pattern errno", errno, EINVAL);
		r.offset = ~0ULL & ~4095ULL;
		expect_eq("FILL past 2^64", ioctl(fd, VMALOCK_IOC_FILL, &r), -1);
		expect_eq("FILL overflow errno", errno, EINVAL);
		expect_eq("REGION_INFO to NULL",
			  ioctl(fd, VMALOCK_IOC_REGION_INFO, NULL), -1);
		expect_eq("REGION_INFO errno", errno, EFAULT);
	}

	/* Size query: addr 0 returns the module's count and copies nothing. */
	arg.addr = 0;
	arg.count = 0;
	expect_eq("size query", ioctl(fd, VMALOCK_IOC_STATS, &arg), 0);
	if (arg.count < VMALOCK_STAT_NR)
		fail("module has %u counters, header %d", arg.count,
		     VMALOCK_STAT_NR);
	/* A short buffer gets a prefix and nothing past it. */
	vals[1] = 0xfeedULL;
	arg.addr = (uintptr_t)vals;
	arg.count = 1;
	expect_eq("short read", ioctl(fd, VMALOCK_IOC_STATS, &arg), 0);
	expect_eq("word past the buffer", vals[1], 0xfeed);
	return 0;
}

/*
 * hold PAGES: write PAGES pages of a shared mapping, say "ready", and keep
 * them mapped until standard input closes.  For lifetime tests.
 */
static int hold(const char *arg)
{
	size_t i, pages = arg ? strtoul(arg, NULL, 0) : 0;
	uint64_t *m;
	char c;

	if (!pages)
		fail("hold needs a page count");
	m = map(open_dev(), pages, 0, MAP_SHARED);
	for (i = 0; i < pages; i++)
		*word(m, i) = i + 1;
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

/*
 * A mapping of the device carries VM_DONTDUMP ("dd" in smaps' VmFlags): a
 * core dump would otherwise fault in, and allocate, the whole region.
 */
static int dontdump(const char *arg)
{
	uint64_t *m = map(open_dev(), 4, 0, MAP_PRIVATE);
	char line[512], want[64];
	bool in = false, dd = false, seen = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("/proc/self/smaps: %s", strerror(errno));
	snprintf(want, sizeof(want), "%lx-", (unsigned long)m);
	/* VmFlags is the last line of each mapping's block. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in = true;
		if (in && !strncmp(line, "VmFlags:", 8)) {
			seen = true;
			dd = strstr(line, " dd") != NULL;
			printf("%s", line);
			break;
		}
	}
	fclose(f);
	if (!seen)
		fail("no VmFlags line for the mapping at %p", (void *)m);
	if (!dd)
		fail("the mapping lacks VM_DONTDUMP");
	return 0;
}

/*
 * Map one page of the region open on fd 5, say "mapped", and touch it once
 * a line arrives on stdin: a fault that starts when the caller chooses,
 * e.g. while a writer holds the region.
 */
static int touch_on_input(const char *arg)
{
	volatile uint64_t *m = map(5, 1, 0, MAP_SHARED);
	char line[16];

	printf("mapped\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fail("stdin closed before the go");
	(void)m[0];
	printf("touched\n");
	return 0;
}

/*
 * Run with inject_fail_open=1 (set by the caller): every VMA made from an
 * existing one (fork, split) gets no mapping state, as when ->open cannot
 * allocate it.  Such a VMA must still fault through the coarse lock, see
 * writers' changes and split again.  The caller checks vma_lock_miss.
 */
static int stateless_vma(const char *arg)
{
	int fd = open_dev();
	struct vmalock_value mode = { .value = VMALOCK_MODE_VMA };
	struct vmalock_range inval = { .offset = 0, .length = page_size };
	uint64_t *m;
	size_t i;
	pid_t pid;

	if (ioctl(fd, VMALOCK_IOC_SET_MODE, &mode))
		fail("SET_MODE vma: %s", strerror(errno));
	m = map(fd, 4, 0, MAP_SHARED);
	for (i = 0; i < 4; i++)
		*word(m, i) = 0x5000 + i;
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		/* Drop the copied PTEs: every access below faults. */
		if (madvise(m, 4 * page_size, MADV_DONTNEED))
			fail("MADV_DONTNEED: %s", strerror(errno));
		for (i = 0; i < 4; i++)
			expect_eq("child reads through a stateless VMA",
				  *word(m, i), 0x5000 + i);
		if (ioctl(fd, VMALOCK_IOC_INVALIDATE, &inval))
			fail("INVALIDATE: %s", strerror(errno));
		expect_eq("page 0 after INVALIDATE", *word(m, 0), 0);
		/* A split of a stateless VMA: ->open again, still none. */
		if (mprotect(word(m, 2), page_size, PROT_READ))
			fail("mprotect: %s", strerror(errno));
		if (madvise(m, 4 * page_size, MADV_DONTNEED))
			fail("MADV_DONTNEED: %s", strerror(errno));
		*word(m, 3) = 0x6003;
		expect_eq("page 2 after the split", *word(m, 2), 0x5002);
		_exit(0);
	}
	wait_child(pid);
	expect_eq("parent sees the INVALIDATE", *word(m, 0), 0);
	expect_eq("parent sees the child's write", *word(m, 3), 0x6003);
	return 0;
}

/*
 * Map one page of the region open on fd 5 (filled by the caller) where no
 * page table exists yet, say "mapped", and on a line from stdin populate
 * it: the caller has set its cgroup's memory.max below usage with nothing
 * the OOM killer may pick, so a page-table allocation fails: the core's
 * own (upper levels, or the PTE table __do_fault() preallocates) or the
 * one in vm_insert_pages(), whichever comes first.  Either way it is what
 * anonymous memory calls out of memory (ENOMEM), not SIGBUS (EFAULT).
 */
static int pgtable_oom(const char *arg)
{
	/* A fresh 1 GiB-aligned area: every level below the PGD is new. */
	void *want = (void *)(0x7e0000000000UL +
			      ((unsigned long)(getpid() & 511) << 30));
	void *p = mmap(want, page_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED_NOREPLACE, 5, 0);
	char line[16];
	int ret;

	if (p == MAP_FAILED)
		fail("mmap at %p: %s", want, strerror(errno));
	printf("mapped\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fail("stdin closed before the go");
	errno = 0;
	ret = madvise(p, page_size, MADV_POPULATE_READ);
	printf("populate: %s\n", ret ? strerror(errno) : "ok");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fail("stdin closed before the second go");
	expect_eq("the page after memory.max was raised",
		  *(volatile uint64_t *)p, strtoull(arg ? arg : "0", NULL, 0));
	printf("read\n");
	return 0;
}

static const struct {
	const char *name;
	int (*run)(const char *arg);	/* argv[2] or NULL */
} scenarios[] = {
	{ "zero-fill", zero_fill },
	{ "shared-visible", shared_visible },
	{ "independent-opens", independent_opens },
	{ "remap-survives", remap_survives },
	{ "private-cow", private_cow },
	{ "fork-shared", fork_shared },
	{ "fork-private", fork_private },
	{ "sigbus-past-end", sigbus_past_end },
	{ "cow-past-end", cow_past_end },
	{ "ioctl-errors", ioctl_errors },
	{ "oom-access", oom_access },
	{ "hold", hold },
	{ "touch-on-input", touch_on_input },
	{ "dontdump", dontdump },
	{ "stateless-vma", stateless_vma },
	{ "pgtable-oom", pgtable_oom },
};

int main(int argc, char **argv)
{
	size_t i;

	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 2 || argc == 3)
		for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			if (!strcmp(argv[1], scenarios[i].name))
				return scenarios[i].run(argv[2]);

	fprintf(stderr, "usage: maptest SCENARIO [ARG]\nscenarios:");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fputc('\n', stderr);
	return 2;
}
