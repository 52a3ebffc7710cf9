/*
 * test_example_plugin.c — the out-of-tree example plugin (examples/plugin)
 * builds with nothing but `pkg-config --cflags --libs parley` against the
 * installed headers (`make check` installs into the build's stage prefix
 * first), with -Wl,--no-undefined, and the loader accepts the result and
 * it answers. Needs $PARLEY_SRCDIR and $PARLEY_BUILDDIR (set by
 * tests/run.sh); the example is copied to a temporary folder and built there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "core/config.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/tables.h"

static char *workdir;

static void copy_file(const char *from_dir, const char *name)
{
	char *from = g_build_filename(from_dir, name, NULL);
	char *to = g_build_filename(workdir, name, NULL);
	char *text = NULL;
	gsize length = 0;
	assert_true(g_file_get_contents(from, &text, &length, NULL));
	assert_true(g_file_set_contents(to, text, (gssize)length, NULL));
	g_free(text);
	g_free(from);
	g_free(to);
}

static void builds_with_pkg_config_and_loads(void **state)
{
	const char *srcdir = g_getenv("PARLEY_SRCDIR");
	const char *builddir = g_getenv("PARLEY_BUILDDIR");
	assert_non_null(srcdir);
	assert_non_null(builddir);
	char *pcdir = g_build_filename(builddir, "stage", "lib", "pkgconfig", NULL);
	char *pc = g_build_filename(pcdir, "parley.pc", NULL);
	if (!g_file_test(pc, G_FILE_TEST_IS_REGULAR))
		fail_msg("%s is missing: run `make install` (make check does) first", pc);

	workdir = g_dir_make_tmp("parley-example-XXXXXX", NULL);
	char *example = g_build_filename(srcdir, "examples", "plugin", NULL);
	copy_file(example, "hello.c");
	copy_file(example, "Makefile");

	/* Only the installed prefix's pkg-config file: no in-tree include path. */
	char **env = g_get_environ();
	env = g_environ_setenv(env, "PKG_CONFIG_PATH", pcdir, TRUE);
	env = g_environ_unsetenv(env, "CFLAGS");
	env = g_environ_unsetenv(env, "CPPFLAGS");
	char *argv[] = {"make", "-C", workdir, NULL};
	char *out = NULL, *err = NULL;
	int status = -1;
	GError *error = NULL;
	gboolean spawned = g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
	if (!spawned)
		fail_msg("cannot run make: %s", error->message);
	if (!g_spawn_check_wait_status(status, NULL))
		fail_msg("building the example failed:\n%s\n%s", out, err);
	assert_non_null(strstr(out, "-Wl,--no-undefined"));
	g_strfreev(env);
	g_free(out);
	g_free(err);

	char *so = g_build_filename(workdir, "hello.so", NULL);
	parley_loader_set_tables(parley_tables_all());
	assert_int_equal(parley_loader_load_file(so, PARLEY_MODULE_PLUGIN), 0);
	const parley_plugin *hello = parley_registry_plugin("parley.plugin.hello");
	assert_non_null(hello);

	parley_plugin_session session = {0};
	assert_int_equal(hello->create_session(&session), 0);
	parley_plugin_result result = {0};
	json_t *message = json_pack("{s:s, s:s}", "request", "hello", "name", "Ada");
	hello->handle_message(&session, "t", message, NULL, &result);
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK);
	assert_string_equal(json_string_value(json_object_get(result.content, "hello")), "Ada");
	json_decref(result.content);
	json_decref(message);

	parley_plugin_result refused = {0};
	message = json_pack("{s:s}", "request", "bye");
	hello->handle_message(&session, "t", message, NULL, &refused);
	assert_int_equal(refused.kind, PARLEY_PLUGIN_ERROR);
	assert_true(strlen(refused.text) > 0);
	json_decref(message);
	assert_int_equal(hello->destroy_session(&session), 0);

	parley_loader_unload_all();
	char *cmd = g_strdup_printf("rm -rf '%s'", workdir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(so);
	g_free(example);
	g_free(pc);
	g_free(pcdir);
	g_free(workdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builds_with_pkg_config_and_loads),
	};
	parley_log_set_level(PARLEY_LOG_ERROR);
	parley_config_load("/nonexistent-parley-configs");
	return cmocka_run_group_tests_name("example_plugin", tests, NULL, NULL);
}
