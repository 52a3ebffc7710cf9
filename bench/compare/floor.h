/*
 * bench/compare/floor.h — what the two floor programs (udp_floor.c,
 * fwd_floor.c) share: the calling thread's CPU time and a UDP socket bound
 * to a loopback address with the port the kernel picks. Header-only: each
 * program is one file built by compare.sh with `cc`.
 */
#ifndef PARLEY_BENCH_FLOOR_H
#define PARLEY_BENCH_FLOOR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* utime + stime of the calling thread, in µs. */
static inline double floor_thread_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* A UDP socket bound to ip:0 (addr gets the address); exits on failure.
 * rcvbuf > 0 asks for that receive buffer. */
static inline int floor_bound_socket(const char *program, const char *ip, struct sockaddr_in *addr, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &addr->sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0) {
		fprintf(stderr, "%s: bind %s: %s\n", program, ip, strerror(errno));
		exit(1);
	}
	socklen_t len = sizeof(*addr);
	getsockname(fd, (struct sockaddr *)addr, &len);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

#endif
