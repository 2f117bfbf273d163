/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalockctl: declarations shared by the command files.
 *
 * Exit codes, the same for every command:
 *   0  success
 *   1  runtime error (device missing, ioctl or syscall failed, verify failed)
 *   2  usage error (unknown option, bad value, missing argument)
 */
#ifndef VMALOCKCTL_H
#define VMALOCKCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmalock.h>

/* From dkms.conf, by the Makefile: the tool and the module share a version. */
#ifndef VMALOCKCTL_VERSION
#error "VMALOCKCTL_VERSION is set by ioctl-tool/Makefile"
#endif
#define VMALOCK_DEV_PATH	"/dev/" VMALOCK_DEVICE_NAME
#define VMALOCK_SYSFS_DIR	"/sys/module/" VMALOCK_DEVICE_NAME

#define EXIT_USAGE		2

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* One subcommand: main.c dispatches on @name and prints @summary in --help. */
struct vmalockctl_cmd {
	const char *name;
	const char *summary;
	/* Everything after "Usage: vmalockctl NAME", e.g. "[--json]". */
	const char *synopsis;
	/* Description and option list printed by "NAME --help". */
	const char *help;
	/* Optional: help computed at run time, printed after @help. */
	void (*help_extra)(FILE *f);
	/* argv[0] is the command name; returns the process exit code. */
	int (*run)(int argc, char **argv);
};

extern const struct vmalockctl_cmd cmd_load;
extern const struct vmalockctl_cmd cmd_unload;
extern const struct vmalockctl_cmd cmd_info;
extern const struct vmalockctl_cmd cmd_stats;
extern const struct vmalockctl_cmd cmd_touch;
extern const struct vmalockctl_cmd cmd_region;
extern const struct vmalockctl_cmd cmd_mode;
extern const struct vmalockctl_cmd cmd_order;
extern const struct vmalockctl_cmd cmd_size;
extern const struct vmalockctl_cmd cmd_fill;
extern const struct vmalockctl_cmd cmd_invalidate;
extern const struct vmalockctl_cmd cmd_delay;
extern const struct vmalockctl_cmd cmd_residency;
extern const struct vmalockctl_cmd cmd_stress;
extern const struct vmalockctl_cmd cmd_fuzz;
extern const struct vmalockctl_cmd cmd_bench;

/* messages.c: everything to stderr is prefixed "vmalockctl: ", or JSON. */
void messages_init(const char *command, int argc, char **argv);
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const struct vmalockctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void print_cmd_help(const struct vmalockctl_cmd *cmd, FILE *f);

/* progress.c: a line on stderr every few seconds of a long run. */
struct progress {
	bool on;
	uint64_t start_ns, next_ns, interval_ns;
};

void progress_init(struct progress *p, bool forced, bool json);
uint64_t progress_elapsed_s(const struct progress *p);
bool progress_due(struct progress *p);
void progress_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_join(pthread_t tid, struct progress *p,
		   void (*report)(void *arg), void *arg);

