/*
 * sdp_internal.h — helpers shared by the sdp_*.c files of core/media only.
 */
#ifndef PARLEY_MEDIA_SDP_INTERNAL_H
#define PARLEY_MEDIA_SDP_INTERNAL_H

#include <stdio.h>

#include "sdp.h"

/* Appends one zeroed element to *arr (count *n) unless *n >= limit; NULL then. */
void *sdp_push(void **arr, size_t *n, size_t elem, size_t limit);
parley_sdp_format *sdp_push_format(parley_sdp *sdp, parley_sdp_media *m, const char *fmt);
/* The ssrc entry for `ssrc`, created when missing; NULL past the limit. */
parley_sdp_ssrc *sdp_ssrc_get(parley_sdp *sdp, parley_sdp_media *m, uint32_t ssrc);
void sdp_free_candidate(parley_sdp_candidate *c);
int sdp_name_index(const char *const *names, size_t n, const char *s);
parley_sdp_direction sdp_direction_from(const char *s);
parley_sdp_setup sdp_setup_from(const char *s);
parley_sdp_media_type sdp_media_type_from(const char *s);

#endif
