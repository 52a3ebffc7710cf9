/*
 * webrtc_owned.h — the plugin table's entries for handles a plugin owns
 * and the SDP of their PeerConnections as text (webrtc_owned.c):
 * handle_new, sdp_remote, sdp_local, trickle. Their meaning is documented
 * in include/parley/plugin.h.
 */
#ifndef PARLEY_WEBRTC_OWNED_H
#define PARLEY_WEBRTC_OWNED_H

#include <stdbool.h>
#include <parley/plugin.h>

parley_plugin_session *parley_webrtc_owned_handle_new(const parley_plugin *plugin, const char *opaque_id,
                                                      parley_plugin_error *error);
/* end_session for any handle: an owned handle ends with its session. */
void parley_webrtc_owned_end(parley_plugin_session *session);
int parley_webrtc_owned_sdp_remote(parley_plugin_session *session, const char *type, const char *sdp,
                                   parley_plugin_error *error);
char *parley_webrtc_owned_sdp_local(parley_plugin_session *session, const char *type, const char *sdp,
                                    bool ice_restart, parley_plugin_error *error);
int parley_webrtc_owned_trickle(parley_plugin_session *session, const char *candidate, parley_plugin_error *error);

#endif