/* options.c: getopt_long glue and strict number parsing. */
int option_error(const struct vmalockctl_cmd *cmd, char **argv, int c);
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_u64_option(const struct vmalockctl_cmd *cmd, const char *opt,
		     const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_bytes(const char *s, uint64_t *out);
int parse_bytes_option(const struct vmalockctl_cmd *cmd, const char *what,
		       const char *s, uint64_t *out);
int parse_pattern(const char *s, uint64_t *out);
int parse_pattern_option(const struct vmalockctl_cmd *cmd, const char *what,
			 const char *s, uint64_t *out);

/* json.c: a flat JSON object written one member at a time. */
struct json_obj {
	FILE *f;
	bool first;
};

void json_open(struct json_obj *j, FILE *f);
void json_close(struct json_obj *j);
void json_str(struct json_obj *j, const char *key, const char *val);
void json_u64(struct json_obj *j, const char *key, uint64_t val);
void json_s64(struct json_obj *j, const char *key, int64_t val);
void json_bool(struct json_obj *j, const char *key, bool val);
void json_null(struct json_obj *j, const char *key);
/* A nested object as the value of @key: members go to @child until _end. */
void json_obj_begin(struct json_obj *j, const char *key,
		    struct json_obj *child);
void json_obj_end(struct json_obj *child);

/* module_state.c: is vmalock loaded, and the libkmod context. */
struct kmod_ctx;
bool vmalock_module_loaded(void);
int vmalock_sysfs_version(char *buf, size_t len);
struct kmod_ctx *vmalock_kmod_new(void);
int vmalock_param_read(const char *name, char *buf, size_t len);
int vmalock_param_write(const char *name, const char *value);

/* device.c: /dev/vmalock and its ioctls. */
struct vmalock_counters {
	uint64_t *values;
	/* Elements in @values: min(module's count, the buffer we sized). */
	unsigned int count;
};

int vmalock_open(int oflags, struct vmalock_version *ver);
int vmalock_dev_open(int oflags);
void vmalock_report_open_error(int err);
int vmalock_get_version(int fd, struct vmalock_version *ver);
void vmalock_report_version_error(int err);
bool vmalock_abi_ok(const struct vmalock_version *ver);
void vmalock_format_version(uint32_t module_version, char *buf, size_t len);
int vmalock_read_counters(int fd, uint64_t flags, struct vmalock_counters *c);
void vmalock_counters_free(struct vmalock_counters *c);
const char *vmalock_counter_name(unsigned int idx, char *buf, size_t len);

/*
 * The counter array read as items: a scalar, or an array counter such as
 * folio_alloc (VMALOCK_COUNTER_NAMES names only its first element).
 */
struct vmalock_counter_item {
	const char *name;	/* the counter's name, or counter_<index> */
	unsigned int first;	/* index of its first element */
	unsigned int len;	/* elements present: an array may be cut short */
	bool array;
};

unsigned int vmalock_counter_next(unsigned int idx, unsigned int count,
				  struct vmalock_counter_item *it,
				  char *buf, size_t buflen);
size_t vmalock_counter_name_width(unsigned int count);

/*
 * region.c: commands acting on the region of an open file the caller hands
 * over with --fd N.
 */
#define NEEDS_FD_MSG	"needs --fd N: a region lives only as long as its open file (e.g. exec 5<>" VMALOCK_DEV_PATH ")"

struct region_args {
	int fd;			/* -1 without --fd */
	bool json;
	char **args;		/* the positional arguments */
	int nargs;
};

int region_parse(const struct vmalockctl_cmd *cmd, int argc, char **argv,
		 const char *const *arg_names, int nargs, bool need_fd,
		 bool allow_json, struct region_args *ra);
int parse_fd_option(const struct vmalockctl_cmd *cmd, const char *s,
		    int *fd);
int region_use_fd(int fd, struct vmalock_version *ver);
int region_ioctl(int fd, unsigned long request, const char *request_name,
		 void *arg, const char *einval_hint);
int region_range_run(const struct vmalockctl_cmd *cmd, int argc, char **argv,
		     unsigned long request, const char *request_name,
		     bool with_pattern);
const char *vmalock_mode_name(uint32_t mode);
int vmalock_parse_mode(const char *s, uint32_t *mode);
int parse_mode_arg(const struct vmalockctl_cmd *cmd, const char *what,
		   const char *s, uint32_t *mode);
int parse_order_arg(const struct vmalockctl_cmd *cmd, const char *what,
		    const char *s, uint32_t *order);
int vmalock_parse_delay_point(const char *s, uint32_t *point);
const char *vmalock_delay_point_name(uint32_t point);
int region_set_value(int fd, unsigned long request, const char *request_name,
		     uint64_t value, const char *einval_hint);
int vmalock_set_default(const char *param, const char *value);

/* Big enough for "counter_4294967295", the name of an unknown counter. */
#define COUNTER_NAME_MAX	32
/* Big enough for "65535.255.255" and a MODULE_VERSION() from sysfs. */
#define VERSION_STR_MAX		64

#endif /* VMALOCKCTL_H */
