# core/media PeerConnections described by mediasoup-style parameters instead
# of SDP (params.h): rtpParameters <-> the SDP model, the RTP capabilities,
# and one pc's declared streams turned into description models for
# pc_params.c. In libparleymedia.la; its core side (the plugin table
# entries) is core/webrtc_params.c. Unit tests: the translation both ways
# and its refusals (test_params); a pc set up only through the parameters
# against a libnice pc set up through SDP built from them (test_params_pc).
media_params_sources = \
	core/media/params.h core/media/params_rtp.c core/media/params_caps.c core/media/params_session.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_params tests/unit/test_params_pc
tests_unit_test_params_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_params_pc_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
endif
