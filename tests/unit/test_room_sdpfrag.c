/*
 * tests/unit/test_room_sdpfrag.c — trickle-ice-sdpfrag bodies (RFC 8840)
 * as the room's WHIP/WHEP PATCHes read them: the fragments real clients
 * send (simple-whip-client's, a browser's, session- or media-level
 * credentials, LF or CRLF), every refusal with the line it names, our own
 * fragment after an ICE restart taken from our description (first m-line
 * only), the writer, and a write/parse round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/room/sdpfrag.h"

static room_sdpfrag frag;
static char reason[256];

static int parse(const char *text)
{
	memset(reason, 0, sizeof(reason));
	return parley_room_sdpfrag_parse(text, strlen(text), &frag, reason, sizeof(reason));
}

static void refused(const char *text, const char *why)
{
	assert_int_equal(parse(text), -1);
	if (strstr(reason, why) == NULL)
		fail_msg("\"%s\" refused with \"%s\", expected \"%s\"", text, reason, why);
}

static void client_fragments(void **state)
{
	(void)state;
	/* simple-whip-client: session-level credentials, a fake m-line, its mid, candidates, the end */
	assert_int_equal(parse("a=ice-ufrag:AbCd\r\na=ice-pwd:0123456789abcdefghijkl\r\nm=audio 9 RTP/AVP 0\r\n"
	                       "a=mid:video0\r\na=candidate:1 1 UDP 2015363327 127.0.0.1 56925 typ host\r\n"
	                       "a=candidate:2 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active\r\n"
	                       "a=candidate:4 1 UDP 2015363583 ::1 57738 typ host\r\n"
	                       "a=end-of-candidates\r\n"), 0);
	assert_string_equal(frag.ufrag, "AbCd");
	assert_string_equal(frag.pwd, "0123456789abcdefghijkl");
	assert_int_equal(frag.media, 1);
	assert_string_equal(frag.media_line, "m=audio 9 RTP/AVP 0");
	assert_string_equal(frag.first_mid, "video0");
	assert_int_equal(frag.n_candidates, 3);
	assert_string_equal(frag.candidates[0].line, "candidate:1 1 UDP 2015363327 127.0.0.1 56925 typ host");
	assert_string_equal(frag.candidates[2].mid, "video0");
	assert_true(frag.end_of_candidates);
	/* a browser's: media-level credentials, LF only, candidates before the mid, raddr/rport, ufrag fragment */
	assert_int_equal(parse("m=audio 9 UDP/TLS/RTP/SAVPF 0\na=ice-ufrag:Wx+/\na=ice-pwd:abcdefghijklmnopqrstuv+/\n"
	                       "a=candidate:842163049 1 udp 1677729535 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0 "
	                       "generation 0 ufrag Wx+/ network-cost 999\na=mid:0\n"), 0);
	assert_string_equal(frag.ufrag, "Wx+/");
	assert_int_equal(frag.n_candidates, 1);
	assert_string_equal(frag.candidates[0].mid, "0");
	assert_false(frag.end_of_candidates);
	/* only the end of candidates; and credentials alone (an ICE restart without candidates yet) */
	assert_int_equal(parse("a=end-of-candidates\r\n"), 0);
	assert_true(frag.end_of_candidates);
	assert_string_equal(frag.ufrag, "");
	assert_int_equal(parse("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"), 0);
	assert_int_equal(frag.media, 0);
	/* other SDP lines and unknown attributes are not in the way */
	assert_int_equal(parse("v=0\r\nb=AS:10\r\na=ice-options:trickle\r\na=group:BUNDLE 0\r\n"
	                       "a=candidate:1 1 udp 1 10.0.0.1 1 typ relay raddr 1.2.3.4 rport 5\r\n\r\n"), 0);
	assert_int_equal(frag.n_candidates, 1);
	/* the same credentials at both levels are fine */
	assert_int_equal(parse("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\nm=video 9 RTP/AVP 0\r\n"
	                       "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"), 0);
}

