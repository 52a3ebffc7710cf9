/*
 * malloc_count.c — an LD_PRELOAD shim for the media-path bench: counts
 * malloc/calloc/realloc calls made on parleyd's event-loop threads (the
 * threads named "parley-loop-*", where every packet is received, echoed and
 * sent) and writes the running total to $MALLOC_COUNT_FILE every 200 ms.
 * Comparing the total with the packets counted by admin handle_info over a
 * steady interval gives allocations per packet.
 *
 *   gcc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -ldl -pthread
 *   MALLOC_COUNT_FILE=/tmp/mc LD_PRELOAD=$PWD/malloc_count.so parleyd ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static atomic_ulong loop_allocs;
static __thread int thread_kind; /* 0 unknown, 1 loop thread, 2 other */
static __thread unsigned thread_checks; /* a thread is named after its first allocations */

/* dlsym may call calloc before real_calloc is known: serve it from here. */
static char bootstrap[4096];
static size_t bootstrap_used;

static void count(void)
{
	if (thread_kind == 0) {
		char name[32] = "";
		pthread_getname_np(pthread_self(), name, sizeof(name));
		if (strncmp(name, "parley-loop", 11) == 0)
			thread_kind = 1;
		else if (++thread_checks > 256)
			thread_kind = 2;
	}
	if (thread_kind == 1)
		atomic_fetch_add_explicit(&loop_allocs, 1, memory_order_relaxed);
}

void *malloc(size_t size)
{
	if (!real_malloc)
		real_malloc = dlsym(RTLD_NEXT, "malloc");
	count();
	return real_malloc(size);
}

static __thread int resolving;

void *calloc(size_t n, size_t size)
{
	if (!real_calloc && !resolving) {
		resolving = 1;
		real_calloc = dlsym(RTLD_NEXT, "calloc");
		resolving = 0;
	}
	if (!real_calloc) {
		size_t want = (n * size + 15) & ~(size_t)15;
		if (bootstrap_used + want <= sizeof(bootstrap)) {
			void *p = bootstrap + bootstrap_used;
			bootstrap_used += want;
			return p;   /* zeroed: static storage */
		}
		return NULL;
	}
	count();
	return real_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (!real_realloc)
		real_realloc = dlsym(RTLD_NEXT, "realloc");
	count();
	return real_realloc(p, size);
}

void free(void *p)
{
	static void (*real_free)(void *);
	if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof(bootstrap))
		return;
	if (!real_free)
		real_free = dlsym(RTLD_NEXT, "free");
	real_free(p);
}

static void *writer(void *unused)
{
	(void)unused;
	const char *path = getenv("MALLOC_COUNT_FILE");
	for (;;) {
		FILE *f = fopen(path, "w");
		if (f) {
			fprintf(f, "%lu\n", atomic_load(&loop_allocs));
			fclose(f);
		}
		usleep(200 * 1000);
	}
	return NULL;
}

__attribute__((constructor)) static void start(void)
{
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	if (getenv("MALLOC_COUNT_FILE")) {
		pthread_t t;
		pthread_create(&t, NULL, writer, NULL);
		pthread_detach(t);
	}
}
