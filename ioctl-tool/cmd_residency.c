// SPDX-License-Identifier: GPL-2.0
/*
 * vmalockctl residency: map a range of a region, touch what was asked, and
 * print what the lockless page-table walk (VMALOCK_IOC_RESIDENCY) finds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmalockctl.h"

static int residency_run(int argc, char **argv);

const struct vmalockctl_cmd cmd_residency = {
	.name = "residency",
	.summary = "map a range, touch pages, print its page-table map (--fd N)",
	.synopsis = "--fd N [--read I[-J]]... [--write I[-J]]... OFFSET LENGTH",
	.help =
	"Map the LENGTH bytes at byte OFFSET of the region of file descriptor N\n"
	"(an open /dev/vmalock inherited from the caller) shared into this\n"
	"process, read or write the pages asked for, in the order given, and\n"
	"print what VMALOCK_IOC_RESIDENCY reads from this process's page tables\n"
	"for the range: without mmap_lock, interrupts off, one snapshot per\n"
	"level, as GUP-fast reads them.  The map shows what one fault maps (a\n"
	"block of the region's order, a fault-around window), what dirty\n"
	"tracking write-protects, and what INVALIDATE or CLEAN unmapped.\n"
	"\n"
	"One character per page, 64 to a line, each line led by its offset:\n"
	"  .  no present entry\n"
	"  r  present, read-only\n"
	"  w  present, writable, clean\n"
	"  d  present and dirty\n"
	"  R W D  the same, mapping part of a large folio\n"
	"  H  a huge entry (a PMD or PUD leaf)\n"
	"\n"
	"Page indexes I and J count from OFFSET.  The mapping is writable when N\n"
	"is open for writing.  The pages stay in the region after the command\n"
	"exits; only this process's mapping goes.\n"
	"\n"
	"Example:\n"
	"  exec 5<>/dev/vmalock; vmalockctl residency --fd 5 --read 0 --write 20-23 0 256K\n"
	"\n"
	"Options:\n"
	"      --fd N          act on this open file's region (required)\n"
	"      --read I[-J]    read pages I to J (may be repeated)\n"
	"      --write I[-J]   write pages I to J (may be repeated)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 on success; 1 if N is not an open /dev/vmalock, the\n"
	"range cannot be mapped or the module refused it; 2 on a usage error.\n",
	.run = residency_run,
};

#define RES_MAX_TOUCHES	32
#define RES_PER_LINE	64

struct touch {
	bool write;
	uint64_t first, last;
};

static int parse_touch(const char *opt, const char *s, bool write,
		       struct touch *t)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return usage_error(&cmd_residency, "bad %s '%s'", opt, s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_u64(buf, 0, UINT32_MAX, &t->first) ||
	    parse_u64(dash ? dash : buf, t->first, UINT32_MAX, &t->last))
		return usage_error(&cmd_residency,
				   "bad %s '%s': want a page index I or a range I-J",
				   opt, s);
	t->write = write;
	return 0;
}

static char residency_char(uint8_t f)
{
	char c;

	if (!(f & VMALOCK_RES_PRESENT))
		return '.';
	if (f & VMALOCK_RES_HUGE)
		return 'H';
	c = f & VMALOCK_RES_DIRTY ? 'd' : f & VMALOCK_RES_WRITE ? 'w' : 'r';
	return f & VMALOCK_RES_LARGE ? c - 'a' + 'A' : c;
}

static void print_map(const uint8_t *out, uint64_t pages, uint64_t offset,
		      long page_size)
{
	uint64_t i;

	for (i = 0; i < pages; i++) {
		if (i % RES_PER_LINE == 0)
			printf("%s  %#010llx  ", i ? "\n" : "",
			       (unsigned long long)(offset + i * page_size));
		putchar(residency_char(out[i]));
	}
	putchar('\n');
}

/* Map, touch, walk, print; returns the exit code. */
static int residency_show(int fd, uint64_t offset, uint64_t length,
			  const struct touch *t, int nt)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t pages = length / page_size, i;
	int flags = fcntl(fd, F_GETFL), prot = PROT_READ, k, ret;
	struct vmalock_residency r = { .length = length };
	volatile char *map;
	uint8_t *out;

	if (!length || length % page_size || offset % page_size)
		return usage_error(&cmd_residency,
				   "OFFSET and LENGTH must be multiples of the page size (%ld), LENGTH above 0",
				   page_size);
	if (length > VMALOCK_PIN_MAX_BYTES)
		return usage_error(&cmd_residency, "LENGTH is at most %llu MiB",
				   VMALOCK_PIN_MAX_BYTES >> 20);
	for (k = 0; k < nt; k++)
		if (t[k].last >= pages)
			return usage_error(&cmd_residency,
					   "page %llu is past the %llu pages of the range",
					   (unsigned long long)t[k].last,
					   (unsigned long long)pages);
	if ((flags & O_ACCMODE) == O_RDWR)
		prot |= PROT_WRITE;
	for (k = 0; k < nt; k++)
		if (t[k].write && !(prot & PROT_WRITE))
			return usage_error(&cmd_residency,
					   "--write needs fd %d open for writing", fd);
	out = malloc(pages);
	if (!out) {
		err_msg("out of memory");
		return 1;
	}
	map = mmap(NULL, length, prot, MAP_SHARED, fd, offset);
	if (map == MAP_FAILED) {
		err_msg("mmap of %llu bytes at offset %llu of fd %d: %s",
			(unsigned long long)length, (unsigned long long)offset,
			fd, strerror(errno));
		free(out);
		return 1;
	}
	/* A touch past the region's end is SIGBUS: the region's size says. */
	for (k = 0; k < nt; k++)
		for (i = t[k].first; i <= t[k].last; i++) {
			if (t[k].write)
				map[i * page_size] = 1;
			else
				(void)map[i * page_size];
		}
	r.addr = (uintptr_t)map;
	r.out = (uintptr_t)out;
	ret = region_ioctl(fd, VMALOCK_IOC_RESIDENCY, "VMALOCK_IOC_RESIDENCY",
			   &r, "the range must be page-aligned");
	if (!ret) {
		printf("residency of %llu pages at offset %#llx of fd %d: %llu present\n",
		       (unsigned long long)pages, (unsigned long long)offset,
		       fd, (unsigned long long)r.present);
		print_map(out, pages, offset, page_size);
	}
	munmap((void *)map, length);
	free(out);
	return ret;
}

