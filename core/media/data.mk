# core/media data channels: DCEP's wire format (dcep.c), the channel layer
# of one association (datachannel.c), usrsctp and its associations
# (sctp.c, the id table sctp_table.c), included by core/media/local.mk into
# libparleymedia.la. Unit tests: DCEP encode/decode (test_dcep), the
# channel layer against a recording transport (test_datachannel), the id
# table and two usrsctp associations back to back on two loops
# (test_sctp); pc-level tests below.
media_data_sources = \
	core/media/dcep.h core/media/dcep.c core/media/datachannel.h core/media/datachannel.c \
	core/media/sctp_table.h core/media/sctp_table.c core/media/sctp.h core/media/sctp.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dcep tests/unit/test_datachannel tests/unit/test_sctp
tests_unit_test_dcep_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_datachannel_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_sctp_CFLAGS = $(AM_CFLAGS) $(USRSCTP_CFLAGS)
tests_unit_test_sctp_LDADD = $(MEDIA_TEST_LIBS)
endif

# PeerConnections with data channels: the m=application line against a
# captured Chromium offer and a legacy one, and two pcs over 127.0.0.1
# with audio, video and data in one BUNDLE.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_pc_data
tests_unit_test_pc_data_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
endif
