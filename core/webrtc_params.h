/*
 * webrtc_params.h — the plugin table's entries for PeerConnections
 * described by parameters instead of SDP (webrtc_params.c); their meaning
 * and JSON shapes are documented in include/parley/plugin.h
 * (params_create_transport ... params_rtp_capabilities).
 */
#ifndef PARLEY_WEBRTC_PARAMS_H
#define PARLEY_WEBRTC_PARAMS_H

#include <stdbool.h>
#include <jansson.h>
#include <parley/plugin.h>

json_t *parley_webrtc_params_create_transport(parley_plugin_session *session, parley_plugin_error *error);
int parley_webrtc_params_connect_transport(parley_plugin_session *session, json_t *dtls_parameters,
                                           parley_plugin_error *error);
json_t *parley_webrtc_params_restart_ice(parley_plugin_session *session, parley_plugin_error *error);
int parley_webrtc_params_receive(parley_plugin_session *session, const char *kind, json_t *rtp_parameters, int *mindex,
                                 parley_plugin_error *error);
json_t *parley_webrtc_params_send(parley_plugin_session *session, json_t *options, parley_plugin_error *error);
int parley_webrtc_params_pause(parley_plugin_session *session, int mindex, bool paused, parley_plugin_error *error);
int parley_webrtc_params_close(parley_plugin_session *session, int mindex, parley_plugin_error *error);
json_t *parley_webrtc_params_rtp_capabilities(void);

#endif
