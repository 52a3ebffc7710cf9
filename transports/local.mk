# Transports: one folder each, each with its own local.mk.
include transports/common/local.mk
include transports/http/local.mk
include transports/websocket/local.mk
include transports/redis/local.mk
