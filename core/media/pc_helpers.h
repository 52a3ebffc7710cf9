/*
 * pc_helpers.h — the SDP helpers handed to plugins through
 * parley_plugin_core (sdp_answer, sdp_offer, sdp_summary); see
 * include/parley/plugin.h for the option formats. Returned strings are
 * g_malloc'd; returned JSON is a new reference.
 */
#ifndef PARLEY_MEDIA_PC_HELPERS_H
#define PARLEY_MEDIA_PC_HELPERS_H

#include <stddef.h>
#include <glib.h>
#include <jansson.h>

char *parley_pc_helper_sdp_answer(const char *offer, json_t *options, char *error, size_t error_size);
char *parley_pc_helper_sdp_offer(json_t *description, char *error, size_t error_size);
json_t *parley_pc_helper_sdp_summary(const char *sdp);

#endif
