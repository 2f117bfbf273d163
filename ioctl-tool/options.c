// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line helpers.  Every command runs getopt_long with opterr = 0 and
 * reports problems itself, so that all messages carry the same prefix and end
 * with the same hint, and exit with EXIT_USAGE.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmalockctl.h"

/*
 * Turn getopt_long's '?' or ':' into a message.  Called right after getopt
 * returned @c, while optind and optopt still describe the bad argument.
 */
int option_error(const struct vmalockctl_cmd *cmd, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		if (optopt && strncmp(arg, "--", 2) != 0)
			return usage_error(cmd, "option '-%c' needs a value",
					   optopt);
		return usage_error(cmd, "option '%s' needs a value", arg);
	}
	/* glibc sets optopt for "--flag=value" given to a flag, too. */
	if (optopt && strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		return usage_error(cmd, "option '%.*s' takes no value",
				   (int)(strchr(arg, '=') - arg), arg);
	if (optopt)
		return usage_error(cmd, "unknown option '-%c'", optopt);
	return usage_error(cmd, "unknown option '%s'", arg);
}

/*
 * Decimal only: "010" meaning 8 or "1e3" meaning 1 would surprise someone
 * typing a page count.  Returns 0, or -EINVAL / -ERANGE.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* parse_u64 for the value of option @opt; returns 0 or EXIT_USAGE. */
int parse_u64_option(const struct vmalockctl_cmd *cmd, const char *opt,
		     const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	int err = parse_u64(s, min, max, out);

	if (err == -EINVAL)
		return usage_error(cmd, "%s: '%s' is not a number", opt, s);
	if (err && max == UINT64_MAX)
		return usage_error(cmd, "%s: %s is out of range (at least %"
				   PRIu64 ")", opt, s, min);
	if (err)
		return usage_error(cmd, "%s: %s is out of range (%" PRIu64
				   "..%" PRIu64 ")", opt, s, min, max);
	return 0;
}
