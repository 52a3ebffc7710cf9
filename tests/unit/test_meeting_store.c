/*
 * tests/unit/test_meeting_store.c — the in-memory participant store: add,
 * get, list order and presence, counts, flags, peer mapping, replacement
 * of a user's record, removal and clearing a meeting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "plugins/meeting/store.h"

static parley_meeting_participant make(const char *room, const char *user, const char *peer, int64_t at)
{
	parley_meeting_participant p = {
		.room_id = (char *)room, .user_id = (char *)user, .user_name = (char *)user,
		.peer_id = (char *)peer, .audio = true, .video = true, .joined_at = at,
	};
	return p;
}

static void add_get_and_list(void **state)
{
	parley_meeting_store *s = parley_meeting_store_memory_new();
	parley_meeting_participant a = make("r1", "alice", "pa", 3), b = make("r1", "bob", "pb", 1),
	                           c = make("r2", "carol", "pc", 2);
	assert_int_equal(s->ops->add(s, &a), 0);
	assert_int_equal(s->ops->add(s, &b), 0);
	assert_int_equal(s->ops->add(s, &c), 0);
	parley_meeting_participant *got = s->ops->get(s, "r1", "alice");
	assert_non_null(got);
	assert_string_equal(got->peer_id, "pa");
	assert_true(got->audio);
	assert_ptr_not_equal(got->user_id, a.user_id); /* a copy */
	parley_meeting_participant_free(got);
	assert_null(s->ops->get(s, "r1", "carol"));
	assert_null(s->ops->get(s, "nope", "alice"));

	GPtrArray *list = s->ops->list(s, "r1", PARLEY_MEETING_JOINED);
	assert_int_equal(list->len, 2);
	assert_string_equal(((parley_meeting_participant *)list->pdata[0])->user_id, "bob"); /* oldest first */
	assert_string_equal(((parley_meeting_participant *)list->pdata[1])->user_id, "alice");
	g_ptr_array_unref(list);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 2);
	assert_int_equal(s->ops->count(s, "r2", PARLEY_MEETING_JOINED), 1);
	assert_int_equal(s->ops->count(s, "r3", PARLEY_MEETING_JOINED), 0);
	assert_int_equal(s->ops->add(s, NULL), -1);
	s->ops->destroy(s);
}

static void presence_and_flags(void **state)
{
	parley_meeting_store *s = parley_meeting_store_memory_new();
	parley_meeting_participant a = make("r1", "alice", "pa", 1), w = make("r1", "wendy", "pw", 2);
	w.presence = PARLEY_MEETING_WAITING;
	s->ops->add(s, &a);
	s->ops->add(s, &w);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 1);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_WAITING), 1);
	GPtrArray *waiting = s->ops->list(s, "r1", PARLEY_MEETING_WAITING);
	assert_int_equal(waiting->len, 1);
	assert_string_equal(((parley_meeting_participant *)waiting->pdata[0])->user_id, "wendy");
	g_ptr_array_unref(waiting);
	assert_int_equal(s->ops->set_presence(s, "r1", "wendy", PARLEY_MEETING_JOINED), 0);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 2);
	assert_int_equal(s->ops->set_presence(s, "r1", "ghost", PARLEY_MEETING_JOINED), -1);

	assert_int_equal(s->ops->update_flags(s, "r1", "alice", PARLEY_MEETING_FLAG_AUDIO | PARLEY_MEETING_FLAG_SCREEN,
	                                      PARLEY_MEETING_FLAG_SCREEN), 0);
	parley_meeting_participant *p = s->ops->get(s, "r1", "alice");
	assert_false(p->audio);
	assert_true(p->video); /* not in the mask: untouched */
	assert_true(p->screen);
	parley_meeting_participant_free(p);
	assert_int_equal(s->ops->update_flags(s, "r1", "ghost", PARLEY_MEETING_FLAG_AUDIO, 0), -1);
	s->ops->destroy(s);
}

static void peer_mapping_and_replacement(void **state)
{
	parley_meeting_store *s = parley_meeting_store_memory_new();
	parley_meeting_participant a = make("r1", "alice", "p1", 1);
	s->ops->add(s, &a);
	parley_meeting_participant *p = s->ops->get_by_peer(s, "p1");
	assert_non_null(p);
	assert_string_equal(p->user_id, "alice");
	parley_meeting_participant_free(p);

	/* the same user on a new peer replaces the old record and mapping */
	parley_meeting_participant again = make("r1", "alice", "p2", 5);
	s->ops->add(s, &again);
	assert_null(s->ops->get_by_peer(s, "p1"));
	p = s->ops->get_by_peer(s, "p2");
	assert_non_null(p);
	assert_int_equal(p->joined_at, 5);
	parley_meeting_participant_free(p);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 1);

	/* the same peer joining another meeting leaves the first one */
	parley_meeting_participant moved = make("r2", "alice", "p2", 6);
	s->ops->add(s, &moved);
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 0);
	assert_int_equal(s->ops->count(s, "r2", PARLEY_MEETING_JOINED), 1);
	p = s->ops->get_by_peer(s, "p2");
	assert_string_equal(p->room_id, "r2");
	parley_meeting_participant_free(p);
	assert_null(s->ops->get_by_peer(s, NULL));
	s->ops->destroy(s);
}

static void remove_and_clear(void **state)
{
	parley_meeting_store *s = parley_meeting_store_memory_new();
	parley_meeting_participant a = make("r1", "alice", "pa", 1), b = make("r1", "bob", "pb", 2),
	                           c = make("r2", "carol", "pc", 3);
	s->ops->add(s, &a);
	s->ops->add(s, &b);
	s->ops->add(s, &c);
	assert_int_equal(s->ops->remove(s, "r1", "alice"), 0);
	assert_int_equal(s->ops->remove(s, "r1", "alice"), -1);
	assert_null(s->ops->get_by_peer(s, "pa"));
	assert_int_equal(s->ops->clear_room(s, "r1"), 1);
	assert_null(s->ops->get_by_peer(s, "pb"));
	assert_int_equal(s->ops->count(s, "r1", PARLEY_MEETING_JOINED), 0);
	assert_int_equal(s->ops->clear_room(s, "r1"), 0);
	assert_int_equal(s->ops->count(s, "r2", PARLEY_MEETING_JOINED), 1);
	s->ops->destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_get_and_list),
		cmocka_unit_test(presence_and_flags),
		cmocka_unit_test(peer_mapping_and_replacement),
		cmocka_unit_test(remove_and_clear),
	};
	return cmocka_run_group_tests_name("meeting_store", tests, NULL, NULL);
}
