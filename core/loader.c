/*
 * loader.c — loads plugins, transports and event handlers from shared
 * objects into the registry (registry.c), and unloads them at the end.
 *
 * A file is accepted only when: dlopen(RTLD_NOW|RTLD_LOCAL) works, it
 * exports its kind's entry symbol, the entry returns a vtable whose
 * api_version equals the core's, whose struct_size covers every version-1
 * field, whose required callbacks are set, whose package is not taken, and
 * whose init (given the core table of its kind, parley_loader_set_tables)
 * returns 0 (the environment variables the module declares are read just
 * before). Any other outcome is one log line naming the file and the
 * reason, then dlclose: never a crash. The three kinds differ only in the
 * `kind_specs` table. Loads are serialised by one lock.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>

#include "loader.h"
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

/* End of the last field of version 1 of a vtable. */
#define V1_SIZE(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))

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

static GMutex load_lock;                          /* serialises loads and unloads */
static const void *core_tables[PARLEY_MODULE_KINDS];  /* per kind; under load_lock */

void parley_loader_set_tables(const parley_loader_tables *tables)
{
	g_mutex_lock(&load_lock);
	core_tables[PARLEY_MODULE_PLUGIN] = tables ? tables->plugin : NULL;
	core_tables[PARLEY_MODULE_TRANSPORT] = tables ? tables->transport : NULL;
	core_tables[PARLEY_MODULE_HANDLER] = tables ? tables->handler : NULL;
	g_mutex_unlock(&load_lock);
}

static int init_plugin(const void *vt, const void *core)
{
	return ((const parley_plugin *)vt)->init(core);
}
static int init_transport(const void *vt, const void *core)
{
	return ((const parley_transport *)vt)->init(core);
}
static int init_handler(const void *vt, const void *core)
{
	return ((const parley_handler *)vt)->init(core);
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
/* The environment variables a module declares (appended vtable fields). */
static const parley_env_override *plugin_env_overrides(const void *vt)
{
	return PARLEY_PLUGIN_FIELD((const parley_plugin *)vt, env_overrides);
}
static const parley_env_override *transport_env_overrides(const void *vt)
{
	return PARLEY_TRANSPORT_FIELD((const parley_transport *)vt, env_overrides);
}
static const parley_env_override *handler_env_overrides(const void *vt)
{
	return PARLEY_HANDLER_FIELD((const parley_handler *)vt, env_overrides);
}
/* A plugin with an http_prefix (or http_prefixes) must serve it. */
static const char *extra_plugin_check(const void *vt)
{
	const parley_plugin *p = vt;
	const char *const *more = PARLEY_PLUGIN_FIELD(p, http_prefixes);
	bool serves = p->handle_http != NULL || PARLEY_PLUGIN_FIELD(p, handle_http_call) != NULL;
	if ((p->http_prefix != NULL || more != NULL) && !serves)
		return "http_prefix is set but neither handle_http nor handle_http_call is";
	if (p->http_prefix != NULL && p->http_prefix[0] != '/')
		return "http_prefix does not start with '/'";
	for (size_t i = 0; more != NULL && more[i] != NULL; i++)
		if (more[i][0] != '/')
			return "an entry of http_prefixes does not start with '/'";
	return NULL;
}

typedef struct kind_spec {
	const char *label;
	const char *entry_symbol;
	uint32_t api_version;
	size_t min_size;
	const required_field *required;
	int (*init)(const void *vtable, const void *core_table);
	void (*destroy)(const void *vtable);
	const char *(*extra_check)(const void *vtable);
	const parley_env_override *(*env_overrides)(const void *vtable);   /* NULL: the kind has none */
} kind_spec;

static const kind_spec kind_specs[] = {
	[PARLEY_MODULE_PLUGIN] = {"plugin", PARLEY_PLUGIN_ENTRY, PARLEY_PLUGIN_API_VERSION,
	                          V1_SIZE(parley_plugin, hangup_media), plugin_required,
	                          init_plugin, destroy_plugin, extra_plugin_check, plugin_env_overrides},
	[PARLEY_MODULE_TRANSPORT] = {"transport", PARLEY_TRANSPORT_ENTRY, PARLEY_TRANSPORT_API_VERSION,
	                             V1_SIZE(parley_transport, query_transport), transport_required,
	                             init_transport, destroy_transport, NULL, transport_env_overrides},
	[PARLEY_MODULE_HANDLER] = {"handler", PARLEY_HANDLER_ENTRY, PARLEY_HANDLER_API_VERSION,
	                           V1_SIZE(parley_handler, metrics), handler_required,
	                           init_handler, destroy_handler, NULL, handler_env_overrides},
};
G_STATIC_ASSERT(G_N_ELEMENTS(kind_specs) == PARLEY_MODULE_KINDS);

static bool field_missing(const void *vtable, const required_field *field)
{
	const void *const *slot = (const void *const *)((const char *)vtable + field->offset);
	return *slot == NULL;
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
	parley_module_head head = parley_registry_read_head(vtable);
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
	const char *package = why == NULL ? parley_registry_read_head(vtable).package : NULL;
	if (why == NULL && is_disabled(disabled, NULL, package)) {
		PLOG_INFO("skipped %s %s (%s is disabled)", spec->label, path, package);
		dlclose(dl);
		return 0;
	}
	g_mutex_lock(&load_lock);
	const void *core_table = core_tables[kind];
	if (why == NULL && core_table == NULL)
		why = "no core table to hand it (parley_loader_set_tables was not called)";
	if (why == NULL && parley_registry_has_package(package)) {
		g_snprintf(reason, sizeof(reason), "package %s is already loaded", package);
		why = reason;
	}
	if (why == NULL && parley_registry_count(kind) >= PARLEY_REGISTRY_MAX) {
		g_snprintf(reason, sizeof(reason), "more than %d %ss", PARLEY_REGISTRY_MAX, spec->label);
		why = reason;
	}
	if (why == NULL) {
		if (spec->env_overrides != NULL)
			parley_config_read_environment(package, spec->env_overrides(vtable));
		int rc = spec->init(vtable, core_table);
		if (rc != 0) {
			g_snprintf(reason, sizeof(reason), "init of %s failed (%d)", package, rc);
			why = reason;
		}
	}
	if (why == NULL && parley_registry_add(kind, vtable, dl, path) != 0) {
		spec->destroy(vtable);
		g_snprintf(reason, sizeof(reason), "package %s could not be registered", package);
		why = reason;
	}
	g_mutex_unlock(&load_lock);

	if (why != NULL) {
		PLOG_ERR("refused %s %s: %s", spec->label, path, why);
		dlclose(dl);
		return -1;
	}
	parley_module_head head = parley_registry_read_head(vtable);
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
	parley_registry_entry taken[G_N_ELEMENTS(order)][PARLEY_REGISTRY_MAX];
	unsigned counts[G_N_ELEMENTS(order)];
	g_mutex_lock(&load_lock);
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++)
		counts[k] = parley_registry_take_all(order[k], taken[k]);
	g_mutex_unlock(&load_lock);
	/* destroy every module (newest first within a kind), then dlclose */
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
		for (unsigned i = counts[k]; i-- > 0;) {
			PLOG_VERB("unloading %s %s", kind_specs[order[k]].label,
			          parley_registry_read_head(taken[k][i].vtable).package);
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
