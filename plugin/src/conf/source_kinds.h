/* The source kinds of sources.def by name: what configuration validates a
 * source SPEC against and what the help texts list. Names only, so that
 * configuration needs nothing of the sources; the monitor maps a kind to its
 * constructor from the same table. */
#ifndef RM_SOURCE_KINDS_H
#define RM_SOURCE_KINDS_H

#include <stddef.h>

/* The index in sources.def of the kind spec names ("sim", "file:PATH"), or
 * -1 when it names none. */
int rm_source_kind(const char *spec);

/* Write the kinds as a phrase, "sim, file:PATH, graph or probe", into buf
 * (n bytes, truncated). */
void rm_source_kinds_phrase(char *buf, size_t n);

/* The source key's help text (static, NUL-terminated). */
extern const char rm_source_key_help[];

#endif
