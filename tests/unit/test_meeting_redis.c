/*
 * tests/unit/test_meeting_redis.c — the cluster-mode pieces of the meeting
 * plugin against a real redis-server that the test starts on a free
 * loopback port and stops by PID: a refused redis_url, the clear error when Redis
 * is unreachable, the Redis participant store (records, instance sets,
 * flags, presence, peer lookup, clearing), the atomic capacity check, the
 * reaper of a dead instance, reconciliation after Redis lost its data, and
 * meeting rows shared through Redis.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "plugins/meeting/cluster.h"

static GPid redis_pid;
static int redis_port;
static char *redis_url;
static char *redis_dir;

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

static int start_redis(void **state)
{
	(void)state;
	redis_port = free_port();
	if (redis_port <= 0)
		return -1;
	redis_dir = g_dir_make_tmp("parley-redis-XXXXXX", NULL);
	char port[16];
	g_snprintf(port, sizeof(port), "%d", redis_port);
	char *argv[] = { "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
	                 "--appendonly", "no", "--dir", redis_dir, NULL };
	if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
	                   G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &redis_pid, NULL))
		return -1;
	redis_url = g_strdup_printf("redis://127.0.0.1:%d", redis_port);
	for (int i = 0; i < 100; i++) { /* up to 5 s */
		char *error = NULL;
		parley_meeting_redis *r = parley_meeting_redis_new(redis_url, "t:", NULL, 500, false, &error);
		g_free(error);
		if (r != NULL) {
			parley_meeting_redis_free(r);
			return 0;
		}
		g_usleep(50000);
	}
	return -1;
}

static int stop_redis(void **state)
{
	(void)state;
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		g_spawn_close_pid(redis_pid);
	}
	if (redis_dir != NULL) {
		g_rmdir(redis_dir);
		g_free(redis_dir);
	}
	g_free(redis_url);
	return 0;
}

static parley_meeting_redis *link_for(const char *instance)
{
	char *error = NULL;
	parley_meeting_redis *r = parley_meeting_redis_new(redis_url, "t:", instance, 1000, false, &error);
	assert_null(error);
	assert_non_null(r);
	redisReply *reply = parley_meeting_redis_command(r, "FLUSHALL");
	assert_non_null(reply);
	freeReplyObject(reply);
	return r;
}

static parley_meeting_participant make(const char *room, const char *user, const char *peer, int64_t at)
{
	parley_meeting_participant p = {
		.room_id = (char *)room, .user_id = (char *)user, .user_name = (char *)user,
		.peer_id = (char *)peer, .audio = true, .video = true, .joined_at = at,
	};
	return p;
}

/* The URL grammar is util's (test_util_redis_url.c); a refusal names the setting. */
static void a_bad_url_names_the_setting(void **state)
{
	(void)state;
	const char *bad[] = { "http://x", "redis://h:0", "redis://h:99999", "redis://h:1/x", "redis://pw@h", NULL };
	for (int i = 0; bad[i] != NULL; i++) {
		char *error = NULL;
		assert_null(parley_meeting_redis_new(bad[i], "t:", NULL, 300, true, &error));
		assert_non_null(error);
		assert_non_null(strstr(error, "redis_url"));
		assert_non_null(strstr(error, bad[i]));
		g_free(error);
	}
}

static void unreachable_is_a_clear_error(void **state)
{
	(void)state;
	int port = free_port();
	char *url = g_strdup_printf("redis://127.0.0.1:%d", port);
	char *error = NULL;
	assert_null(parley_meeting_redis_new(url, "t:", NULL, 300, false, &error));
	assert_non_null(error);
	assert_non_null(strstr(error, "cannot connect to Redis"));
	g_free(error);
	error = NULL;
	/* allowed to start down: commands fail without crashing */
	parley_meeting_redis *r = parley_meeting_redis_new(url, "t:", NULL, 300, true, &error);
	g_free(error);
	assert_non_null(r);
	assert_false(parley_meeting_redis_is_up(r));
	assert_null(parley_meeting_redis_command(r, "PING"));
	parley_meeting_store *s = parley_meeting_store_redis_new(r);
	assert_null(s->ops->get(s, "room", "u"));
	assert_int_equal(s->ops->count(s, "room", PARLEY_MEETING_JOINED), 0);
	s->ops->destroy(s);
	parley_meeting_redis_free(r);
	g_free(url);
}

