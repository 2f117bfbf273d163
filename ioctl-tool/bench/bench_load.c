// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the loads a sample can run under.
 *
 *   churn        a thread of this process mmap()s, mprotect()s and
 *                munmap()s unrelated memory as fast as it can: each call
 *                takes mmap_lock for write, which a fault under mmap_lock
 *                waits for and a fault under the VMA lock does not
 *   churn-other  the same loop in another process: the control, which
 *                shares the CPUs but not the lock
 *   writer       (vmalock only) a thread FILLs and INVALIDATEs a range of
 *                the same region that the sweep does not map
 *
 * None of them faults: churn never touches what it maps, and the writer's
 * pages are allocated by the module, so the sweep's validity check still
 * holds.  Each load counts its calls; the writer's calls per second are
 * reported beside the faults'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

#define CHURN_BYTES	(64UL << 10)

static const char *const load_names[BENCH_LOAD_NR] = {
	[BENCH_LOAD_NONE] = "alone",
	[BENCH_LOAD_CHURN] = "churn",
	[BENCH_LOAD_CHURN_OTHER] = "churn-other",
	[BENCH_LOAD_WRITER] = "writer",
};

const char *bench_load_name(enum bench_load load)
{
	return load_names[load];
}

int bench_load_parse(const char *name)
{
	int i;

	for (i = 0; i < BENCH_LOAD_NR; i++)
		if (!strcmp(name, load_names[i]))
			return i;
	return -1;
}

/* One round of the churn: no access to what it maps, so no fault. */
static void churn_once(void)
{
	void *p = mmap(NULL, CHURN_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	mprotect(p, CHURN_BYTES, PROT_READ);
	munmap(p, CHURN_BYTES);
}

/* The other process of churn-other: churn until killed. */
int bench_churn_child(void)
{
	/* Tell the parent the loop runs: it waits for this byte. */
	if (write(STDOUT_FILENO, "r", 1) != 1)
		return 1;
	for (;;)
		churn_once();
}

static void *load_thread(void *arg)
{
	struct bench_load_run *r = arg;
	struct vmalock_range range = {
		.offset = r->writer_first,
		.length = r->writer_bytes,
	};
	bool fill = true;

	atomic_store(&r->running, true);
	while (!atomic_load(&r->stop)) {
		if (r->load == BENCH_LOAD_CHURN) {
			churn_once();
		} else {
			if (ioctl(r->fd, fill ? VMALOCK_IOC_FILL :
				  VMALOCK_IOC_INVALIDATE, &range)) {
				r->failed = errno;
				break;
			}
			fill = !fill;
		}
		r->calls++;
	}
	return NULL;
}

/*
 * A spawned process, not a fork: a fork would make this process's own
 * pages copy-on-write, and the sweep's writes to them would fault.
 */
static int churn_other_start(struct bench_load_run *r)
{
	static char *const argv[] = { "vmalockctl", "bench", "--churn-child", NULL };
	posix_spawn_file_actions_t fa;
	extern char **environ;
	int pipefd[2], err;
	char c;

	if (pipe2(pipefd, O_CLOEXEC)) {
		err_msg("pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	err = posix_spawn(&r->child, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		err_msg("spawning the churn process: %s", strerror(err));
		return -1;
	}
	err = read(pipefd[0], &c, 1) == 1 ? 0 : -1;
	close(pipefd[0]);
	if (err) {
		err_msg("the churn process did not start");
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
	}
	return err;
}

int bench_load_start(struct bench_load_run *r)
{
	r->calls = 0;
	r->failed = 0;
	r->started = false;
	atomic_store(&r->stop, false);
	atomic_store(&r->running, false);
	r->start = bench_now_ns();
	switch (r->load) {
	case BENCH_LOAD_NONE:
		return 0;
	case BENCH_LOAD_CHURN_OTHER:
		if (churn_other_start(r))
			return -1;
		r->started = true;
		return 0;
	default:
		break;
	}
	if (pthread_create(&r->tid, NULL, load_thread, r)) {
		err_msg("pthread_create failed");
		return -1;
	}
	r->started = true;
	/* Its first faults (stack) land before the sample counts any. */
	while (!atomic_load(&r->running))
		sched_yield();
	return 0;
}

int bench_load_stop(struct bench_load_run *r)
{
	r->ns = bench_now_ns() - r->start;
	if (!r->started)
		return 0;
	r->started = false;
	switch (r->load) {
	case BENCH_LOAD_NONE:
		return 0;
	case BENCH_LOAD_CHURN_OTHER:
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		return 0;
	default:
		break;
	}
	atomic_store(&r->stop, true);
	pthread_join(r->tid, NULL);
	if (r->failed) {
		err_msg("writer load: %s", strerror(r->failed));
		return -1;
	}
	return 0;
}
