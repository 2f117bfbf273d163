// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: per-CPU counters, summed on read, reported by ioctl, in the
 * kernel log and mirrored read-only in debugfs.
 *
 * The counters are plain per-CPU u64s bumped with this_cpu_inc(): a reader
 * sums them without stopping writers, so a sum may miss increments that are
 * in flight on other CPUs.  A reset races the same way; both are statistics,
 * not accounting that anything depends on.  Arrays (folio_alloc,
 * fault_ns_log2) are printed as name[element], non-zero elements only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/log2.h>
#include <linux/seq_file.h>

#include "vmalock.h"

DEFINE_PER_CPU(struct vmalock_stats, vmalock_stats);

#define VMALOCK_STAT_LABEL_LEN	32

static const char * const vmalock_counter_names[VMALOCK_STAT_NR] =
	VMALOCK_COUNTER_NAMES;

/*
 * The label of counter @i: its name, or name[element] inside an array.
 * Return false for an array element that is zero: those are not printed.
 */
static bool vmalock_stat_label(const struct vmalock_stats *sum, int i,
			       char *label, size_t len)
{
	int base;

	if (i < VMALOCK_STAT_FOLIO_ALLOC || i >= VMALOCK_STAT_ALLOC_FAILURES) {
		strscpy(label, vmalock_counter_names[i], len);
		return true;
	}
	base = i < VMALOCK_STAT_FAULT_NS_LOG2 ? VMALOCK_STAT_FOLIO_ALLOC :
						 VMALOCK_STAT_FAULT_NS_LOG2;
	snprintf(label, len, "%s[%d]", vmalock_counter_names[base], i - base);
	return sum->count[i];
}

/* One log2 bucket of fault service time: [2^i, 2^(i+1)) ns. */
void vmalock_count_fault_ns(u64 ns)
{
	unsigned int bucket = ns ? ilog2(ns) : 0;

	vmalock_count(VMALOCK_STAT_FAULT_NS_LOG2 +
		      min_t(unsigned int, bucket, VMALOCK_FAULT_NS_BUCKETS - 1));
}

void vmalock_stats_read(struct vmalock_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct vmalock_stats *s = per_cpu_ptr(&vmalock_stats, cpu);

		for (i = 0; i < VMALOCK_STAT_NR; i++)
			sum->count[i] += READ_ONCE(s->count[i]);
	}
}

void vmalock_stats_reset(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct vmalock_stats *s = per_cpu_ptr(&vmalock_stats, cpu);

		for (i = 0; i < VMALOCK_STAT_NR; i++)
			WRITE_ONCE(s->count[i], 0);
	}
}

/*
 * One line per counter, each a record of its own with the "vmalock: "
 * prefix, so that "dmesg | grep vmalock" shows all of them and no line
 * comes near printk's record limit (about 1 KiB), which cut the block
 * short when it was one record.  Every line names @why, so the lines of
 * one block are found together even if other messages interleave.
 */
void vmalock_stats_log(const char *why)
{
	struct vmalock_stats sum;
	int i;

	vmalock_stats_read(&sum);
	pr_info("counters %s:\n", why);
	for (i = 0; i < VMALOCK_STAT_NR; i++) {
		char label[VMALOCK_STAT_LABEL_LEN];

		if (vmalock_stat_label(&sum, i, label, sizeof(label)))
			pr_info("counters %s: %-20s %llu\n", why, label,
				sum.count[i]);
	}
}

static int vmalock_stats_show(struct seq_file *m, void *unused)
{
	struct vmalock_stats sum;
	int i;

	vmalock_stats_read(&sum);
	for (i = 0; i < VMALOCK_STAT_NR; i++) {
		char label[VMALOCK_STAT_LABEL_LEN];

		if (vmalock_stat_label(&sum, i, label, sizeof(label)))
			seq_printf(m, "%s %llu\n", label, sum.count[i]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmalock_stats);

static struct dentry *vmalock_debugfs_dir;

/* debugfs is only a mirror: it is absent under lockdown, the ioctl is not. */
void vmalock_debugfs_init(void)
{
	vmalock_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, vmalock_debugfs_dir, NULL,
			    &vmalock_stats_fops);
}

void vmalock_debugfs_exit(void)
{
	debugfs_remove_recursive(vmalock_debugfs_dir);
}
