/*
 * loader.c — loads plugins, transports and event handlers from shared
 * objects, and keeps the registry of the modules it accepted.
 *
 * A file is accepted only when: dlopen(RTLD_NOW|RTLD_LOCAL) works, it
 * exports its kind's entry symbol, the entry returns a vtable whose
 * api_version equals the core's, whose struct_size covers every version-1
 * field, whose required callbacks are set, whose package is not taken, and
 * whose init returns 0. Any other outcome is one log line naming the file
 * and the reason, then dlclose: never a crash. The three kinds differ only
 * in the `kind_specs` table.
 *
 * The registry is a fixed array per kind with an atomic count: entries are
 * written before the count is published, so lookups from any thread take no
 * lock. Aliases ("janus.plugin.echotest=parley.plugin.echo") are set at
 * start-up and read under a small lock.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>

#include "registry.h"
#include "api.h"
#include "config.h"
#include "log.h"

#define PARLEY_LOG_MODULE "loader"

/* Under AddressSanitizer, unloaded modules stay mapped so that leak reports
 * at exit can still name their functions. */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_MODULES_MAPPED 1
#else
#define KEEP_MODULES_MAPPED 0
#endif
#define MAX_MODULES 128

/* End of the last field of version 1 of a vtable. */
#define V1_SIZE(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))

/* What the loader reads from any vtable, whatever its kind. */
typedef struct module_head {
	uint32_t api_version;
	uint32_t struct_size;
	const char *package;
	const char *name;
	const char *version_string;
} module_head;

/* One required member of a vtable: a callback or a string. */
typedef struct required_field {
	const char *name;
	size_t offset;
} required_field;

#define REQUIRED(type, field) {#field, offsetof(type, field)}

static const required_field plugin_required[] = {
	REQUIRED(parley_plugin, package), REQUIRED(parley_plugin, init),
	REQUIRED(parley_plugin, destroy), REQUIRED(parley_plugin, create_session),
	REQUIRED(parley_plugin, handle_message), REQUIRED(parley_plugin, destroy_session),
	{NULL, 0},
};
static const required_field transport_required[] = {
	REQUIRED(parley_transport, package), REQUIRED(parley_transport, init),
	REQUIRED(parley_transport, destroy), REQUIRED(parley_transport, is_janus_api_enabled),
	REQUIRED(parley_transport, is_admin_api_enabled), REQUIRED(parley_transport, send_message),
	REQUIRED(parley_transport, session_created), REQUIRED(parley_transport, session_over),
	{NULL, 0},
};
static const required_field handler_required[] = {
	REQUIRED(parley_handler, package), REQUIRED(parley_handler, init),
	REQUIRED(parley_handler, destroy), REQUIRED(parley_handler, incoming_event),
	{NULL, 0},
};

static int init_plugin(const void *vt)
{
	return ((const parley_plugin *)vt)->init(parley_plugin_core_table());
}
static int init_transport(const void *vt)
{
	return ((const parley_transport *)vt)->init(parley_transport_core_table());
}
static int init_handler(const void *vt)
{
	return ((const parley_handler *)vt)->init(parley_handler_core_table());
}
static void destroy_plugin(const void *vt)
{
	((const parley_plugin *)vt)->destroy();
}
static void destroy_transport(const void *vt)
{
	((const parley_transport *)vt)->destroy();
}
static void destroy_handler(const void *vt)
{
	((const parley_handler *)vt)->destroy();
}
/* A plugin with an http_prefix must serve it. */
static const char *extra_plugin_check(const void *vt)
{
	const parley_plugin *p = vt;
	if (p->http_prefix != NULL && p->handle_http == NULL)
		return "http_prefix is set but handle_http is NULL";
	if (p->http_prefix != NULL && p->http_prefix[0] != '/')
		return "http_prefix does not start with '/'";
	return NULL;
}

typedef struct kind_spec {
	const char *label;
	const char *entry_symbol;
	uint32_t api_version;
	size_t min_size;
	const required_field *required;
	int (*init)(const void *vtable);
	void (*destroy)(const void *vtable);
	const char *(*extra_check)(const void *vtable);
} kind_spec;

static const kind_spec kind_specs[] = {
	[PARLEY_MODULE_PLUGIN] = {"plugin", PARLEY_PLUGIN_ENTRY, PARLEY_PLUGIN_API_VERSION,
	                          V1_SIZE(parley_plugin, hangup_media), plugin_required,
	                          init_plugin, destroy_plugin, extra_plugin_check},
	[PARLEY_MODULE_TRANSPORT] = {"transport", PARLEY_TRANSPORT_ENTRY, PARLEY_TRANSPORT_API_VERSION,
	                             V1_SIZE(parley_transport, query_transport), transport_required,
	                             init_transport, destroy_transport, NULL},
	[PARLEY_MODULE_HANDLER] = {"handler", PARLEY_HANDLER_ENTRY, PARLEY_HANDLER_API_VERSION,
	                           V1_SIZE(parley_handler, metrics), handler_required,
	                           init_handler, destroy_handler, NULL},
};

