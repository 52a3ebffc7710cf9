/*
 * bench/compare/udp_floor.c — the kernel's share of one forwarded packet in
 * compare.sh's setup: the CPU time (utime + stime of the sending thread) of
 * one sendto() of an RTP-sized UDP datagram from 127.0.0.2 to 127.0.0.3 on
 * the veth pair, pinned to the interface with IP_UNICAST_IF as libnice pins
 * the gateways' sockets. A veth transmit delivers the packet to the peer's
 * receive path in the sender's context, so this is the floor no gateway
 * goes below per packet it sends; what a gateway spends above it is its own
 * (SRTP, rewriting, dispatch, locks, allocation).
 *
 *   udp_floor [--count N] [--bytes B] [--iface lgj0]
 * Run inside compare.sh's namespace (ip netns exec). Prints one JSON line.
 * A second thread drains the receiving socket so the datagrams are queued
 * and read as a subscriber's would be; its time is not counted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "floor.h"

#define MAX_COUNT 10000000L
#define MAX_BYTES 1400

static atomic_bool done;

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[2048];
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&done))
		(void)recv(fd, buf, sizeof(buf), 0);
	return NULL;
}

int main(int argc, char **argv)
{
	long count = 200000, bytes = 1200;
	const char *iface = "lgj0";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			bytes = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			iface = argv[++i];
		else {
			fprintf(stderr, "usage: udp_floor [--count N (1..%ld)] [--bytes B (1..%d)] [--iface IF]\n", MAX_COUNT, MAX_BYTES);
			return 2;
		}
	}
	if (count < 1 || count > MAX_COUNT || bytes < 1 || bytes > MAX_BYTES) {
		fprintf(stderr, "udp_floor: --count must be 1..%ld, --bytes 1..%d\n", MAX_COUNT, MAX_BYTES);
		return 2;
	}
	unsigned ifindex = if_nametoindex(iface);
	if (ifindex == 0) {
		fprintf(stderr, "udp_floor: no interface %s (run inside compare.sh's namespace)\n", iface);
		return 1;
	}
	struct sockaddr_in from, to;
	int tx = floor_bound_socket("udp_floor", "127.0.0.2", &from, 0);
	int rx = floor_bound_socket("udp_floor", "127.0.0.3", &to, 0);
	uint32_t index_be = htonl(ifindex);
	if (setsockopt(tx, IPPROTO_IP, IP_UNICAST_IF, &index_be, sizeof(index_be)) < 0) {
		fprintf(stderr, "udp_floor: IP_UNICAST_IF: %s\n", strerror(errno));
		return 1;
	}
	pthread_t reader;
	pthread_create(&reader, NULL, drain, &rx);
	char payload[MAX_BYTES];
	memset(payload, 0xa5, sizeof(payload));
	long failed = 0;
	double cpu0 = floor_thread_cpu_us();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		if (sendto(tx, payload, (size_t)bytes, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			failed++;
		if ((i & 63) == 63)   /* a subscriber's pace, roughly: let the reader keep up */
			sched_yield();
	}
	double cpu = floor_thread_cpu_us() - cpu0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_store(&done, true);
	pthread_join(reader, NULL);
	printf("{\"kind\":\"udp_floor\",\"bytes\":%ld,\"count\":%ld,\"failed\":%ld,\"cpu_us_per_send\":%.3f,\"wall_s\":%.3f}\n",
	       bytes, count, failed, cpu / (double)count,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(tx);
	close(rx);
	return 0;
}