static void records_in_hashes(void **state)
{
	(void)state;
	parley_meeting_redis *r = link_for("aaaaaaaa");
	parley_meeting_store *s = parley_meeting_store_redis_new(r);
	parley_meeting_participant a = make("room1", "alice", "aaaaaaaaPEER0001", 20);
	parley_meeting_participant b = make("room1", "bob", "bbbbbbbbPEER0002", 10);
	a.user_email = "alice@example.com";
	assert_int_equal(s->ops->add(s, &a), 0);
	assert_int_equal(s->ops->add(s, &b), 0);

	redisReply *raw = parley_meeting_redis_command(r, "HGET t:meeting:room1:participants alice");
	assert_non_null(raw);
	assert_int_equal(raw->type, REDIS_REPLY_STRING);
	assert_non_null(strstr(raw->str, "\"instance\":\"aaaaaaaa\""));
	freeReplyObject(raw);
	raw = parley_meeting_redis_command(r, "SISMEMBER t:instance:bbbbbbbb:participants %s", "room1\tbob");
	assert_int_equal(raw->integer, 1);
	freeReplyObject(raw);

	GPtrArray *list = s->ops->list(s, "room1", PARLEY_MEETING_JOINED);
	assert_int_equal(list->len, 2);
	assert_string_equal(((parley_meeting_participant *)list->pdata[0])->user_id, "bob"); /* joined first */
	g_ptr_array_unref(list);

	parley_meeting_participant *got = s->ops->get(s, "room1", "alice");
	assert_non_null(got);
	assert_string_equal(got->user_email, "alice@example.com");
	assert_true(got->audio);
	parley_meeting_participant_free(got);

	assert_int_equal(s->ops->update_flags(s, "room1", "alice", PARLEY_MEETING_FLAG_AUDIO |
	                                      PARLEY_MEETING_FLAG_SCREEN, PARLEY_MEETING_FLAG_SCREEN), 0);
	got = s->ops->get(s, "room1", "alice");
	assert_false(got->audio);
	assert_true(got->video);
	assert_true(got->screen);
	parley_meeting_participant_free(got);
	assert_int_equal(s->ops->update_flags(s, "room1", "nobody", 1, 1), -1);

	assert_int_equal(s->ops->set_presence(s, "room1", "alice", PARLEY_MEETING_WAITING), 0);
	assert_int_equal(s->ops->count(s, "room1", PARLEY_MEETING_JOINED), 1);
	assert_int_equal(s->ops->count(s, "room1", PARLEY_MEETING_WAITING), 1);

	/* only local peers are found by peer; the record must still be in Redis */
	got = s->ops->get_by_peer(s, "aaaaaaaaPEER0001");
	assert_non_null(got);
	assert_string_equal(got->user_id, "alice");
	assert_int_equal(got->presence, PARLEY_MEETING_WAITING);
	parley_meeting_participant_free(got);
	assert_null(s->ops->get_by_peer(s, "bbbbbbbbPEER0002"));

	/* the same peer joining elsewhere leaves room1 */
	parley_meeting_participant moved = make("room2", "alice", "aaaaaaaaPEER0001", 30);
	assert_int_equal(s->ops->add(s, &moved), 0);
	assert_null(s->ops->get(s, "room1", "alice"));
	got = s->ops->get_by_peer(s, "aaaaaaaaPEER0001");
	assert_string_equal(got->room_id, "room2");
	parley_meeting_participant_free(got);

	/* removed by another instance: the peer lookup sees it */
	raw = parley_meeting_redis_command(r, "HDEL t:meeting:room2:participants alice");
	freeReplyObject(raw);
	assert_null(s->ops->get_by_peer(s, "aaaaaaaaPEER0001"));

	assert_int_equal(s->ops->remove(s, "room1", "bob"), 0);
	assert_int_equal(s->ops->remove(s, "room1", "bob"), -1);
	raw = parley_meeting_redis_command(r, "SISMEMBER t:instance:bbbbbbbb:participants %s", "room1\tbob");
	assert_int_equal(raw->integer, 0);
	freeReplyObject(raw);

	parley_meeting_participant c = make("room3", "carol", "aaaaaaaaPEER0003", 1);
	parley_meeting_participant d = make("room3", "dave", "ccccccccPEER0004", 2);
	s->ops->add(s, &c);
	s->ops->add(s, &d);
	assert_int_equal(s->ops->clear_room(s, "room3"), 2);
	assert_int_equal(s->ops->count(s, "room3", PARLEY_MEETING_JOINED), 0);
	assert_null(s->ops->get_by_peer(s, "aaaaaaaaPEER0003"));
	raw = parley_meeting_redis_command(r, "SCARD t:instance:cccccccc:participants");
	assert_int_equal(raw->integer, 0);
	freeReplyObject(raw);
	s->ops->destroy(s);
	parley_meeting_redis_free(r);
}

