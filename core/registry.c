/*
 * registry.c — the modules the core accepted, per kind, and the plugin
 * aliases of [plugins] aliases ("janus.plugin.echotest=parley.plugin.echo").
 *
 * Each kind is a fixed array with an atomic count: an entry is written
 * before the count is published, so lookups from any thread take no lock;
 * writers (add, take_all) are serialised by a lock of their own. Aliases
 * are set at start-up and read under a small lock.
 */
#include <stddef.h>
#include <string.h>
#include <glib.h>
#include "registry.h"
#include "log.h"

#define PARLEY_LOG_MODULE "loader" /* alias warnings are part of loading the plugins */

static struct {
	parley_registry_entry entries[PARLEY_REGISTRY_MAX];
	gint count;   /* atomic: published after the entry is written */
} registry[PARLEY_MODULE_KINDS];

static GMutex write_lock;
static GMutex alias_lock;
static GHashTable *aliases;    /* alias -> package (both owned); under alias_lock */

/* ---- vtable heads -------------------------------------------------------- */

/* The header fields every vtable starts with: api_version, struct_size,
 * package, name, description, author, version_string, in that order. */
typedef struct vtable_prefix {
	uint32_t api_version;
	uint32_t struct_size;
	const char *package;
	const char *name;
	const char *description;
	const char *author;
	const char *version_string;
} vtable_prefix;

G_STATIC_ASSERT(offsetof(parley_plugin, version_string) == offsetof(vtable_prefix, version_string));
G_STATIC_ASSERT(offsetof(parley_transport, version_string) == offsetof(vtable_prefix, version_string));
G_STATIC_ASSERT(offsetof(parley_handler, version_string) == offsetof(vtable_prefix, version_string));

parley_module_head parley_registry_read_head(const void *vtable)
{
	const vtable_prefix *p = vtable;
	parley_module_head head = {.api_version = p->api_version, .struct_size = p->struct_size};
	if (head.struct_size >= sizeof(vtable_prefix)) {
		head.package = p->package;
		head.name = p->name;
		head.version_string = p->version_string;
	}
	return head;
}

/* ---- entries --------------------------------------------------------------- */

static bool valid_kind(parley_module_kind kind)
{
	return (unsigned)kind < PARLEY_MODULE_KINDS;
}

static const char *package_of(parley_module_kind kind, unsigned index)
{
	return parley_registry_read_head(registry[kind].entries[index].vtable).package;
}

static const void *find_package(parley_module_kind kind, const char *package)
{
	if (package == NULL)
		return NULL;
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	for (unsigned i = 0; i < count; i++) {
		if (strcmp(package_of(kind, i), package) == 0)
			return registry[kind].entries[i].vtable;
	}
	return NULL;
}

bool parley_registry_has_package(const char *package)
{
	for (unsigned k = 0; k < PARLEY_MODULE_KINDS; k++)
		if (find_package((parley_module_kind)k, package))
			return true;
	return false;
}

unsigned parley_registry_count(parley_module_kind kind)
{
	return valid_kind(kind) ? (unsigned)g_atomic_int_get(&registry[kind].count) : 0;
}

int parley_registry_add(parley_module_kind kind, const void *vtable, void *dl, const char *path)
{
	if (!valid_kind(kind) || vtable == NULL)
		return -1;
	const char *package = parley_registry_read_head(vtable).package;
	if (package == NULL)
		return -1;
	g_mutex_lock(&write_lock);
	int rc = -1;
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	if (count < PARLEY_REGISTRY_MAX && !parley_registry_has_package(package)) {
		registry[kind].entries[count] = (parley_registry_entry){vtable, dl, g_strdup(path)};
		g_atomic_int_set(&registry[kind].count, (gint)count + 1);
		rc = 0;
	}
	g_mutex_unlock(&write_lock);
	return rc;
}

unsigned parley_registry_take_all(parley_module_kind kind, parley_registry_entry *out)
{
	if (!valid_kind(kind))
		return 0;
	g_mutex_lock(&write_lock);
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	memcpy(out, registry[kind].entries, count * sizeof(parley_registry_entry));
	g_atomic_int_set(&registry[kind].count, 0);
	g_mutex_unlock(&write_lock);
	return count;
}

/* ---- aliases ---------------------------------------------------------------- */

int parley_registry_set_aliases(const char *list)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char **items = list ? g_strsplit(list, ",", -1) : NULL;
	for (char **it = items; it && *it; it++) {
		char *item = g_strstrip(*it);
		if (*item == '\0')
			continue;
		char *eq = strchr(item, '=');
		if (eq == NULL || eq == item || eq[1] == '\0') {
			PLOG_WARN("[plugins] aliases: \"%s\" is not alias=package, ignored", item);
			continue;
		}
		*eq = '\0';
		char *alias = g_strstrip(item), *package = g_strstrip(eq + 1);
		if (parley_registry_plugin(package) == NULL)
			PLOG_WARN("[plugins] aliases: %s points to %s, which is not loaded", alias, package);
		g_hash_table_replace(table, g_strdup(alias), g_strdup(package));
	}
	g_strfreev(items);
	int n = (int)g_hash_table_size(table);
	g_mutex_lock(&alias_lock);
	GHashTable *old = aliases;
	aliases = n > 0 ? table : NULL;
	g_mutex_unlock(&alias_lock);
	if (old)
		g_hash_table_destroy(old);
	if (n == 0)
		g_hash_table_destroy(table);
	return n;
}

/* ---- lookups ------------------------------------------------------------------ */

static unsigned list_kind(parley_module_kind kind, const void **out, unsigned max)
{
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	if (out == NULL)
		return count;
	unsigned n = count < max ? count : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = registry[kind].entries[i].vtable;
	return n;
}

const parley_plugin *parley_registry_plugin(const char *package_or_alias)
{
	const parley_plugin *plugin = find_package(PARLEY_MODULE_PLUGIN, package_or_alias);
	if (plugin != NULL || package_or_alias == NULL)
		return plugin;
	g_mutex_lock(&alias_lock);
	const char *package = aliases ? g_hash_table_lookup(aliases, package_or_alias) : NULL;
	if (package != NULL)
		plugin = find_package(PARLEY_MODULE_PLUGIN, package);
	g_mutex_unlock(&alias_lock);
	return plugin;
}

unsigned parley_registry_plugins(const parley_plugin **out, unsigned max)
{
	return list_kind(PARLEY_MODULE_PLUGIN, (const void **)out, max);
}

const parley_transport *parley_registry_transport(const char *package)
{
	return find_package(PARLEY_MODULE_TRANSPORT, package);
}

unsigned parley_registry_transports(const parley_transport **out, unsigned max)
{
	return list_kind(PARLEY_MODULE_TRANSPORT, (const void **)out, max);
}

const parley_handler *parley_registry_handler(const char *package)
{
	return find_package(PARLEY_MODULE_HANDLER, package);
}

unsigned parley_registry_handlers(const parley_handler **out, unsigned max)
{
	return list_kind(PARLEY_MODULE_HANDLER, (const void **)out, max);
}