typedef struct module_entry {
	const void *vtable;
	void *dl;
	char *path;
} module_entry;

static struct {
	module_entry entries[MAX_MODULES];
	gint count;   /* atomic: published after the entry is written */
} registry[G_N_ELEMENTS(kind_specs)];

static GMutex load_lock;       /* serialises writers */
static GMutex alias_lock;
static GHashTable *aliases;    /* alias -> package (both owned) */

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

static module_head read_head(const void *vtable)
{
	const vtable_prefix *p = vtable;
	module_head head = {.api_version = p->api_version, .struct_size = p->struct_size};
	if (head.struct_size >= sizeof(vtable_prefix)) {
		head.package = p->package;
		head.name = p->name;
		head.version_string = p->version_string;
	}
	return head;
}

static bool field_missing(const void *vtable, const required_field *field)
{
	const void *const *slot = (const void *const *)((const char *)vtable + field->offset);
	return *slot == NULL;
}

static const char *package_of(parley_module_kind kind, unsigned index)
{
	return read_head(registry[kind].entries[index].vtable).package;
}

static bool package_taken(const char *package)
{
	for (size_t k = 0; k < G_N_ELEMENTS(kind_specs); k++) {
		unsigned count = (unsigned)g_atomic_int_get(&registry[k].count);
		for (unsigned i = 0; i < count; i++) {
			if (strcmp(package_of((parley_module_kind)k, i), package) == 0)
				return true;
		}
	}
	return false;
}

int parley_registry_add(parley_module_kind kind, const void *vtable, void *dl, const char *path)
{
	if ((size_t)kind >= G_N_ELEMENTS(kind_specs) || vtable == NULL)
		return -1;
	const char *package = read_head(vtable).package;
	if (package == NULL)
		return -1;
	g_mutex_lock(&load_lock);
	int rc = -1;
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	if (count < MAX_MODULES && !package_taken(package)) {
		registry[kind].entries[count] = (module_entry){vtable, dl, g_strdup(path)};
		g_atomic_int_set(&registry[kind].count, (gint)count + 1);
		rc = 0;
	}
	g_mutex_unlock(&load_lock);
	return rc;
}

/* True when `file` (a base name) or `package` is in the comma list. */
static bool is_disabled(const char *disabled, const char *file, const char *package)
{
	if (disabled == NULL || *disabled == '\0')
		return false;
	bool found = false;
	char **items = g_strsplit(disabled, ",", -1);
	for (char **it = items; *it && !found; it++) {
		char *item = g_strstrip(*it);
		if (*item == '\0')
			continue;
		if (file != NULL) {
			size_t n = strlen(item);
			found = strcmp(item, file) == 0 ||
			        (strncmp(item, file, n) == 0 && strcmp(file + n, ".so") == 0);
		}
		if (!found && package != NULL)
			found = strcmp(item, package) == 0;
	}
	g_strfreev(items);
	return found;
}

/* Checks a vtable; NULL when acceptable, else the reason (static or in buf). */
static const char *check_vtable(const kind_spec *spec, const void *vtable, char *buf, size_t size)
{
	module_head head = read_head(vtable);
	if (head.api_version != spec->api_version) {
		g_snprintf(buf, size, "api_version %u, this core speaks %u", head.api_version, spec->api_version);
		return buf;
	}
	if (head.struct_size < spec->min_size) {
		g_snprintf(buf, size, "struct_size %u is smaller than the %zu bytes of version %u",
		           head.struct_size, spec->min_size, spec->api_version);
		return buf;
	}
	for (const required_field *f = spec->required; f->name; f++) {
		if (field_missing(vtable, f)) {
			g_snprintf(buf, size, "required field %s is NULL", f->name);
			return buf;
		}
	}
	return spec->extra_check ? spec->extra_check(vtable) : NULL;
}

