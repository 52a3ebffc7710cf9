/*
 * bench/compare/fwd_floor.c — the cheapest forwarder there can be on
 * compare.sh's path, as a floor under both gateways' CPU per forwarded
 * packet: one thread sleeps in poll() on one UDP socket (127.0.0.2, pinned to
 * lgj0), and for each datagram it reads sends a copy to each of N
 * viewers on 127.0.0.3 — no ICE, no SRTP, no rewriting, no locks. A
 * generator thread sends what the bench's publisher sends (an Opus-sized
 * packet every 20 ms, a video frame every 33 ms cut in equal packets of at
 * most 1200 bytes, --video-kbps of them; 500 kbit/s = two 1041-byte packets),
 * a drain thread reads the viewers' sockets; only the forwarding thread's
 * CPU (utime + stime) is counted, over the forwarded packets.
 *
 *   fwd_floor [--viewers N] [--seconds S] [--video-kbps K] [--gso] [--iface lgj0]
 * --gso sends the datagrams each wake-up has for one viewer as one UDP GSO
 * message (what Parley's send batch does). Prints one JSON line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "floor.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define MAX_VIEWERS 100
#define MAX_SECONDS 60
#define AUDIO_BYTES 160
#define MAX_PACKET 1200
#define MAX_VIDEO_KBPS 20000
#define AUDIO_PERIOD_NS 20000000L
#define VIDEO_PERIOD_NS 33333333L
#define MAX_PER_WAKE 64

static atomic_bool done;
static int viewer_fds[MAX_VIEWERS];
static struct sockaddr_in viewer_addrs[MAX_VIEWERS];
static int n_viewers = 10;
static struct sockaddr_in forwarder_addr;
static const char *iface = "lgj0";
static int video_packets = 2;           /* per frame */
static size_t video_bytes = 1041;       /* per packet */

static void pin_to_iface(int fd)
{
	uint32_t index_be = htonl(if_nametoindex(iface));
	if (setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &index_be, sizeof(index_be)) < 0) {
		fprintf(stderr, "fwd_floor: IP_UNICAST_IF %s: %s (run inside compare.sh's namespace)\n", iface,
		        strerror(errno));
		exit(1);
	}
}

