/* --extra-opts=[section][@file], as monitoring-plugins define it: the
 * key=value lines of an ini section become command-line options. */
#ifndef CHECK_EXTRA_OPTS_H
#define CHECK_EXTRA_OPTS_H

#include <stddef.h>

/* Parse the ini text buf[0..len) and return the options of section as a new
 * NULL-terminated argv-style array ("--key=value", or "-k" "value" for a
 * one-letter key); the caller frees it with eo_free. NULL with why set when
 * the text is malformed (a line without '=') or the section is absent. */
char **eo_parse(const char *buf, size_t len, const char *section, char *why, size_t whylen);

/* Locate and read the ini file for spec ("section", "@file", "section@file"
 * or ""), defaulting the section to plugin; search NAGIOS_CONFIG_PATH and the
 * standard places when no file is named. Returns options as eo_parse does. */
char **eo_load(const char *spec, const char *plugin, char *why, size_t whylen);

void eo_free(char **opts);

#endif
