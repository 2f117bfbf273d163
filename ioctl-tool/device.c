// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmalock: opening it, the ABI version check every command does first,
 * and the VMALOCK_IOC_STATS count/size protocol.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmalockctl.h"

/*
 * The module checks the same sizes; a mismatch here means the header was
 * edited in a way that breaks the ABI (see the rules in vmalock.h).
 */
static_assert(sizeof(struct vmalock_version) == 24,
	      "struct vmalock_version is part of the ABI");
static_assert(sizeof(struct vmalock_stats_arg) == 24,
	      "struct vmalock_stats_arg is part of the ABI");
static_assert(sizeof(struct vmalock_range) == 24,
	      "struct vmalock_range is part of the ABI");
static_assert(sizeof(struct vmalock_value) == 8,
	      "struct vmalock_value is part of the ABI");
static_assert(sizeof(struct vmalock_delay) == 16,
	      "struct vmalock_delay is part of the ABI");
static_assert(sizeof(struct vmalock_region_info) == 32,
	      "struct vmalock_region_info is part of the ABI");

/* The names come from the shared header so the tool cannot drift from them. */
static const char *const counter_names[] = VMALOCK_COUNTER_NAMES;

/*
 * The array counters: VMALOCK_COUNTER_NAMES names each at its first element
 * and leaves the others NULL.  Every other index below VMALOCK_STAT_NR is a
 * scalar and must have a name.
 */
struct counter_array {
	unsigned int first;
	unsigned int len;
};

static const struct counter_array counter_arrays[] = {
	{ VMALOCK_STAT_FOLIO_ALLOC, VMALOCK_FOLIO_ORDERS },
	{ VMALOCK_STAT_FAULT_NS_LOG2, VMALOCK_FAULT_NS_BUCKETS },
};

/*
 * What C can check at compile time (it cannot look inside a const array):
 * the ABI 1-2 scalars end where the first array starts, the arrays follow
 * one another, the ABI 3 scalars follow them, and the last counter has a
 * name.  A hole among the scalars (a NULL that static_assert cannot see)
 * prints as counter_<index>, never under another counter's name, and shows
 * up in the key list the stats tests compare against.
 */
static_assert(VMALOCK_STAT_FOLIO_ALLOC + VMALOCK_FOLIO_ORDERS ==
	      VMALOCK_STAT_FAULT_NS_LOG2,
	      "folio_alloc is followed directly by fault_ns_log2");
static_assert(VMALOCK_STAT_FAULT_NS_LOG2 + VMALOCK_FAULT_NS_BUCKETS ==
	      VMALOCK_STAT_ALLOC_FAILURES,
	      "the ABI 3 scalars follow fault_ns_log2: update counter_arrays[]");
static_assert(ARRAY_SIZE(counter_names) == VMALOCK_STAT_NR,
	      "VMALOCK_COUNTER_NAMES: one name per scalar counter and one per array, at its first element");
static_assert(VMALOCK_FOLIO_ORDERS > 0 && VMALOCK_FAULT_NS_BUCKETS > 0,
	      "arrays are not empty");

/* The array starting at @idx, or NULL if @idx is not the start of one. */
static const struct counter_array *counter_array_at(unsigned int idx)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counter_arrays); i++)
		if (counter_arrays[i].first == idx)
			return &counter_arrays[i];
	return NULL;
}

/*
 * A module newer than the tool may have counters the tool has no name for:
 * call those counter_<index> rather than hiding them.
 */
const char *vmalock_counter_name(unsigned int idx, char *buf, size_t len)
{
	/* A hole in the designated initialisers would leave a NULL. */
	if (idx < ARRAY_SIZE(counter_names) && counter_names[idx])
		return counter_names[idx];
	snprintf(buf, len, "counter_%u", idx);
	return buf;
}

/*
 * Describe the counter starting at @idx of a module array of @count
 * elements (@idx < @count) and return the index after it.  @buf holds the
 * name of a counter this tool does not know.
 */
unsigned int vmalock_counter_next(unsigned int idx, unsigned int count,
				  struct vmalock_counter_item *it,
				  char *buf, size_t buflen)
{
	const struct counter_array *a = counter_array_at(idx);

	it->name = vmalock_counter_name(idx, buf, buflen);
	it->first = idx;
	it->array = a != NULL;
	it->len = 1;
	if (a)
		it->len = count - idx < a->len ? count - idx : a->len;
	return idx + it->len;
}

/* Width of the longest name among the counters of an array of @count. */
size_t vmalock_counter_name_width(unsigned int count)
{
	struct vmalock_counter_item it;
	char buf[COUNTER_NAME_MAX];
	size_t width = 0;
	unsigned int i = 0;

	while (i < count) {
		size_t n;

		i = vmalock_counter_next(i, count, &it, buf, sizeof(buf));
		n = strlen(it.name);
		if (n > width)
			width = n;
	}
	return width;
}

