// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON output: one object per command, newline-terminated, so that a
 * test can pipe it to jq.  Values are integers, booleans, null, strings or
 * nested objects (the array counters); strings are escaped because some
 * (uname release, sysfs version) are not ours.
 */
#include <inttypes.h>

#include "vmalockctl.h"

void json_open(struct json_obj *j, FILE *f)
{
	j->f = f;
	j->first = true;
	fputc('{', f);
}

void json_close(struct json_obj *j)
{
	fputs("}\n", j->f);
}

static void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_key(struct json_obj *j, const char *key)
{
	if (!j->first)
		fputs(", ", j->f);
	j->first = false;
	json_string(j->f, key);
	fputs(": ", j->f);
}

void json_str(struct json_obj *j, const char *key, const char *val)
{
	json_key(j, key);
	json_string(j->f, val);
}

void json_u64(struct json_obj *j, const char *key, uint64_t val)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_s64(struct json_obj *j, const char *key, int64_t val)
{
	json_key(j, key);
	fprintf(j->f, "%" PRId64, val);
}

void json_bool(struct json_obj *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json_obj *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

void json_obj_begin(struct json_obj *j, const char *key,
		    struct json_obj *child)
{
	json_key(j, key);
	child->f = j->f;
	child->first = true;
	fputc('{', j->f);
}

void json_obj_end(struct json_obj *child)
{
	fputc('}', child->f);
}
