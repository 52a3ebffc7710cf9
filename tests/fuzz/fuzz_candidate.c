/*
 * fuzz_candidate.c — libFuzzer target for the candidate-line reader of
 * core/media/pc_pair.c (parley_pc_candidate_endpoint), which reads every
 * trickled remote candidate. The input is the line (cut at its first NUL).
 * What it takes must have a non-empty address and type that fit their
 * buffers and a port in 1..65535; reading it again as "a=candidate:" +
 * the same line must give the same answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/media/pc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = g_strndup((const char *)data, size);
	char ip[48], type[8], ip2[48], type2[8];
	uint16_t port = 0, port2 = 0;
	int rc = parley_pc_candidate_endpoint(line, ip, sizeof(ip), &port, type, sizeof(type));
	if (rc == 0 && (!*ip || !*type || port == 0 || strlen(ip) >= sizeof(ip) || strlen(type) >= sizeof(type)))
		abort();
	if (strncmp(line, "a=", 2) != 0 && strncmp(line, "candidate:", 10) != 0) {
		char *prefixed = g_strconcat("a=candidate:", line, NULL);
		int rc2 = parley_pc_candidate_endpoint(prefixed, ip2, sizeof(ip2), &port2, type2, sizeof(type2));
		if (rc2 != rc || (rc == 0 && (port2 != port || strcmp(ip, ip2) || strcmp(type, type2))))
			abort();
		g_free(prefixed);
	}
	g_free(line);
	return 0;
}
