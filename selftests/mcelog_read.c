// SPDX-License-Identifier: GPL-2.0
/*
 * Read /dev/mcelog the way the mcelog daemon does: MCE_GET_RECORD_LEN and
 * MCE_GET_LOG_LEN, then one read of the whole log into a buffer of
 * log_len * record_len bytes. Prints one line per record.
 *
 *   mcelog_read [-w SECONDS] [-n MIN_RECORDS] [-x]   read (poll while waiting)
 *   mcelog_read -t short|offset|ioctl|excl|flags|lens misuse / ABI probes
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MCE_GET_RECORD_LEN _IOR('M', 1, int)
#define MCE_GET_LOG_LEN _IOR('M', 2, int)
#define MCE_GETCLEAR_FLAGS _IOR('M', 3, int)

struct mce { /* arch/x86/include/uapi/asm/mce.h, Linux 6.12 */
	uint64_t status, misc, addr, mcgstatus, ip, tsc, time;
	uint8_t cpuvendor, inject_flags, severity, pad;
	uint32_t cpuid;
	uint8_t cs, bank, cpu, finished;
	uint32_t extcpu, socketid, apicid;
	uint64_t mcgcap, synd, ipid, ppin;
	uint32_t microcode;
	uint64_t kflags;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int probe(const char *what)
{
	int fd = open("/dev/mcelog", O_RDONLY), reclen = 0, loglen = 0, v;
	char small[64], *buf;

	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, MCE_GET_RECORD_LEN, &reclen) || ioctl(fd, MCE_GET_LOG_LEN, &loglen)) {
		printf("ioctl: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(what, "lens")) {
		printf("record_len=%d log_len=%d\n", reclen, loglen);
	} else if (!strcmp(what, "short")) {
		printf("short_read=%s\n", read(fd, small, sizeof(small)) < 0 ? strerror(errno) : "succeeded");
	} else if (!strcmp(what, "offset")) {
		buf = malloc((size_t)reclen * loglen);
		printf("pread_offset=%s\n",
		       pread(fd, buf, (size_t)reclen * loglen, reclen) < 0 ? strerror(errno) : "succeeded");
	} else if (!strcmp(what, "ioctl")) {
		printf("unknown_ioctl=%s\n", ioctl(fd, _IOR('M', 42, int), &v) < 0 ? strerror(errno) : "succeeded");
		printf("bad_pointer=%s\n", ioctl(fd, MCE_GET_RECORD_LEN, (void *)8) < 0 ? strerror(errno) : "succeeded");
	} else if (!strcmp(what, "excl")) {
		int e = open("/dev/mcelog", O_RDONLY | O_EXCL);

		printf("excl_while_open=%s\n", e < 0 ? strerror(errno) : "succeeded");
		close(fd);
		e = open("/dev/mcelog", O_RDONLY | O_EXCL);
		v = open("/dev/mcelog", O_RDONLY);
		printf("open_while_excl=%s\n", v < 0 ? strerror(errno) : "succeeded");
		close(e);
		return 0;
	} else if (!strcmp(what, "flags")) {
		if (ioctl(fd, MCE_GETCLEAR_FLAGS, &v) < 0) {
			printf("flags_ioctl=%s\n", strerror(errno));
			return 1;
		}
		printf("flags=%#x\n", v);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int c, fd, reclen, loglen, min = 1, flags = O_RDONLY, total = 0;
	double wait = 0, t0, tr;
	char *buf;

	while ((c = getopt(argc, argv, "w:n:xt:")) != -1) {
		switch (c) {
		case 'w': wait = atof(optarg); break;
		case 'n': min = atoi(optarg); break;
		case 'x': flags |= O_EXCL; break;
		case 't': return probe(optarg);
		default: return 2;
		}
	}
	fd = open("/dev/mcelog", flags);
	if (fd < 0) {
		perror("open /dev/mcelog");
		return 1;
	}
	if (ioctl(fd, MCE_GET_RECORD_LEN, &reclen) < 0 || ioctl(fd, MCE_GET_LOG_LEN, &loglen) < 0) {
		perror("ioctl");
		return 1;
	}
	buf = calloc(loglen, reclen);
	/* Line-buffered, so that a long-running reader's records reach a file
	 * as they are read (the benchmark's reader runs for a whole storm). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The benchmark starts its storm once the reader is this far. */
	printf("ready mono=%.6f\n", now());
	t0 = now();
	do {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		double left = wait - (now() - t0);

		if (total < min && left > 0 && poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fd, buf, (size_t)reclen * loglen);
		/* When read() returned: before the records are printed (one
		 * write(2) per line), which is the reader's cost, not the
		 * driver's. */
		tr = now();
		if (n < 0) {
			perror("read");
			return 1;
		}
		for (int i = 0; i < n / reclen; i++) {
			struct mce *m = (struct mce *)(buf + (size_t)i * reclen);

			printf("rec bank=%u status=%#llx addr=%#llx misc=%#llx mcgstatus=%#llx cpu=%u "
			       "extcpu=%u socket=%u apicid=%u mcgcap=%#llx vendor=%u cpuid=%#x finished=%u "
			       "time=%llu t=%.2f\n",
			       m->bank, (unsigned long long)m->status, (unsigned long long)m->addr,
			       (unsigned long long)m->misc, (unsigned long long)m->mcgstatus, m->cpu,
			       m->extcpu, m->socketid, m->apicid, (unsigned long long)m->mcgcap,
			       m->cpuvendor, m->cpuid, m->finished, (unsigned long long)m->time,
			       tr - t0);
		}
		total += n / reclen;
		/* For the benchmark: when (CLOCK_MONOTONIC, as ftrace's "mono"
		 * clock) a read returned records. */
		if (n > 0)
			printf("read mono=%.6f n=%d\n", tr, (int)(n / reclen));
	} while (total < min && now() - t0 < wait);
	printf("records=%d\n", total);
	return total >= min ? 0 : 3;
}