static void refusals(void **state)
{
	(void)state;
	refused("", "no ICE credentials");
	refused("a=mid:0\r\n", "a=mid before any m-line");
	refused("m=audio 9 RTP/AVP 0\r\na=mid:\r\n", "a=mid must be");
	refused("hello\r\n", "line 1: not an SDP line");
	refused("a=end-of-candidates\r\n=x\r\n", "line 2: not an SDP line");
	refused("a=ice-ufrag:abc\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", "ice-ufrag must be 4 to 256");
	refused("a=ice-ufrag:abcd\r\na=ice-pwd:short\r\n", "ice-pwd must be 22 to 256");
	refused("a=ice-ufrag:ab:cd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", "not an ice-char");
	refused("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\nm=audio 9 RTP/AVP 0\r\na=ice-ufrag:efgh\r\n",
	        "line 4: ice-ufrag differs");
	refused("a=ice-ufrag:abcd\r\n", "ice-ufrag without ice-pwd");
	refused("a=ice-pwd:abcdefghijklmnopqrstuv\r\n", "ice-pwd without ice-ufrag");
	static const char *const candidates[] = {
		"a=candidate:\r\n",
		"a=candidate:1 1 udp 2 127.0.0.1 9 typ\r\n",
		"a=candidate:1 x udp 2 127.0.0.1 9 typ host\r\n",
		"a=candidate:1 1 ud9 2 127.0.0.1 9 typ host\r\n",
		"a=candidate:1 1 udp two 127.0.0.1 9 typ host\r\n",
		"a=candidate:1 1 udp 2 127.0.0.1 65536 typ host\r\n",
		"a=candidate:1 1 udp 2 127.0.0.1 9 type host\r\n",
		"a=candidate:1 1 udp 2 127.0.0.1 9 typ hots\r\n",
		"a=candidate:1 1 udp 2 127.0.0.1/8 9 typ host\r\n",
		"a=candidate:f@o 1 udp 2 127.0.0.1 9 typ host\r\n",
	};
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		refused(candidates[i], "malformed candidate");
	char *many = calloc(1, 64 * 64);
	for (int i = 0; i <= ROOM_SDPFRAG_MAX_CANDIDATES; i++)
		sprintf(many + strlen(many), "a=candidate:%d 1 udp 1 127.0.0.1 %d typ host\r\n", i, 1000 + i);
	refused(many, "more than 32 candidates");
	free(many);
	char *long_line = calloc(1, ROOM_SDPFRAG_MAX_LINE + 16);
	memset(long_line, 'x', ROOM_SDPFRAG_MAX_LINE + 4);
	memcpy(long_line, "a=x:", 4);
	refused(long_line, "longer than");
	free(long_line);
	/* a NUL inside the body */
	static const char nul[] = "a=end-of-candidates\r\na=x\0y\r\n";
	assert_int_equal(parley_room_sdpfrag_parse(nul, sizeof(nul) - 1, &frag, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "NUL"));
	assert_int_equal(parley_room_sdpfrag_parse(NULL, 0, &frag, reason, sizeof(reason)), -1);
}

static void candidate_fields(void **state)
{
	(void)state;
	assert_true(parley_room_sdpfrag_candidate_ok("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"));
	assert_true(parley_room_sdpfrag_candidate_ok("a=candidate:1 1 UDP 2130706431 fe80::1 5000 typ prflx"));
	assert_true(parley_room_sdpfrag_candidate_ok("candidate:abc+/ 2 tcp 1 host.local 9 typ host tcptype active"));
	assert_false(parley_room_sdpfrag_candidate_ok(NULL));
	assert_false(parley_room_sdpfrag_candidate_ok("a=candidat:1 1 udp 1 1.2.3.4 5 typ host"));
	assert_false(parley_room_sdpfrag_candidate_ok("candidate:1 1 udp 12345678901 1.2.3.4 5 typ host"));
}

static const char our_answer[] =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Parley\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE video0 audio1\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:ours\r\na=ice-pwd:ourpasswordourpassword\r\n"
	"a=mid:video0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40001 typ host\r\n"
	"a=candidate:2 1 tcp 1518280447 127.0.0.1 40002 typ host tcptype passive\r\na=end-of-candidates\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:ours\r\na=ice-pwd:ourpasswordourpassword\r\na=mid:audio1\r\n"
	"a=candidate:1 1 udp 2130706431 127.0.0.1 40001 typ host\r\na=end-of-candidates\r\n";

static void our_fragment(void **state)
{
	(void)state;
	room_sdpfrag ours;
	assert_int_equal(parley_room_sdpfrag_of_description(our_answer, &ours), 0);
	assert_true(ours.ice_lite);
	assert_string_equal(ours.ufrag, "ours");
	assert_string_equal(ours.first_mid, "video0");
	assert_string_equal(ours.media_line, "m=video 9 UDP/TLS/RTP/SAVPF 96");
	assert_int_equal(ours.n_candidates, 2);   /* the first m-line's: BUNDLE */
	assert_true(ours.end_of_candidates);
	char out[2048];
	size_t n = parley_room_sdpfrag_write(&ours, out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, "a=ice-lite\r\na=ice-ufrag:ours\r\na=ice-pwd:ourpasswordourpassword\r\n"
	                         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video0\r\n"
	                         "a=candidate:1 1 udp 2130706431 127.0.0.1 40001 typ host\r\n"
	                         "a=candidate:2 1 tcp 1518280447 127.0.0.1 40002 typ host tcptype passive\r\n"
	                         "a=end-of-candidates\r\n");
	/* what we write, a client reads back */
	assert_int_equal(parley_room_sdpfrag_parse(out, n, &frag, reason, sizeof(reason)), 0);
	assert_string_equal(frag.pwd, ours.pwd);
	assert_int_equal(frag.n_candidates, 2);
	assert_true(frag.ice_lite);
	/* too small a buffer writes nothing */
	assert_int_equal(parley_room_sdpfrag_write(&ours, out, 40), 0);
	/* a description without credentials or m-line is no fragment */
	assert_int_equal(parley_room_sdpfrag_of_description("v=0\r\nm=audio 9 RTP/AVP 0\r\n", &ours), -1);
	assert_int_equal(parley_room_sdpfrag_of_description("v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n",
	                                                    &ours), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_fragments),
		cmocka_unit_test(refusals),
		cmocka_unit_test(candidate_fields),
		cmocka_unit_test(our_fragment),
	};
	return cmocka_run_group_tests_name("room_sdpfrag", tests, NULL, NULL);
}
