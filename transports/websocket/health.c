/*
 * transports/websocket/health.c — the SFU seed's /health shape from the
 * core's /health body (see health.h): a table of the keys it keeps and
 * where each comes from.
 */
#include "health.h"

#include <stddef.h>

static const struct {
	const char *key;  /* in the SFU seed's body */
	const char *from; /* in the core's */
} sfu_numbers[] = {
	{ "uptime", "uptime" },
	{ "rooms", "rooms" },
	{ "peers", "peers" },
	{ "workers", "eventLoops" },
};

static const char *const sfu_memory[] = { "used", "total" };

json_t *parley_wsh_sfu(json_t *gateway)
{
	const char *status = json_string_value(json_object_get(gateway, "status"));
	json_t *body = json_pack("{ss}", "status", status != NULL ? status : "healthy");
	for (size_t i = 0; i < sizeof(sfu_numbers) / sizeof(sfu_numbers[0]); i++) {
		json_t *value = json_object_get(gateway, sfu_numbers[i].from);
		json_object_set_new(body, sfu_numbers[i].key,
		                    json_is_number(value) ? json_copy(value) : json_integer(0));
	}
	json_t *from = json_object_get(gateway, "memory"), *memory = json_object();
	for (size_t i = 0; i < sizeof(sfu_memory) / sizeof(sfu_memory[0]); i++) {
		json_t *value = json_object_get(from, sfu_memory[i]);
		json_object_set_new(memory, sfu_memory[i],
		                    json_is_string(value) ? json_copy(value) : json_string("0.00MB"));
	}
	json_object_set_new(body, "memory", memory);
	return body;
}
