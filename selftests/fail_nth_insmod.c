// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth_insmod N MODULE.ko: load MODULE with the N-th fault-injection
 * point of this task failing (/proc/self/fail-nth, as syzkaller does).
 * A shell cannot do this: busybox runs `exec insmod` in a forked child,
 * which starts with fail-nth 0.
 * Prints "loaded" or "failed: <errno text>", then "left=K": K > 0 means the
 * N-th point was never reached (nothing was failed).
 * Exit: 0 loaded, 1 load failed, 2 usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[32];
	int fd, nth, rc, err;
	ssize_t n;

	if (argc != 3)
		return 2;
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	nth = open("/proc/self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 2;
	}
	if (write(nth, argv[1], strlen(argv[1])) < 0) {
		perror("fail-nth");
		return 2;
	}
	rc = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	/* Read back (and so stop) the countdown before anything else. */
	n = pread(nth, buf, sizeof(buf) - 1, 0);
	if (write(nth, "0", 1) < 0)
		return 2;
	buf[n > 0 ? n : 0] = 0;
	if (rc == 0)
		printf("loaded left=%s", buf);
	else
		printf("failed: %s left=%s", strerror(err), buf);
	return rc == 0 ? 0 : 1;
}
