/* parse/: bytes to events: the one JSON walker, the CSV reader, record extraction for every export shape, the AADSTS failure texts, the event model and the classes of AADSTS codes.
 * The folder's interface: other folders include this header only. */
#ifndef RM_PARSE_IFACE_H
#define RM_PARSE_IFACE_H

#include "event.h"
#include "classify.h"
#include "json_scan.h"
#include "csv.h"
#include "csv_records.h"
#include "records.h"
#include "aadsts_text.h"
#include "platform.h"

#endif
