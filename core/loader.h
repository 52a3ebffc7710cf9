/*
 * loader.h — loads plugins, transports and event handlers from shared
 * objects (loader.c): checks each vtable, calls its init with the core
 * table of its kind, enters it in the registry (registry.h), and at the
 * end destroys and unloads every module.
 */
#ifndef PARLEY_LOADER_H
#define PARLEY_LOADER_H

#include <parley/plugin.h>
#include <parley/transport.h>
#include <parley/handler.h>
#include "registry.h"

/* The core services each kind of module gets at init. */
typedef struct parley_loader_tables {
	const parley_plugin_core *plugin;
	const parley_transport_core *transport;
	const parley_handler_core *handler;
} parley_loader_tables;

/* Hands over the tables (copied; the tables themselves must outlive the
 * modules) before anything is loaded: without them every file is refused. */
void parley_loader_set_tables(const parley_loader_tables *tables);

/* Loads every *.so in `folder` of `kind`, skipping names in the
 * comma-separated `disabled` list (file names or packages). Each refusal is
 * one log line. Returns how many were loaded. After the plugins, sets the
 * registry's aliases from [plugins] aliases. */
int parley_loader_load_folder(const char *folder, parley_module_kind kind, const char *disabled);
/* Loads one file; 0 or -1 with one log line. */
int parley_loader_load_file(const char *path, parley_module_kind kind);
/* Takes every module out of the registry, calls destroy on each (handlers,
 * transports, plugins; newest first within a kind), then dlcloses them. */
void parley_loader_unload_all(void);

#endif
