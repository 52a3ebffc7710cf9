# Plugins: one folder each, each with its own local.mk.
include plugins/chat/local.mk
include plugins/echo/local.mk
include plugins/meeting/local.mk
include plugins/room/local.mk
