/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test helpers share: failing with where and why, and the ioctls
 * every scenario makes.  Header-only, each helper is one program.
 */
#ifndef VMALOCK_TEST_HELPER_H
#define VMALOCK_TEST_HELPER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmalock.h"

extern char *program_invocation_short_name;

#define fail(...) do {							\
	fprintf(stderr, "%s: %s:%d: ", program_invocation_short_name,	\
		__func__, __LINE__);					\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define expect(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* A new region: open /dev/vmalock with @flags (O_RDWR, O_RDONLY). */
static inline int open_dev_flags(int flags)
{
	int fd = open("/dev/vmalock", flags | O_CLOEXEC);

	expect(fd >= 0, "open /dev/vmalock: %s", strerror(errno));
	return fd;
}

static inline void xioctl(int fd, unsigned long cmd, void *arg,
			  const char *what)
{
	expect(ioctl(fd, cmd, arg) == 0, "%s: %s", what, strerror(errno));
}

static inline void set_value(int fd, unsigned long cmd, uint64_t value,
			     const char *what)
{
	struct vmalock_value v = { .value = value };

	xioctl(fd, cmd, &v, what);
}

#endif /* VMALOCK_TEST_HELPER_H */