/* Loads one file. Returns 1 loaded, 0 skipped (disabled), -1 refused. */
static int load_one(const char *path, parley_module_kind kind, const char *disabled)
{
	const kind_spec *spec = &kind_specs[kind];
	char reason[512];
	const char *why = NULL;

	dlerror();
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		const char *err = dlerror();
		g_snprintf(reason, sizeof(reason), "dlopen failed: %s", err ? err : "unknown error");
		PLOG_ERR("refused %s %s: %s", spec->label, path, reason);
		return -1;
	}
	dlerror();
	void *symbol = dlsym(dl, spec->entry_symbol);
	const void *vtable = NULL;
	if (symbol == NULL) {
		g_snprintf(reason, sizeof(reason), "no %s symbol (not a Parley %s)", spec->entry_symbol, spec->label);
		why = reason;
	} else {
		/* The entry symbol is a function returning the vtable (all kinds alike). */
		const void *(*entry)(void) = (const void *(*)(void))symbol;
		vtable = entry();
		if (vtable == NULL)
			why = "the entry function returned NULL";
	}
	if (why == NULL)
		why = check_vtable(spec, vtable, reason, sizeof(reason));
	const char *package = why == NULL ? read_head(vtable).package : NULL;
	if (why == NULL && is_disabled(disabled, NULL, package)) {
		PLOG_INFO("skipped %s %s (%s is disabled)", spec->label, path, package);
		dlclose(dl);
		return 0;
	}
	g_mutex_lock(&load_lock);
	if (why == NULL && package_taken(package)) {
		g_snprintf(reason, sizeof(reason), "package %s is already loaded", package);
		why = reason;
	}
	if (why == NULL) {
		int rc = spec->init(vtable);
		if (rc != 0) {
			g_snprintf(reason, sizeof(reason), "init of %s failed (%d)", package, rc);
			why = reason;
		}
	}
	unsigned count = (unsigned)g_atomic_int_get(&registry[kind].count);
	if (why == NULL && count >= MAX_MODULES) {
		spec->destroy(vtable);
		g_snprintf(reason, sizeof(reason), "more than %d %ss", MAX_MODULES, spec->label);
		why = reason;
	}
	if (why == NULL) {
		registry[kind].entries[count] = (module_entry){vtable, dl, g_strdup(path)};
		g_atomic_int_set(&registry[kind].count, (gint)count + 1);
	}
	g_mutex_unlock(&load_lock);

	if (why != NULL) {
		PLOG_ERR("refused %s %s: %s", spec->label, path, why);
		dlclose(dl);
		return -1;
	}
	module_head head = read_head(vtable);
	PLOG_INFO("loaded %s %s %s (%s) from %s", spec->label, head.package,
	          head.version_string ? head.version_string : "", head.name ? head.name : "", path);
	return 1;
}

int parley_loader_load_file(const char *path, parley_module_kind kind)
{
	if (path == NULL || (size_t)kind >= G_N_ELEMENTS(kind_specs))
		return -1;
	return load_one(path, kind, NULL) == 1 ? 0 : -1;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int parley_loader_load_folder(const char *folder, parley_module_kind kind, const char *disabled)
{
	if (folder == NULL || (size_t)kind >= G_N_ELEMENTS(kind_specs))
		return 0;
	const kind_spec *spec = &kind_specs[kind];
	GError *error = NULL;
	GDir *dir = g_dir_open(folder, 0, &error);
	if (dir == NULL) {
		PLOG_INFO("no %ss loaded: %s", spec->label, error->message);
		g_error_free(error);
		return 0;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(name, ".so"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_dir_close(dir);
	g_ptr_array_sort(names, compare_names);
	int loaded = 0;
	for (guint i = 0; i < names->len; i++) {
		const char *file = g_ptr_array_index(names, i);
		char *path = g_build_filename(folder, file, NULL);
		if (is_disabled(disabled, file, NULL))
			PLOG_INFO("skipped %s %s (disabled)", spec->label, path);
		else if (load_one(path, kind, disabled) == 1)
			loaded++;
		g_free(path);
	}
	g_ptr_array_unref(names);
	if (kind == PARLEY_MODULE_PLUGIN)
		parley_registry_set_aliases(parley_config_get("parley", "plugins", "aliases"));
	return loaded;
}

void parley_loader_unload_all(void)
{
	static const parley_module_kind order[] = {PARLEY_MODULE_HANDLER, PARLEY_MODULE_TRANSPORT,
	                                           PARLEY_MODULE_PLUGIN};
	module_entry taken[G_N_ELEMENTS(order)][MAX_MODULES];
	unsigned counts[G_N_ELEMENTS(order)];
	g_mutex_lock(&load_lock);
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
		counts[k] = (unsigned)g_atomic_int_get(&registry[order[k]].count);
		memcpy(taken[k], registry[order[k]].entries, counts[k] * sizeof(module_entry));
		g_atomic_int_set(&registry[order[k]].count, 0);
	}
	g_mutex_unlock(&load_lock);
	/* destroy every module (newest first within a kind), then dlclose */
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
		for (unsigned i = counts[k]; i-- > 0;) {
			PLOG_VERB("unloading %s %s", kind_specs[order[k]].label, read_head(taken[k][i].vtable).package);
			kind_specs[order[k]].destroy(taken[k][i].vtable);
		}
	}
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
		for (unsigned i = counts[k]; i-- > 0;) {
			if (taken[k][i].dl != NULL && !KEEP_MODULES_MAPPED)
				dlclose(taken[k][i].dl);
			g_free(taken[k][i].path);
		}
	}
	parley_registry_set_aliases(NULL);
}

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
