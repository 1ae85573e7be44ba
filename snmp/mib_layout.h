/* mib_layout.h — where every object of REVMON-MIB lives.
 *
 * Computed from the core's metric registry, so that the MIB generator
 * (mibgen) and the subagent cannot disagree about a name, a column or a
 * syntax. Pure: no net-snmp here.
 *
 * Layout under the base OID B (revmonMIB):
 *   B.1.1.k.0      agent scalars (struct rm_object, rm_scalar())
 *   B.1.2.1.c.i    revmonSourceTable: column c of the row with index i
 *   B.1.3.1.c.i.f  revmonFamilyTable: column c of family f of the row with index i
 *   B.1.4.1.c.i    revmonThresholdTable: the notification thresholds of row i
 *   B.0.n          notifications (struct rm_notification, rm_notifications())
 *   B.2.1.g        object groups, B.2.2.1 the compliance statement
 */
#ifndef RM_MIB_LAYOUT_H
#define RM_MIB_LAYOUT_H

#include <stddef.h>

struct revmon_metric_desc;

#define RM_DEFAULT_BASE_OID "1.3.6.1.4.1.8072.9999.9999.1"
#define RM_MAX_ARCS 64
#define RM_DESCRIPTOR_MAX 32 /* RFC 2578 3.1: descriptors should not exceed 32 */

/* Arcs below the base OID. */
#define RM_ARC_OBJECTS 1
#define RM_ARC_AGENT 1       /* B.1.1 */
#define RM_ARC_TABLE 2       /* B.1.2 */
#define RM_ARC_ENTRY 1       /* B.1.2.1, and B.1.3.1 */
#define RM_ARC_FAMILY_TABLE 3 /* B.1.3 */
#define RM_ARC_THRESHOLD_TABLE 4 /* B.1.4 */
#define RM_ARC_NOTIFICATIONS 0 /* B.0 */
#define RM_ARC_CONFORMANCE 2 /* B.2 */

enum rm_syntax {
	RM_SYN_INDEX,        /* Integer32 (1..2147483647), not-accessible */
	RM_SYN_NAME,         /* DisplayString (SIZE (1..63)) */
	RM_SYN_TEXT,         /* DisplayString (SIZE (0..255)) */
	RM_SYN_STATUS,       /* INTEGER { up(1), down(2), starting(3), failed(4) } */
	RM_SYN_TRUTHVALUE,   /* TruthValue: true(1), false(2) */
	RM_SYN_GAUGE32,      /* with decimals > 0: a TEXTUAL-CONVENTION "d-<decimals>" */
	RM_SYN_COUNTER64,
	RM_SYN_TIMETICKS,
	RM_SYN_DATEANDTIME,
};

/* Row status values (revmonSourceStatus). */
enum rm_status {
	RM_STATUS_UP = 1,       /* every source answered the last poll */
	RM_STATUS_DOWN = 2,     /* at least one source failed the last poll */
	RM_STATUS_STARTING = 3, /* opened, no poll completed yet */
	RM_STATUS_FAILED = 4,   /* the monitor could not be opened; retried */
};

/* The table's own columns (1-9; the registry's start at 10). */
enum rm_own_column {
	RM_COL_INDEX = 1,
	RM_COL_NAME = 2,
	RM_COL_STATUS = 3,
	RM_COL_LAST_ERROR = 4,
	RM_COL_UNKNOWN = 5,
	RM_COL_SIMULATED = 6,
	RM_COL_DATA_AGE = 7,
	RM_COL_VALUES_TIME = 8,
	RM_COL_OPENED = 9,
	RM_COL_FIRST_METRIC = 10,
};

/* The family table's own columns (1-4; the family registry's start at 5). */
enum rm_family_column {
	RM_FCOL_INDEX = 1,
	RM_FCOL_LABEL = 2,
	RM_FCOL_APP = 3,
	RM_FCOL_PLATFORM = 4,
	RM_FCOL_FIRST_METRIC = 5,
};

/* revmonThresholdTable's columns (AUGMENTS revmonSourceEntry). */
enum rm_threshold_column {
	RM_TCOL_SOURCE = 1,      /* TruthValue: source down/up notifications on */
	RM_TCOL_STUCK = 2,       /* stale_clients above this: revmonStuckClientsHigh */
	RM_TCOL_STUCK_CLEAR = 3, /* back to this or below: revmonStuckClientsNormal */
	RM_TCOL_LAG = 4,         /* revocation_lag_p95 above this (ms): revmonLagP95High */
	RM_TCOL_LAG_CLEAR = 5,   /* back to this or below: revmonLagP95Normal */
};