static void *drain(void *arg)
{
	(void)arg;
	int ep = epoll_create1(0);
	for (int i = 0; i < n_viewers; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.fd = viewer_fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, viewer_fds[i], &e);
	}
	char buf[65536];
	struct epoll_event ev[MAX_VIEWERS];
	while (!atomic_load(&done)) {
		int n = epoll_wait(ep, ev, MAX_VIEWERS, 100);
		for (int i = 0; i < n; i++)
			while (recv(ev[i].data.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
	}
	close(ep);
	return NULL;
}

static void sleep_until(struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

static void advance(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The publisher: audio every 20 ms, a two-packet video frame every 33 ms. */
static void *publish(void *arg)
{
	int seconds = *(int *)arg;
	struct sockaddr_in self;
	int fd = floor_bound_socket("fwd_floor", "127.0.0.3", &self, 4 << 20);
	char payload[MAX_PACKET];
	memset(payload, 0x5a, sizeof(payload));
	struct timespec now, next_audio, next_video, end;
	clock_gettime(CLOCK_MONOTONIC, &now);
	next_audio = next_video = end = now;
	end.tv_sec += seconds;
	while (before(&now, &end)) {
		struct timespec *next = before(&next_audio, &next_video) ? &next_audio : &next_video;
		sleep_until(next);
		if (next == &next_audio) {
			sendto(fd, payload, AUDIO_BYTES, 0, (struct sockaddr *)&forwarder_addr, sizeof(forwarder_addr));
			advance(&next_audio, AUDIO_PERIOD_NS);
		} else {
			for (int i = 0; i < video_packets; i++)
				sendto(fd, payload, video_bytes, 0, (struct sockaddr *)&forwarder_addr, sizeof(forwarder_addr));
			advance(&next_video, VIDEO_PERIOD_NS);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	close(fd);
	atomic_store(&done, true);
	return NULL;
}

static void send_gso(int fd, const struct sockaddr_in *to, struct iovec *iov, int n, uint16_t segment)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = iov, .msg_iovlen = (size_t)n,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &segment, sizeof(segment));
	(void)sendmsg(fd, &msg, MSG_DONTWAIT);
}

int main(int argc, char **argv)
{
	int seconds = 10, video_kbps = 500;
	bool gso = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--viewers") == 0 && i + 1 < argc)
			n_viewers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--video-kbps") == 0 && i + 1 < argc)
			video_kbps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--gso") == 0)
			gso = true;
		else if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			iface = argv[++i];
		else {
			fprintf(stderr, "usage: fwd_floor [--viewers N (1..%d)] [--seconds S (1..%d)] [--video-kbps K (100..%d)]"
			        " [--gso] [--iface IF]\n", MAX_VIEWERS, MAX_SECONDS, MAX_VIDEO_KBPS);
			return 2;
		}
	}
	if (n_viewers < 1 || n_viewers > MAX_VIEWERS || seconds < 1 || seconds > MAX_SECONDS || video_kbps < 100 ||
	    video_kbps > MAX_VIDEO_KBPS) {
		fprintf(stderr, "fwd_floor: --viewers must be 1..%d, --seconds 1..%d, --video-kbps 100..%d\n", MAX_VIEWERS,
		        MAX_SECONDS, MAX_VIDEO_KBPS);
		return 2;
	}
	size_t frame = (size_t)video_kbps * 1000 / 8 / 30;
	video_packets = (int)((frame + MAX_PACKET - 1) / MAX_PACKET);
	video_bytes = frame / (size_t)video_packets;
	int in = floor_bound_socket("fwd_floor", "127.0.0.2", &forwarder_addr, 4 << 20);
	pin_to_iface(in);
	for (int i = 0; i < n_viewers; i++)
		viewer_fds[i] = floor_bound_socket("fwd_floor", "127.0.0.3", &viewer_addrs[i], 4 << 20);
	pthread_t drainer, publisher;
	pthread_create(&drainer, NULL, drain, NULL);
	pthread_create(&publisher, NULL, publish, &seconds);

	static char packets[MAX_PER_WAKE][2048];
	size_t lengths[MAX_PER_WAKE];
	long received = 0, forwarded = 0, wakes = 0;
	double cpu0 = floor_thread_cpu_us();
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	while (!atomic_load(&done)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		wakes++;
		int n = 0;
		while (n < MAX_PER_WAKE) {
			ssize_t got = recv(in, packets[n], sizeof(packets[n]), MSG_DONTWAIT);
			if (got <= 0)
				break;
			lengths[n++] = (size_t)got;
		}
		received += n;
		for (int v = 0; v < n_viewers; v++) {
			int k = 0;
			while (k < n) {
				if (!gso) {
					sendto(in, packets[k], lengths[k], MSG_DONTWAIT, (struct sockaddr *)&viewer_addrs[v],
					       sizeof(viewer_addrs[v]));
					k++;
					forwarded++;
					continue;
				}
				/* A run: equal lengths, the last may be shorter. */
				struct iovec iov[MAX_PER_WAKE];
				int m = 0;
				size_t segment = lengths[k];
				while (k < n && lengths[k] <= segment) {
					iov[m++] = (struct iovec){ .iov_base = packets[k], .iov_len = lengths[k] };
					bool shorter = lengths[k] < segment;
					k++;
					if (shorter)
						break;
				}
				send_gso(in, &viewer_addrs[v], iov, m, (uint16_t)segment);
				forwarded += m;
			}
		}
	}
	double cpu = floor_thread_cpu_us() - cpu0;
	pthread_join(publisher, NULL);
	pthread_join(drainer, NULL);
	printf("{\"kind\":\"fwd_floor\",\"viewers\":%d,\"gso\":%s,\"seconds\":%d,\"video_kbps\":%d,\"received\":%ld,"
	       "\"forwarded\":%ld,\"wakes\":%ld,\"cpu_us_per_fwd\":%.3f}\n",
	       n_viewers, gso ? "true" : "false", seconds, video_kbps, received, forwarded, wakes,
	       forwarded ? cpu / (double)forwarded : 0.0);
	close(in);
	for (int i = 0; i < n_viewers; i++)
		close(viewer_fds[i]);
	return 0;
}