static int residency_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fd",    required_argument, NULL, 'f' },
		{ "read",  required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "help",  no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct touch t[RES_MAX_TOUCHES];
	struct vmalock_version ver;
	uint64_t offset, length;
	int c, fd = -1, nt = 0, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ret = parse_fd_option(&cmd_residency, optarg, &fd);
			if (ret)
				return ret;
			break;
		case 'r':
		case 'w':
			if (nt == RES_MAX_TOUCHES)
				return usage_error(&cmd_residency,
						   "at most %d --read and --write",
						   RES_MAX_TOUCHES);
			ret = parse_touch(c == 'r' ? "--read" : "--write",
					  optarg, c == 'w', &t[nt++]);
			if (ret)
				return ret;
			break;
		case 'h':
			print_cmd_help(&cmd_residency, stdout);
			return 0;
		default:
			return option_error(&cmd_residency, argv, c);
		}
	}
	if (fd < 0)
		return usage_error(&cmd_residency, NEEDS_FD_MSG);
	if (argc - optind != 2)
		return usage_error(&cmd_residency, argc - optind < 2 ?
				   "missing OFFSET or LENGTH" :
				   "unexpected argument '%s'", argv[optind + 2]);
	ret = parse_bytes_option(&cmd_residency, "OFFSET", argv[optind], &offset);
	if (!ret)
		ret = parse_bytes_option(&cmd_residency, "LENGTH",
					 argv[optind + 1], &length);
	if (ret)
		return ret;
	if (region_use_fd(fd, &ver))
		return 1;
	return residency_show(fd, offset, length, t, nt);
}