static void capacity_is_atomic(void **state)
{
	(void)state;
	parley_meeting_redis *r1 = link_for("aaaaaaaa");
	parley_meeting_redis *r2 = parley_meeting_redis_new(redis_url, "t:", "bbbbbbbb", 1000, false, NULL);
	parley_meeting_store *s1 = parley_meeting_store_redis_new(r1), *s2 = parley_meeting_store_redis_new(r2);
	parley_meeting_participant a = make("full", "a", "aaaaaaaaPEER0001", 1);
	parley_meeting_participant b = make("full", "b", "bbbbbbbbPEER0002", 2);
	parley_meeting_participant c = make("full", "c", "bbbbbbbbPEER0003", 3);
	assert_int_equal(parley_meeting_store_redis_add_capped(s1, &a, 2), 0);
	assert_int_equal(parley_meeting_store_redis_add_capped(s2, &b, 2), 0);
	assert_int_equal(parley_meeting_store_redis_add_capped(s2, &c, 2), 1);
	assert_null(s1->ops->get(s1, "full", "c"));
	/* the same user again does not count twice */
	a.audio = false;
	assert_int_equal(parley_meeting_store_redis_add_capped(s1, &a, 2), 0);
	/* waiting users do not count */
	b.presence = PARLEY_MEETING_WAITING;
	assert_int_equal(parley_meeting_store_redis_add_capped(s2, &b, 2), 0);
	assert_int_equal(parley_meeting_store_redis_add_capped(s2, &c, 2), 0);
	assert_int_equal(s1->ops->count(s1, "full", PARLEY_MEETING_JOINED), 2);
	s1->ops->destroy(s1);
	s2->ops->destroy(s2);
	parley_meeting_redis_free(r1);
	parley_meeting_redis_free(r2);
}

static void reaper_removes_a_dead_instance(void **state)
{
	(void)state;
	parley_meeting_redis *ra = link_for("aaaaaaaa");
	parley_meeting_redis *rb = parley_meeting_redis_new(redis_url, "t:", "bbbbbbbb", 1000, false, NULL);
	parley_meeting_store *sa = parley_meeting_store_redis_new(ra), *sb = parley_meeting_store_redis_new(rb);
	parley_meeting_participant a1 = make("m1", "a1", "aaaaaaaaPEER0001", 1);
	parley_meeting_participant a2 = make("m2", "a2", "aaaaaaaaPEER0002", 1);
	parley_meeting_participant a3 = make("m1", "a3", "aaaaaaaaPEER0003", 1);
	parley_meeting_participant b1 = make("m1", "b1", "bbbbbbbbPEER0004", 1);
	sa->ops->add(sa, &a1);
	sa->ops->add(sa, &a2);
	sa->ops->add(sa, &a3);
	sb->ops->add(sb, &b1);
	/* a3 reconnected through instance b before a died: b's record stays */
	parley_meeting_participant a3b = make("m1", "a3", "bbbbbbbbPEER0005", 2);
	sb->ops->add(sb, &a3b);

	GPtrArray *gone = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_participant_free);
	assert_int_equal(parley_meeting_store_redis_reap(sb, "aaaaaaaa", gone), 2);
	assert_int_equal(gone->len, 2);
	g_ptr_array_unref(gone);
	assert_null(sb->ops->get(sb, "m1", "a1"));
	assert_null(sb->ops->get(sb, "m2", "a2"));
	parley_meeting_participant *kept = sb->ops->get(sb, "m1", "a3");
	assert_non_null(kept);
	assert_string_equal(kept->peer_id, "bbbbbbbbPEER0005");
	parley_meeting_participant_free(kept);
	assert_int_equal(sb->ops->count(sb, "m1", PARLEY_MEETING_JOINED), 2);
	redisReply *raw = parley_meeting_redis_command(rb, "EXISTS t:instance:aaaaaaaa:participants");
	assert_int_equal(raw->integer, 0);
	freeReplyObject(raw);
	/* nobody reaps itself; a second pass finds nothing */
	assert_int_equal(parley_meeting_store_redis_reap(sb, "bbbbbbbb", NULL), -1);
	assert_int_equal(parley_meeting_store_redis_reap(sb, "aaaaaaaa", NULL), 0);
	sa->ops->destroy(sa);
	sb->ops->destroy(sb);
	parley_meeting_redis_free(ra);
	parley_meeting_redis_free(rb);
}