enum rm_scalar_arc {
	RM_SCALAR_VERSION = 1,
	RM_SCALAR_UPTIME = 2,
	RM_SCALAR_DATA_AGE = 3,
	RM_SCALAR_SOURCES = 4,
};

struct rm_object {
	char name[64];           /* descriptor, e.g. "revmonSourceStatus" */
	unsigned arc;            /* scalar number or table column */
	enum rm_syntax syntax;
	const char *units;       /* UNITS clause, NULL for none (borrowed, static) */
	const char *description; /* borrowed, static; metrics: the registry's help */
	int metric;              /* index in its table's registry, -1 for the own objects */
	unsigned scale;          /* gauges: SNMP integer = round(value * scale) */
	/* Metrics: the descriptor (borrowed, static) from revmon_metric, or from
	 * revmon_family_metric in the family table; NULL for the own objects. */
	const struct revmon_metric_desc *desc;
	unsigned decimals;       /* Gauge32: scale is 10^decimals, shown with that many */
};

/* The notifications (B.0.arc). Each carries revmonSourceName of the row,
 * then the objects listed: a column of revmonSourceTable (metric NULL: the
 * own column; else the registry metric's column) or of revmonThresholdTable. */
enum rm_notify_event {
	RM_NOTIFY_SOURCE_DOWN,
	RM_NOTIFY_SOURCE_UP,
	RM_NOTIFY_STUCK_HIGH,
	RM_NOTIFY_STUCK_NORMAL,
	RM_NOTIFY_LAG_HIGH,
	RM_NOTIFY_LAG_NORMAL,
	RM_NOTIFY_COUNT,
};

struct rm_notify_object {
	unsigned table;     /* RM_ARC_TABLE or RM_ARC_THRESHOLD_TABLE; 0 ends the list */
	unsigned column;    /* own column; 0 with metric set */
	const char *metric; /* registry metric name, or NULL */
};

struct rm_notification {
	const char *name; /* descriptor */
	unsigned arc;     /* under revmonNotifications */
	const char *description;
	struct rm_notify_object objects[4]; /* after revmonSourceName */
};

#define RM_METRIC_STUCK "stale_clients"
#define RM_METRIC_LAG "revocation_lag_p95"

/* The notifications, indexed by enum rm_notify_event. Static. */
const struct rm_notification *rm_notifications(size_t *n);

/* The column a notification object stands for (its registry column for a
 * metric), or 0 when the registry lacks the metric. */
unsigned rm_notify_object_column(const struct rm_notify_object *o);

/* The agent scalars in arc order; n set to their number. Static. */
const struct rm_object *rm_scalars(size_t *n);

/* All columns of revmonSourceTable in column order (own columns, then one
 * per registry metric). Returns a new array the caller frees with free(), or
 * NULL with a reason in err (a duplicate or reserved column, a descriptor
 * too long or not unique: the registry would break the MIB). */
struct rm_object *rm_columns(size_t *n, char *err, size_t errlen);

/* All columns of revmonFamilyTable in column order (its own columns, then
 * one per metric of the family registry, revmon_family_metric). Same
 * ownership and errors as rm_columns. */
struct rm_object *rm_family_columns(size_t *n, char *err, size_t errlen);

/* The columns of revmonThresholdTable in column order. Static. */
const struct rm_object *rm_threshold_columns(size_t *n);

/* 0 when no descriptor is used by both tables (descriptors name objects of
 * the whole module; with b NULL: used twice within a), else -1 with the
 * name in err. */
int rm_columns_disjoint(const struct rm_object *a, size_t na, const struct rm_object *b,
                        size_t nb, char *err, size_t errlen);

/* The descriptor of a metric column: "revmon" + CamelCase(name). */
void rm_metric_descriptor(const char *metric, char *buf, size_t len);
/* The descriptor of a family metric column: "revmonFamily" + CamelCase(name). */
void rm_family_metric_descriptor(const char *metric, char *buf, size_t len);

/* A column's short name (revmonSourceUnknown lists them): its descriptor
 * without "revmon", starting lower-case ("revocationLagP95"). */
void rm_short_name(const char *descriptor, char *buf, size_t len);

/* n when scale is 10^n (1 <= n <= 9), else 0. */
unsigned rm_decimals(unsigned scale);

/* The UNITS of a metric column (borrowed, static; NULL for none): the
 * registry's snmp_units for a plain integer; for a scaled gauge shown with
 * decimals, the unit of the number shown (seconds, percent, ...). */
const char *rm_display_units(const struct revmon_metric_desc *d, unsigned decimals);

/* Parse a dotted numeric OID ("1.3.6.1..." or ".1.3.6..."). Returns the
 * number of arcs, or -1 when it is not one (empty, a non-digit, > max arcs). */
int rm_parse_oid(const char *s, unsigned long *arcs, size_t max);

#endif
