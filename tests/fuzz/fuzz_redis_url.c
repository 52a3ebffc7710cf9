/*
 * fuzz_redis_url.c — libFuzzer target for the Redis URL parser
 * (util/redis_url.c). The input is the URL (cut at its first NUL).
 * Whatever is accepted must be consistent: a host, a port in 1..65535, a
 * database in 0..100000, a password whenever there is a user; a refusal
 * carries a reason and leaves nothing allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <glib.h>

#include "util/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_strndup((const char *)data, size);
	parley_util_redis_url url;
	char error[128] = "";
	if (parley_util_redis_url_parse(text, &url, error, sizeof(error)) == 0) {
		if (url.host == NULL || url.port < 1 || url.port > 65535 || url.db < 0 || url.db > 100000 ||
		    (url.user != NULL && url.password == NULL))
			abort();
		parley_util_redis_url_clear(&url);
	} else if (error[0] == '\0' || url.host != NULL || url.user != NULL || url.password != NULL) {
		abort();
	}
	g_free(text);
	return 0;
}
