/*
 * config.h — settings: INI files read with GKeyFile (<folder>/parley.conf for
 * the core, <folder>/<package>.conf for each module), environment variables
 * that override them, and command-line flags that override both.
 *
 * Precedence (highest first): command line > environment > file > default.
 * Module "parley" is the core itself: its environment variables are listed
 * in config.c (documented in conf/parley.conf.in); every other module
 * declares its own in its vtable (env_overrides, parley/common.h), read by
 * the loader through parley_config_read_environment.
 */
#ifndef PARLEY_CONFIG_H
#define PARLEY_CONFIG_H

#include <stdbool.h>
#include <parley/common.h>

/* Reads every *.conf in `folder` (missing folder or files: defaults). */
int parley_config_load(const char *folder);
void parley_config_free(void);
/* The variables of `overrides` (a list ending with {NULL}, borrowed) that
 * are set and not empty become values of `module`'s keys in the
 * environment layer; a key an earlier variable set keeps that value. */
void parley_config_read_environment(const char *module, const parley_env_override *overrides);
/* A command-line override (copied). */
void parley_config_set(const char *module, const char *section, const char *key, const char *value);
/* The effective value, or NULL. Lives until parley_config_free. */
const char *parley_config_get(const char *module, const char *section, const char *key);
const char *parley_config_get_string(const char *module, const char *section, const char *key, const char *fallback);
long parley_config_get_int(const char *module, const char *section, const char *key, long fallback);
bool parley_config_get_bool(const char *module, const char *section, const char *key, bool fallback);
const char *parley_config_folder(void);
const char *parley_config_state_dir(void);   /* [general] state_dir */

#endif
