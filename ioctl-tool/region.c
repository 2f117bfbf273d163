// SPDX-License-Identifier: GPL-2.0
/*
 * What the region commands share.  A region belongs to an open file of
 * /dev/vmalock and dies with it, so a command cannot open one, change it and
 * exit: the caller opens the device (exec 5<>/dev/vmalock), and hands the
 * descriptor over with --fd N.  The tool never closes that descriptor.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmalockctl.h"

static const char *const mode_names[] = {
	[VMALOCK_MODE_MMAP] = "mmap",
	[VMALOCK_MODE_VMA] = "vma",
	[VMALOCK_MODE_SPEC] = "spec",
};

static_assert(ARRAY_SIZE(mode_names) == VMALOCK_MODE_NR,
	      "one name per VMALOCK_MODE_*");

static const char *const delay_point_names[] = {
	[VMALOCK_DELAY_SPEC_WINDOW] = "spec-window",
	[VMALOCK_DELAY_WRITER] = "writer",
};

static_assert(ARRAY_SIZE(delay_point_names) == VMALOCK_DELAY_NR,
	      "one name per VMALOCK_DELAY_*");

/* The index of @s in @names[@n]; returns 0, or -EINVAL if not there. */
static int name_index(const char *const *names, uint32_t n, const char *s,
		      uint32_t *idx)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*idx = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* NULL for a mode this tool does not know. */
const char *vmalock_mode_name(uint32_t mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : NULL;
}

/* Returns 0, or -EINVAL for a name that is not a mode. */
int vmalock_parse_mode(const char *s, uint32_t *mode)
{
	return name_index(mode_names, ARRAY_SIZE(mode_names), s, mode);
}

int parse_mode_arg(const struct vmalockctl_cmd *cmd, const char *what,
		   const char *s, uint32_t *mode)
{
	if (vmalock_parse_mode(s, mode))
		return usage_error(cmd, "%s: '%s' is not a lock mode (mmap, vma or spec)",
				   what, s);
	return 0;
}

int parse_order_arg(const struct vmalockctl_cmd *cmd, const char *what,
		    const char *s, uint32_t *order)
{
	uint64_t v;
	int ret;

	ret = parse_u64_option(cmd, what, s, 0, VMALOCK_FOLIO_ORDERS - 1, &v);
	if (!ret)
		*order = (uint32_t)v;
	return ret;
}

const char *vmalock_delay_point_name(uint32_t point)
{
	return point < ARRAY_SIZE(delay_point_names) ?
	       delay_point_names[point] : NULL;
}

int vmalock_parse_delay_point(const char *s, uint32_t *point)
{
	return name_index(delay_point_names, ARRAY_SIZE(delay_point_names), s,
			  point);
}

/* The value of --fd; returns 0 or EXIT_USAGE. */
int parse_fd_option(const struct vmalockctl_cmd *cmd, const char *s, int *fd)
{
	uint64_t v;
	int ret;

	ret = parse_u64_option(cmd, "--fd", s, 0, INT_MAX, &v);
	if (!ret)
		*fd = (int)v;
	return ret;
}

/*
 * Parse "[--fd N] [--json] [--help] ARG..." with exactly @nargs positional
 * arguments named @arg_names (for the "missing NAME" message).  Returns 0 to
 * go on, -1 after printing the help, or EXIT_USAGE after a message.
 */
