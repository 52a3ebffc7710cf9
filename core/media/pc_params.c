/*
 * pc_params.c — a PeerConnection negotiated without SDP text: its ICE-lite
 * transport opened before any description, our credentials and candidates
 * read back, the peer's DTLS role and fingerprint set directly, ICE
 * restarts on request, and the stream table rebuilt from two description
 * models (the peer's and ours) through the same steps as an SDP offer and
 * its answer (pc_sdp.c). Also the pc's attachment: the state of whoever
 * drives it that way (params_session.c), freed with the pc.
 */
#include <stdio.h>
#include <string.h>
#include "pc_internal.h"

int parley_pc_open_lite(parley_pc *pc, char *err, size_t err_size)
{
	if (pc->closed) {
		snprintf(err, err_size, "the PeerConnection is closed");
		return PARLEY_PC_ERR_STATE;
	}
	if (!pc->settings.ice.lite) {
		snprintf(err, err_size,
		         "a transport without SDP needs the ICE-lite transport ([media] ice_lite = true)");
		return PARLEY_PC_ERR_STATE;
	}
	if (pc->ice) {
		snprintf(err, err_size, "the PeerConnection already has a transport");
		return PARLEY_PC_ERR_STATE;
	}
	return pc_ensure_transport(pc, false, err, err_size);
}

size_t parley_pc_local_ice(parley_pc *pc, const char **ufrag, const char **pwd, const char **candidates, size_t max)
{
	*ufrag = *pwd = NULL;
	if (!pc->ice)
		return 0;
	pc->ice_ops->get_local_credentials(pc->ice, ufrag, pwd);
	size_t n = 0;
	for (; n < pc->n_local_candidates && n < max; n++)
		candidates[n] = pc->local_candidates[n];
	return n;
}

int parley_pc_set_remote_dtls(parley_pc *pc, bool we_are_client, const char *hash, const char *fingerprint, char *err,
                              size_t err_size)
{
	if (pc->closed || !pc->ice) {
		snprintf(err, err_size, "%s", pc->closed ? "the PeerConnection is closed" : "no transport yet");
		return PARLEY_PC_ERR_STATE;
	}
	if (pc->dtls || pc->role_known) {
		snprintf(err, err_size, "the transport is already connected");
		return PARLEY_PC_ERR_STATE;
	}
	if (!hash || !fingerprint) {
		snprintf(err, err_size, "no fingerprint");
		return PARLEY_PC_ERR_INVALID;
	}
	pc->role = we_are_client ? PARLEY_DTLS_ROLE_CLIENT : PARLEY_DTLS_ROLE_SERVER;
	pc->role_known = true;
	pc->remote_setup = we_are_client ? PARLEY_SDP_SETUP_PASSIVE : PARLEY_SDP_SETUP_ACTIVE;
	g_free(pc->remote_fp_hash);
	g_free(pc->remote_fp);
	pc->remote_fp_hash = g_strdup(hash);
	pc->remote_fp = g_strdup(fingerprint);
	int rc = pc_start_dtls(pc, err, err_size);
	if (rc) {
		/* a refused fingerprint leaves the transport unconnected: the call may be retried */
		pc->role_known = false;
		g_clear_pointer(&pc->remote_fp_hash, g_free);
		g_clear_pointer(&pc->remote_fp, g_free);
	}
	return rc;
}

int parley_pc_restart_local_ice(parley_pc *pc, char *err, size_t err_size)
{
	if (pc->closed || !pc->ice) {
		snprintf(err, err_size, "%s", pc->closed ? "the PeerConnection is closed" : "no transport yet");
		return PARLEY_PC_ERR_STATE;
	}
	pc_restart_ice(pc);
	return 0;
}

int parley_pc_apply_streams(parley_pc *pc, const parley_sdp *remote, parley_sdp *local, char *err, size_t err_size)
{
	if (pc->closed) {
		snprintf(err, err_size, "the PeerConnection is closed");
		return PARLEY_PC_ERR_STATE;
	}
	if (!remote || !local || remote->n_media != local->n_media) {
		snprintf(err, err_size, "the two descriptions differ in m-lines");
		return PARLEY_PC_ERR_INVALID;
	}
	if (remote->n_media > PC_MAX_STREAMS) {
		snprintf(err, err_size, "too many streams (%zu, limit %d)", remote->n_media, PC_MAX_STREAMS);
		return PARLEY_PC_ERR_LIMIT;
	}
	pc_take_remote_streams(pc, remote);
	pc->have_remote = true;
	pc->offerer = false;
	pc_bundle_extmaps(local);
	pc_take_local_streams(pc, local);
	pc->have_local = true;
	pc->last_local_offer = false;
	return 0;
}

void parley_pc_attach(parley_pc *pc, void *data, void (*free_fn)(void *data))
{
	if (pc->attachment_free)
		pc->attachment_free(pc->attachment);
	pc->attachment = data;
	pc->attachment_free = free_fn;
}

void *parley_pc_attachment(parley_pc *pc)
{
	return pc->attachment;
}
