// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl bench: the userfaultfd row.  What a user writes to serve
 * faults of their own from user space: anonymous memory registered for
 * missing-page faults, and a handler thread that answers each one with a
 * UFFDIO_COPY of a zeroed page.  The faulting thread sleeps in the kernel
 * until the copy wakes it, then retries: one minor fault per page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmalockctl.h"
#include "bench.h"

struct bench_uffd {
	int uffd;
	int stop[2];		/* a pipe: the handler ends when it is readable */
	pthread_t tid;
	bool running;
	pthread_barrier_t started;
	void *src;		/* the zeroed page every copy is made from */
	long ps;
};

static void *uffd_handler(void *arg)
{
	struct bench_uffd *u = arg;
	struct pollfd pfd[2] = {
		{ .fd = u->uffd, .events = POLLIN },
		{ .fd = u->stop[0], .events = POLLIN },
	};
	volatile char stack[32 << 10];
	struct uffd_msg msg;

	/*
	 * Fault in the stack the loop will use, before the sample counts its
	 * minor faults: only the sweep's may land in it.
	 */
	memset((char *)stack, 0, sizeof(stack));
	pthread_barrier_wait(&u->started);
	for (;;) {
		struct uffdio_copy copy;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (read(u->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;	/* EAGAIN: another wake-up took it */
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		copy = (struct uffdio_copy){
			.dst = msg.arg.pagefault.address & ~(u->ps - 1),
			.src = (uintptr_t)u->src,
			.len = u->ps,
		};
		/* EEXIST: a racing fault of the same page was served first. */
		if (ioctl(u->uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
			break;
	}
	return NULL;
}

/* Register @len bytes at @map and start the handler: 0, or -1 after a message. */
int bench_uffd_start(struct bench_mem *mem, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)mem->map, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct bench_uffd *u = calloc(1, sizeof(*u));

	if (!u) {
		err_msg("out of memory");
		return -1;
	}
	u->ps = sysconf(_SC_PAGESIZE);
	u->stop[0] = u->stop[1] = -1;
	mem->uffd = u;
	/* User-mode faults only: what an unprivileged user may ask for. */
	u->uffd = syscall(SYS_userfaultfd,
			  O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (u->uffd < 0) {
		err_msg("userfaultfd: %s", strerror(errno));
		return -1;
	}
	if (ioctl(u->uffd, UFFDIO_API, &api) ||
	    ioctl(u->uffd, UFFDIO_REGISTER, &reg)) {
		err_msg("userfaultfd registration: %s", strerror(errno));
		return -1;
	}
	/* Touched now: the handler must take no fault of its own later. */
	u->src = aligned_alloc(u->ps, u->ps);
	if (!u->src || pipe2(u->stop, O_CLOEXEC)) {
		err_msg("userfaultfd handler setup: %s", strerror(errno));
		return -1;
	}
	memset(u->src, 0, u->ps);
	pthread_barrier_init(&u->started, NULL, 2);
	if (pthread_create(&u->tid, NULL, uffd_handler, u)) {
		err_msg("pthread_create failed");
		pthread_barrier_destroy(&u->started);
		return -1;
	}
	u->running = true;
	pthread_barrier_wait(&u->started);
	return 0;
}

/* Can this process have a userfaultfd at all (kernel, sysctl, seccomp)? */
bool bench_uffd_available(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void bench_uffd_stop(struct bench_mem *mem)
{
	struct bench_uffd *u = mem->uffd;

	if (!u)
		return;
	if (u->running) {
		if (write(u->stop[1], "x", 1) != 1)
			err_msg("stopping the userfaultfd handler failed");
		pthread_join(u->tid, NULL);
		pthread_barrier_destroy(&u->started);
	}
	if (u->stop[0] >= 0)
		close(u->stop[0]);
	if (u->stop[1] >= 0)
		close(u->stop[1]);
	if (u->uffd >= 0)
		close(u->uffd);
	free(u->src);
	free(u);
	mem->uffd = NULL;
}