/* Returns a file descriptor or -errno, without a message. */
int vmalock_dev_open(int oflags)
{
	int fd = open(VMALOCK_DEV_PATH, oflags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void vmalock_report_open_error(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		/* ENODEV/ENXIO: a stale node left after an unload. */
		if (vmalock_module_loaded())
			err_msg("%s not found although the vmalock module is loaded: is devtmpfs mounted on /dev?",
				VMALOCK_DEV_PATH);
		else
			err_msg("%s not found: is the vmalock module loaded? (vmalockctl load)",
				VMALOCK_DEV_PATH);
		break;
	case -EACCES:
	case -EPERM:
		err_msg("cannot open %s: %s (run as root, or give yourself access to the device)",
			VMALOCK_DEV_PATH, strerror(-err));
		break;
	default:
		err_msg("cannot open %s: %s", VMALOCK_DEV_PATH, strerror(-err));
	}
}

/* Returns 0 or -errno, without a message. */
int vmalock_get_version(int fd, struct vmalock_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	return ioctl(fd, VMALOCK_IOC_VERSION, ver) < 0 ? -errno : 0;
}

void vmalock_report_version_error(int err)
{
	if (err == -ENOTTY)
		err_msg("%s is not a vmalock device of a compatible ABI (VMALOCK_IOC_VERSION: %s)",
			VMALOCK_DEV_PATH, strerror(-err));
	else
		err_msg("VMALOCK_IOC_VERSION on %s failed: %s",
			VMALOCK_DEV_PATH, strerror(-err));
}

/*
 * Commands are only ever added, so a module at least as new as the tool
 * speaks everything the tool may send; an older one may not.
 */
bool vmalock_abi_ok(const struct vmalock_version *ver)
{
	return ver->abi_version >= VMALOCK_ABI_VERSION;
}

void vmalock_format_version(uint32_t module_version, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u", module_version >> 16,
		 (module_version >> 8) & 0xff, module_version & 0xff);
}

/*
 * Open the device and check its ABI.  Returns the file descriptor with @ver
 * filled in, or -1 after printing why not.
 */
int vmalock_open(int oflags, struct vmalock_version *ver)
{
	int fd, err;

	fd = vmalock_dev_open(oflags);
	if (fd < 0) {
		vmalock_report_open_error(fd);
		return -1;
	}
	err = vmalock_get_version(fd, ver);
	if (err) {
		vmalock_report_version_error(err);
		close(fd);
		return -1;
	}
	if (!vmalock_abi_ok(ver)) {
		err_msg("the loaded vmalock module speaks ABI %u, this vmalockctl needs ABI %u or later: update the module",
			ver->abi_version, VMALOCK_ABI_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

static int stats_ioctl(int fd, uint64_t flags, uint64_t *values,
		       uint32_t *count)
{
	struct vmalock_stats_arg arg = {
		.flags = flags,
		.addr = (uintptr_t)values,
		.count = *count,
	};

	if (ioctl(fd, VMALOCK_IOC_STATS, &arg) < 0)
		return -errno;
	*count = arg.count;
	return 0;
}

/*
 * Fetch all the module's counters, however many it has.  The first call
 * (addr 0, no flags) only asks the count, so that RESET and LOG act on a
 * call whose buffer holds every counter.  The count cannot change between
 * the two calls: the open file pins this instance of the module.
 *
 * Returns 0, or -1 after printing a message; on success free @c with
 * vmalock_counters_free().
 */
int vmalock_read_counters(int fd, uint64_t flags, struct vmalock_counters *c)
{
	uint32_t module_count = 0, count;
	int err;

	c->values = NULL;
	c->count = 0;
	err = stats_ioctl(fd, 0, NULL, &module_count);
	if (err)
		goto fail;
	count = module_count;
	/* calloc(0) may return NULL; ask for at least one element. */
	c->values = calloc(count ? count : 1, sizeof(*c->values));
	if (!c->values) {
		err_msg("cannot allocate %u counters: %s", count,
			strerror(errno));
		return -1;
	}
	err = stats_ioctl(fd, flags, c->values, &count);
	if (err)
		goto fail;
	c->count = count < module_count ? count : module_count;
	return 0;
fail:
	vmalock_counters_free(c);
	err_msg("VMALOCK_IOC_STATS on %s failed: %s", VMALOCK_DEV_PATH,
		strerror(-err));
	return -1;
}

void vmalock_counters_free(struct vmalock_counters *c)
{
	free(c->values);
	c->values = NULL;
	c->count = 0;
}