static void reconcile_after_data_loss(void **state)
{
	(void)state;
	parley_meeting_redis *r = link_for("aaaaaaaa");
	parley_meeting_store *s = parley_meeting_store_redis_new(r);
	parley_meeting_participant a = make("m", "alice", "aaaaaaaaPEER0001", 1);
	parley_meeting_participant b = make("m", "bob", "aaaaaaaaPEER0002", 2);
	s->ops->add(s, &a);
	s->ops->add(s, &b);
	GPtrArray *rooms = parley_meeting_store_redis_local_rooms(s);
	assert_int_equal(rooms->len, 1);
	assert_string_equal(rooms->pdata[0], "m");
	g_ptr_array_unref(rooms);
	redisReply *raw = parley_meeting_redis_command(r, "FLUSHALL"); /* a restart without persistence */
	freeReplyObject(raw);
	assert_int_equal(s->ops->count(s, "m", PARLEY_MEETING_JOINED), 0);
	GPtrArray *gone = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_participant_free);
	assert_int_equal(parley_meeting_store_redis_reconcile(s, gone), 0);
	assert_int_equal(gone->len, 0);
	assert_int_equal(s->ops->count(s, "m", PARLEY_MEETING_JOINED), 2);
	/* a fresh store of the same instance has no local participants: its
	 * reconciliation removes what Redis still says is there */
	parley_meeting_store *fresh = parley_meeting_store_redis_new(r);
	assert_int_equal(parley_meeting_store_redis_reconcile(fresh, gone), 0);
	assert_int_equal(gone->len, 2);
	assert_int_equal(s->ops->count(s, "m", PARLEY_MEETING_JOINED), 0);
	g_ptr_array_unref(gone);
	fresh->ops->destroy(fresh);
	s->ops->destroy(s);
	parley_meeting_redis_free(r);
}

static void meeting_rows_are_shared(void **state)
{
	(void)state;
	parley_meeting_redis *r = link_for("aaaaaaaa");
	parley_meeting_db *db1 = parley_meeting_db_open(":memory:", NULL);
	parley_meeting_db *db2 = parley_meeting_db_open(":memory:", NULL);
	char *domains[] = { "example.com", NULL };
	parley_meeting m = {
		.room_id = "abcdefghij", .title = "Standup", .description = "", .host_id = "host",
		.host_name = "Host", .created_at = 1000, .scheduled_at = 2000, .status = PARLEY_MEETING_STATUS_ACTIVE,
		.settings = { .max_participants = 7, .chat = true, .allowed_domains = domains },
	};
	assert_int_equal(parley_meeting_db_insert(db1, &m), 0);
	assert_int_equal(parley_meeting_row_push(r, &m), 0);
	assert_int_equal(parley_meeting_row_pull(r, db2, "abcdefghij"), 1);
	assert_int_equal(parley_meeting_row_pull(r, db2, "zzzzzzzzzz"), 0);
	parley_meeting *copy = parley_meeting_db_get(db2, "abcdefghij");
	assert_non_null(copy);
	assert_string_equal(copy->title, "Standup");
	assert_int_equal(copy->status, PARLEY_MEETING_STATUS_ACTIVE);
	assert_int_equal(copy->settings.max_participants, 7);
	assert_true(copy->settings.chat);
	assert_string_equal(copy->settings.allowed_domains[0], "example.com");
	/* an end elsewhere reaches this copy on the next pull */
	copy->status = PARLEY_MEETING_STATUS_ENDED;
	copy->ended_at = 5000;
	g_free(copy->end_reason);
	copy->end_reason = g_strdup("host");
	assert_int_equal(parley_meeting_row_push(r, copy), 0);
	parley_meeting_free(copy);
	assert_int_equal(parley_meeting_row_pull(r, db1, "abcdefghij"), 1);
	parley_meeting *ended = parley_meeting_db_get(db1, "abcdefghij");
	assert_int_equal(ended->status, PARLEY_MEETING_STATUS_ENDED);
	assert_string_equal(ended->end_reason, "host");
	parley_meeting_free(ended);
	/* a malformed row is refused */
	redisReply *raw = parley_meeting_redis_command(r, "HSET t:meeting:badbadbadb row %s", "{\"roomId\":1}");
	freeReplyObject(raw);
	assert_int_equal(parley_meeting_row_pull(r, db1, "badbadbadb"), -1);
	parley_meeting_db_close(db1);
	parley_meeting_db_close(db2);
	parley_meeting_redis_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bad_url_names_the_setting),
		cmocka_unit_test(unreachable_is_a_clear_error),
		cmocka_unit_test(records_in_hashes),
		cmocka_unit_test(capacity_is_atomic),
		cmocka_unit_test(reaper_removes_a_dead_instance),
		cmocka_unit_test(reconcile_after_data_loss),
		cmocka_unit_test(meeting_rows_are_shared),
	};
	return cmocka_run_group_tests(tests, start_redis, stop_redis);
}
