# The core's JSON API: sessions and handles (with their PeerConnections,
# webrtc.c), the client and admin APIs and the request envelope they share,
# auth, error reasons, declarative validation, the module tables and the
# plain-HTTP status routes (their unit tests are listed in local.mk).
core_api_sources = core/api.c core/messages.c core/admin.c core/request.c core/session.c core/webrtc.c \
	core/webrtc_settings.c core/webrtc_params.c core/webrtc_data.c core/webrtc_owned.c core/validate.c \
	core/errors.c core/auth.c core/tables.c core/status.c core/metrics.c
