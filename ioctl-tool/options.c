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

/* Decimal, or hexadecimal after 0x; the number's end goes to @end. */
static int parse_number(const char *s, uint64_t *out, char **end)
{
	unsigned long long v;
	int base = 10;

	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		base = 16;
		/* strtoull would take "0x" alone as 0 followed by "x". */
		if (!((s[2] >= '0' && s[2] <= '9') ||
		      (s[2] >= 'a' && s[2] <= 'f') ||
		      (s[2] >= 'A' && s[2] <= 'F')))
			return -EINVAL;
	} else if (*s < '0' || *s > '9') {
		/* No sign, no leading space: strtoull would accept them. */
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * A byte count: decimal or 0x hexadecimal, optionally followed by K, M, G
 * or T (either case) for a power of 1024.  Returns 0, -EINVAL or -ERANGE.
 */
int parse_bytes(const char *s, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	const char *suffix;
	unsigned int shift;
	uint64_t v;
	char *end;
	int err;

	err = parse_number(s, &v, &end);
	if (err)
		return err;
	if (*end == '\0') {
		*out = v;
		return 0;
	}
	if (end[1] != '\0')
		return -EINVAL;
	suffix = strchr(suffixes, *end & ~0x20);	/* upper case */
	if (!suffix || !*suffix)
		return -EINVAL;
	shift = 10 * (unsigned int)(suffix - suffixes + 1);
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* parse_bytes for the argument or option @what; returns 0 or EXIT_USAGE. */
int parse_bytes_option(const struct vmalockctl_cmd *cmd, const char *what,
		       const char *s, uint64_t *out)
{
	int err = parse_bytes(s, out);

	if (err == -EINVAL)
		return usage_error(cmd, "%s: '%s' is not a byte count (a number, 0x for hex, optionally followed by K, M, G or T)",
				   what, s);
	if (err)
		return usage_error(cmd, "%s: %s does not fit in 64 bits",
				   what, s);
	return 0;
}

/* A 64-bit value: decimal or 0x hexadecimal.  Returns 0, -EINVAL, -ERANGE. */
int parse_pattern(const char *s, uint64_t *out)
{
	char *end;
	int err;

	err = parse_number(s, out, &end);
	if (!err && *end != '\0')
		err = -EINVAL;
	return err;
}

/* parse_pattern for the argument or option @what; 0 or EXIT_USAGE. */
int parse_pattern_option(const struct vmalockctl_cmd *cmd, const char *what,
			 const char *s, uint64_t *out)
{
	int err = parse_pattern(s, out);

	if (err == -EINVAL)
		return usage_error(cmd, "%s: '%s' is not a 64-bit number (decimal, or hex with 0x)",
				   what, s);
	if (err)
		return usage_error(cmd, "%s: %s does not fit in 64 bits",
				   what, s);
	return 0;
}
