/*
 * broken_init.c — a valid plugin whose init fails. The loader must refuse
 * it, never call anything else in it, and dlclose it.
 */
#include <stdlib.h>
#include <parley/plugin.h>

static int init(const parley_plugin_core *core)
{
	return -1;
}
static void destroy(void)
{
	abort();   /* a plugin whose init failed is never destroyed */
}

#define BROKEN_API_VERSION PARLEY_PLUGIN_API_VERSION
#define BROKEN_PACKAGE "parley.plugin.test_init"
#define BROKEN_NAME "init fails"
#include "broken_plugin.h"
