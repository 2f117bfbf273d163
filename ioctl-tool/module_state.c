// SPDX-License-Identifier: GPL-2.0
/*
 * Whether the vmalock module is loaded, seen from sysfs rather than from
 * /dev/vmalock: the device node can be missing (no devtmpfs) or unreadable
 * (not root) while the module is live, and the messages should tell those
 * cases apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "vmalockctl.h"

bool vmalock_module_loaded(void)
{
	struct stat st;

	/*
	 * initstate exists only for loadable modules, so a vmalock built into
	 * the kernel would not count; it cannot be built in anyway.
	 */
	return stat(VMALOCK_SYSFS_DIR "/initstate", &st) == 0;
}

/*
 * Read the one-line sysfs file @path into @buf (at most @len - 1 bytes),
 * without its trailing newline.  Returns 0 or -errno.
 */
static int sysfs_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* MODULE_VERSION() as sysfs shows it; returns 0 or -errno. */
int vmalock_sysfs_version(char *buf, size_t len)
{
	int err;

	err = sysfs_read_line(VMALOCK_SYSFS_DIR "/version", buf, len);
	if (err)
		return err;
	return buf[0] ? 0 : -ENODATA;
}

/*
 * libkmod logs at LOG_ERR to stderr by default, duplicating (in its own
 * words) what the commands already say.  Forward its messages only when the
 * user asked for them with libkmod's own KMOD_LOG variable.
 */
static void kmod_log_forward(void *data, int priority, const char *file,
			     int line, const char *fn, const char *format,
			     va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "vmalockctl: libkmod: %s: ", fn);
	vfprintf(stderr, format, args);
}

static void kmod_log_silent(void *data, int priority, const char *file,
			    int line, const char *fn, const char *format,
			    va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* A libkmod context for the running kernel, or NULL with a message. */
struct kmod_ctx *vmalock_kmod_new(void)
{
	struct kmod_ctx *ctx;

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		err_msg("cannot initialise libkmod");
		return NULL;
	}
	kmod_set_log_fn(ctx, getenv("KMOD_LOG") ? kmod_log_forward :
			kmod_log_silent, NULL);
	return ctx;
}

#define VMALOCK_PARAM_DIR	VMALOCK_SYSFS_DIR "/parameters/"

/*
 * Read module parameter @name, without its trailing newline.  Returns 0 or
 * -errno (-ENOENT: not loaded, or a module without that parameter).
 */
int vmalock_param_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), VMALOCK_PARAM_DIR "%s", name);
	return sysfs_read_line(path, buf, len);
}

/*
 * Write @value to module parameter @name in one write(2), as the kernel's
 * parameter parser wants it.  Returns 0 or -errno: the parser's own error
 * (EINVAL for a value it rejects) comes back from write().
 */
int vmalock_param_write(const char *name, const char *value)
{
	size_t len = strlen(value);
	char path[128];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), VMALOCK_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
