/* entra/: talking to Entra and OAuth 2.0 providers: HTTPS on libcurl's multi interface, client credentials, the one Entra app client and back-off policy, and the parsers of error bodies, CAE challenges and users' sessions.
 * The folder's interface: other folders include this header only. */
#ifndef RM_ENTRA_IFACE_H
#define RM_ENTRA_IFACE_H

#include "http.h"
#include "oauth.h"
#include "entra_app.h"
#include "graph_errors.h"
#include "graph_sessions.h"
#include "la_api.h"
#include "claims_challenge.h"

#endif
