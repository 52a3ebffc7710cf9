/*
 * tests/e2e/whip/loopback_ifaddrs.c — lets a libnice program gather host
 * candidates on `lo`, preloaded (LD_PRELOAD) into the e2e tests' own
 * simple-whip-client only. libnice 0.1.21 lists addresses with
 * getifaddrs() and skips every interface flagged IFF_LOOPBACK (its agent
 * never asks for them, and neither webrtcbin nor simple-whip-client has an
 * option or variable to add one); in a network namespace with only `lo`
 * it then gathers nothing. This getifaddrs() is libc's with that flag
 * cleared, so 127.0.0.1 (and ::1) count as ordinary host addresses.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>

int getifaddrs(struct ifaddrs **list)
{
	int (*libc_getifaddrs)(struct ifaddrs **) = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
	if (libc_getifaddrs == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int rc = libc_getifaddrs(list);
	if (rc == 0)
		for (struct ifaddrs *ifa = *list; ifa != NULL; ifa = ifa->ifa_next)
			ifa->ifa_flags &= ~(unsigned)IFF_LOOPBACK;
	return rc;
}
