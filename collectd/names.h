/* names.h — collectd identifiers of the per-family values: pure functions
 * (no daemon calls), so that their edges (long labels, clashes) are tested
 * without collectd. */
#ifndef REVMON_COLLECTD_NAMES_H
#define REVMON_COLLECTD_NAMES_H

#include <stddef.h>

/* The type instance of family metric `metric` for the family labelled
 * `label` with index `index`, into out (size bytes, at least 32):
 * "METRIC-LABEL", LABEL being the label with every character outside
 * [A-Za-z0-9._] replaced by '_'. When that does not fit, it is cut and
 * "-INDEX" appended, so that it stays unique: "METRIC-LABELPREFIX-INDEX".
 * Returns 1 when it was cut, else 0. */
int cn_family_instance(const char *metric, const char *label, unsigned index, char *out,
                       size_t size);

/* The same with "-INDEX" appended whatever the length (for a family whose
 * name another family, of a lower index, already has). */
void cn_family_instance_indexed(const char *metric, const char *label, unsigned index,
                                char *out, size_t size);

/* 1 when labels a and b give the same type instances (they differ only in
 * characters that both become '_'). */
int cn_label_clash(const char *a, const char *b);

#endif