int region_parse(const struct vmalockctl_cmd *cmd, int argc, char **argv,
		 const char *const *arg_names, int nargs, bool need_fd,
		 bool allow_json, struct region_args *ra)
{
	static const struct option longopts_json[] = {
		{ "fd",   required_argument, NULL, 'f' },
		{ "json", no_argument,       NULL, 'j' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option longopts[] = {
		{ "fd",   required_argument, NULL, 'f' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret;

	ra->fd = -1;
	ra->json = false;
	opterr = 0;
	optind = 1;
	/* No short option for --fd; "-f" would read like --force. */
	while ((c = getopt_long(argc, argv, allow_json ? ":jh" : ":h",
				allow_json ? longopts_json : longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			ret = parse_fd_option(cmd, optarg, &ra->fd);
			if (ret)
				return ret;
			break;
		case 'j':
			ra->json = true;
			break;
		case 'h':
			print_cmd_help(cmd, stdout);
			return -1;
		default:
			return option_error(cmd, argv, c);
		}
	}
	if (need_fd && ra->fd < 0)
		return usage_error(cmd, NEEDS_FD_MSG);
	if (argc - optind < nargs)
		return usage_error(cmd, "missing %s",
				   arg_names[argc - optind]);
	if (argc - optind > nargs)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind + nargs]);
	ra->args = argv + optind;
	ra->nargs = nargs;
	return 0;
}

/*
 * Check that @fd, inherited from the caller, is an open /dev/vmalock of a
 * module this tool can talk to.  Returns 0, or 1 after a message.
 */
int region_use_fd(int fd, struct vmalock_version *ver)
{
	struct stat st;
	int err;

	if (fstat(fd, &st) < 0) {
		err_msg("fd %d is not an open %s (%s)", fd, VMALOCK_DEV_PATH,
			strerror(errno));
		return 1;
	}
	if (!S_ISCHR(st.st_mode)) {
		err_msg("fd %d is not an open %s (not a character device)",
			fd, VMALOCK_DEV_PATH);
		return 1;
	}
	err = vmalock_get_version(fd, ver);
	if (err) {
		err_msg("fd %d is not an open %s (VMALOCK_IOC_VERSION: %s)",
			fd, VMALOCK_DEV_PATH, strerror(-err));
		return 1;
	}
	if (!vmalock_abi_ok(ver)) {
		err_msg("the loaded vmalock module speaks ABI %u, this vmalockctl needs ABI %u or later: update the module",
			ver->abi_version, VMALOCK_ABI_VERSION);
		return 1;
	}
	return 0;
}

/*
 * One region ioctl; returns 0, or 1 after saying why it failed.  The
 * explanations follow the errors documented in module/uapi/vmalock.h;
 * @einval_hint says what EINVAL means for this command.
 */
int region_ioctl(int fd, unsigned long request, const char *request_name,
		 void *arg, const char *einval_hint)
{
	int err;

	if (ioctl(fd, request, arg) == 0)
		return 0;
	err = errno;
	switch (err) {
	case EINVAL:
		err_msg("%s on fd %d failed: %s (%s; see the errors in module/uapi/vmalock.h)",
			request_name, fd, strerror(err), einval_hint);
		break;
	case ENOMEM:
		err_msg("%s on fd %d failed: %s (the module could not allocate pages; nothing was changed)",
			request_name, fd, strerror(err));
		break;
	case EINTR:
		err_msg("%s on fd %d failed: %s (a signal interrupted the wait for faults in flight; nothing was changed)",
			request_name, fd, strerror(err));
		break;
	case ENOTTY:
		err_msg("%s on fd %d failed: %s (the module does not know this command)",
			request_name, fd, strerror(err));
		break;
	default:
		err_msg("%s on fd %d failed: %s", request_name, fd,
			strerror(err));
	}
	return 1;
}

/*
 * The whole of fill and invalidate: parse "--fd N OFFSET LENGTH", and
 * PATTERN after them if @with_pattern, check the descriptor and hand the
 * range to @request.  Returns the exit code.
 */
int region_range_run(const struct vmalockctl_cmd *cmd, int argc, char **argv,
		     unsigned long request, const char *request_name,
		     bool with_pattern)
{
	static const char *const arg_names[] = {
		"OFFSET", "LENGTH", "PATTERN"
	};
	struct vmalock_range range = { 0 };
	struct vmalock_version ver;
	struct region_args ra;
	/* Without PATTERN (invalidate) it stays 0: the module wants it so. */
	uint64_t offset, length, pattern = 0;
	char hint[160];
	int ret;

	ret = region_parse(cmd, argc, argv, arg_names, with_pattern ? 3 : 2,
			   true, false, &ra);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = parse_bytes_option(cmd, "OFFSET", ra.args[0], &offset);
	if (!ret)
		ret = parse_bytes_option(cmd, "LENGTH", ra.args[1], &length);
	if (!ret && with_pattern)
		ret = parse_pattern_option(cmd, "PATTERN", ra.args[2],
					   &pattern);
	if (ret)
		return ret;
	if (region_use_fd(ra.fd, &ver))
		return 1;
	range.offset = offset;
	range.length = length;
	range.pattern = pattern;
	snprintf(hint, sizeof(hint),
		 "OFFSET and LENGTH must be multiples of the page size (%ld), LENGTH above 0, the range inside the region",
		 sysconf(_SC_PAGESIZE));
	return region_ioctl(ra.fd, request, request_name, &range, hint);
}

int region_set_value(int fd, unsigned long request, const char *request_name,
		     uint64_t value, const char *einval_hint)
{
	struct vmalock_value v = { .value = value };

	return region_ioctl(fd, request, request_name, &v, einval_hint);
}

/*
 * Set module parameter @param, the default for regions opened from now on.
 * Returns 0, or 1 after a message.
 */
int vmalock_set_default(const char *param, const char *value)
{
	int err;

	if (!vmalock_module_loaded()) {
		err_msg("vmalock is not loaded: %s is a parameter of the module (load it with 'vmalockctl load %s=%s'), or set one region with --fd N",
			param, param, value);
		return 1;
	}
	err = vmalock_param_write(param, value);
	switch (-err) {
	case 0:
		return 0;
	case ENOENT:
		err_msg("the loaded vmalock module has no parameter %s (is it older than ABI %u?)",
			param, VMALOCK_ABI_VERSION);
		break;
	case EACCES:
	case EPERM:
		err_msg("cannot set %s/parameters/%s: %s (run as root)",
			VMALOCK_SYSFS_DIR, param, strerror(-err));
		break;
	case EINVAL:
		err_msg("the module rejected %s=%s: %s", param, value,
			strerror(-err));
		break;
	default:
		err_msg("cannot set %s/parameters/%s: %s", VMALOCK_SYSFS_DIR,
			param, strerror(-err));
	}
	return 1;
}
