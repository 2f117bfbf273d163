// SPDX-License-Identifier: GPL-2.0
/*
 * Progress lines for the long commands (stress, fuzz, bench).
 *
 * A run of minutes that prints nothing looks hung.  So every
 * PROGRESS_INTERVAL_S seconds they write one line to stderr: by default
 * only when stderr is a terminal, with --progress anywhere.  Never when
 * --json output goes to a pipe or file: whoever reads that JSON is a
 * program, and its stderr is often the same log.
 *
 * VMALOCKCTL_PROGRESS_INTERVAL_S (0 to 3600) changes the interval; 0
 * means a line at every step, which the suites use so that a check of the
 * line's format does not depend on how fast the guest happens to be.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "vmalockctl.h"

#define PROGRESS_INTERVAL_S	5

static uint64_t progress_interval_ns(void)
{
	const char *env = getenv("VMALOCKCTL_PROGRESS_INTERVAL_S");
	unsigned long s = PROGRESS_INTERVAL_S;
	char *end;

	if (env && *env) {
		errno = 0;
		s = strtoul(env, &end, 10);
		if (errno || *end || s > 3600)
			s = PROGRESS_INTERVAL_S;
	}
	return s * 1000000000ULL;
}

static uint64_t progress_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void progress_init(struct progress *p, bool forced, bool json)
{
	p->on = !(json && !isatty(STDOUT_FILENO)) &&
		(forced || isatty(STDERR_FILENO));
	p->start_ns = progress_now_ns();
	p->interval_ns = progress_interval_ns();
	p->next_ns = p->start_ns + p->interval_ns;
}

uint64_t progress_elapsed_s(const struct progress *p)
{
	return (progress_now_ns() - p->start_ns) / 1000000000ULL;
}

/* Whether a line is due now; if so, the next one is due an interval on. */
bool progress_due(struct progress *p)
{
	uint64_t now = progress_now_ns();

	if (!p->on || now < p->next_ns)
		return false;
	if (!p->interval_ns)
		return true;
	while (p->next_ns <= now)
		p->next_ns += p->interval_ns;
	return true;
}

void progress_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/*
 * pthread_join(), waking once a second to call @report when a line is due:
 * the workers need not know about progress at all.
 */
void progress_join(pthread_t tid, struct progress *p,
		   void (*report)(void *arg), void *arg)
{
	struct timespec ts;

	if (!p->on) {
		pthread_join(tid, NULL);
		return;
	}
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec++;
		if (pthread_timedjoin_np(tid, NULL, &ts) != ETIMEDOUT)
			return;
		if (progress_due(p))
			report(arg);
	}
}
