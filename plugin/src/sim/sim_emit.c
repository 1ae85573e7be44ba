/* The simulator's writer: Graph beta signIn and v1.0 directoryAudit objects,
 * and the Azure Monitor diagnostic records that wrap them (entra-facts §1, §2,
 * §8, §11). It is the load generator for the benchmarks, so it writes into
 * room reserved up front: literal chunks, hand-formatted numbers, GUIDs and
 * timestamps, no printf. Every variable part of a user or device is derived
 * from the seed and an index, so nothing per record is stored but rm_sim_rec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* No record comes near this; checked after writing each one. */
#define REC_ROOM 16384

/* The client families: an app on a platform. Outlook for Mac signs in as
 * "Microsoft Office" (d3590ed6-..., the Office desktop client id): no
 * Microsoft source names an app id of its own for it. Microsoft's "Monitor
 * adoption of new Outlook for Windows" (learn.microsoft.com, outlook docs)
 * gives 5d661950-3475-41cd-a2c3-d671a3162bc1 "Microsoft Outlook" for new
 * Outlook for Windows only; community lists of first-party ids claim it for
 * Mac too, unconfirmed. */
const struct rm_sim_app rm_sim_apps[] = {
	{ "27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook for iOS and Android",
	  "Mobile Apps and Desktop clients", "Office 365 Exchange Online",
	  "00000002-0000-0ff1-ce00-000000000000", RM_APP_MOBILE, RM_OS_IOS, 1, 15, 0, 1, 1,
	  "Outlook-iOS/2.0", "Mobile Safari" },
	{ "27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook for iOS and Android",
	  "Mobile Apps and Desktop clients", "Office 365 Exchange Online",
	  "00000002-0000-0ff1-ce00-000000000000", RM_APP_MOBILE, RM_OS_ANDROID, 1, 10, 0, 1, 1,
	  "Outlook-Android/2.0", "" },
	{ "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams",
	  "Mobile Apps and Desktop clients", "Microsoft Teams Services",
	  "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", RM_APP_DESKTOP, RM_OS_WINDOWS, 1, 14, 0, 0, 0,
	  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0 Teams/24335.206.3315.1787/49",
	  "Rich Client 5.2.6" },
	{ "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams",
	  "Mobile Apps and Desktop clients", "Microsoft Teams Services",
	  "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", RM_APP_DESKTOP, RM_OS_MACOS, 1, 4, 0, 0, 0,
	  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Teams/24335.206.3315.1787/49",
	  "Rich Client 5.2.6" },
	{ "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams",
	  "Mobile Apps and Desktop clients", "Microsoft Teams Services",
	  "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", RM_APP_MOBILE, RM_OS_IOS, 1, 3, 0, 0, 0,
	  "TeamsMobile-iOS/6.22.1", "Mobile Safari" },
	{ "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office",
	  "Mobile Apps and Desktop clients", "Microsoft Graph",
	  "00000003-0000-0000-c000-000000000000", RM_APP_DESKTOP, RM_OS_WINDOWS, 1, 11, 0, 0, 0,
	  "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; Microsoft Outlook 16.0.18129; ms-office; MSOffice 16)",
	  "Rich Client 5.2.6" },
	{ "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office",
	  "Mobile Apps and Desktop clients", "Office 365 Exchange Online",
	  "00000002-0000-0ff1-ce00-000000000000", RM_APP_DESKTOP, RM_OS_MACOS, 1, 6, 0, 1, 0,
	  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Microsoft Outlook 16.91",
	  "Rich Client 5.2.6" },
	{ "ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine",
	  "Mobile Apps and Desktop clients", "Office 365 SharePoint Online",
	  "00000003-0000-0ff1-ce00-000000000000", RM_APP_DESKTOP, RM_OS_WINDOWS, 1, 7, 0, 0, 0,
	  "Microsoft SkyDriveSync 24.226.1110.0004 ship; Windows NT 10.0 (22631)", "Rich Client 5.2.6" },
	{ "ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine",
	  "Mobile Apps and Desktop clients", "Office 365 SharePoint Online",
	  "00000003-0000-0ff1-ce00-000000000000", RM_APP_DESKTOP, RM_OS_MACOS, 1, 3, 0, 0, 0,
	  "Microsoft SkyDriveSync 24.226.1110.0004 ship; Mac OS X 15.1", "Rich Client 5.2.6" },
	{ "ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Edge", "Browser", "Microsoft Graph",
	  "00000003-0000-0000-c000-000000000000", RM_APP_BROWSER, RM_OS_WINDOWS, 1, 10, 0, 0, 0,
	  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
	  "Edge 131.0.0" },
	{ "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "Exchange ActiveSync",
	  "Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", RM_APP_LEGACY,
	  RM_OS_IOS, 0, 5, 0, 0, 0, "Apple-iPhone15C2/2201.141", "" },
	{ "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal", "Browser",
	  "Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013",
	  RM_APP_BROWSER, RM_OS_WINDOWS, 0, 5, 1, 0, 0,
	  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	  "Chrome 131.0.0" },
	{ "4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", "Browser", "Office 365 SharePoint Online",
	  "00000003-0000-0ff1-ce00-000000000000", RM_APP_BROWSER, RM_OS_MACOS, 1, 6, 0, 0, 0,
	  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	  "Safari 18.1" },
	{ "4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", "Browser", "Office 365 SharePoint Online",
	  "00000003-0000-0ff1-ce00-000000000000", RM_APP_BROWSER, RM_OS_WINDOWS, 1, 4, 0, 0, 0,
	  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	  "Chrome 131.0.0" },
};
const unsigned rm_sim_napps = sizeof(rm_sim_apps) / sizeof(rm_sim_apps[0]);
_Static_assert(sizeof(rm_sim_apps) / sizeof(rm_sim_apps[0]) <= RM_SIM_APPS_MAX,
               "per-app counters (rm_sim.presented) and client.app (uint8_t) bound the catalog");

/* As sign-in logs write them (entra-facts §11.1: "Ios 18.2.1"). */
const char *const rm_sim_os_spellings[4][RM_SIM_OS_SPELLINGS] = {
	[RM_OS_IOS] = { "Ios 18.2.1", "Ios 17.7", "Ios 18.1.1" },
	[RM_OS_ANDROID] = { "Android 14", "Android 15", "Android 13" },
	[RM_OS_MACOS] = { "MacOs 15.1", "MacOs 14.7.1", "MacOs" },
	[RM_OS_WINDOWS] = { "Windows 10", "Windows10", "Windows 10" },
};

static const char *const first_names[] = {
	"Adele", "Alex", "Allan", "Bianca", "Brian", "Christie", "Debra", "Diego", "Emily", "Enrico",
	"Grady", "Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan",
	"Miriam", "Nestor", "Patti", "Pradeep", "Raul", "Sakura", "Tomás", "Zrinka", "Aoife", "Seán",
	"Chloé", "Jürgen",
};
static const char *const last_names[] = {
	"Vance", "Wilber", "Deyoung", "Pisani", "Johnson", "Cline", "Berger", "Siciliani", "Braun",
	"Cattaneo", "Archie", "Harris", "Sayers", "Langer", "Lauer", "Sherman", "Adams", "Holloway",
	"Valdez", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta", "Razor", "Tanaka", "O'Brien",
	"Nováková", "Müller", "D'Souza", "Lefèvre", "Kowalski",
};

struct city {
	const char *city, *state, *country;
	const char *lat, *lon;
};

static const struct city cities[] = {
	{ "Redmond", "Washington", "US", "47.6740", "-122.1215" },
	{ "New York", "New York", "US", "40.7128", "-74.0060" },
	{ "Chicago", "Illinois", "US", "41.8781", "-87.6298" },
	{ "Austin", "Texas", "US", "30.2672", "-97.7431" },
	{ "London", "England", "GB", "51.5072", "-0.1276" },
	{ "Dublin", "Dublin", "IE", "53.3498", "-6.2603" },
	{ "Paris", "Ile-de-France", "FR", "48.8566", "2.3522" },
	{ "Munich", "Bayern", "DE", "48.1351", "11.5820" },
	{ "Prague", "Hlavni mesto Praha", "CZ", "50.0755", "14.4378" },
	{ "Bengaluru", "Karnataka", "IN", "12.9716", "77.5946" },
	{ "Tokyo", "Tokyo", "JP", "35.6762", "139.6503" },
	{ "Sydney", "New South Wales", "AU", "-33.8688", "151.2093" },
};

struct activity {
	const char *name, *service, *category, *op, *id_prefix;
	int self; /* initiated by the target user, not an admin */
};

static const struct activity activities[] = {
	[RM_ACT_UPDATE_USER_STS] = { "Update user", "Core Directory", "UserManagement", "Update", "Directory", 0 },
	[RM_ACT_UPDATE_STS] = { "Update StsRefreshTokenValidFrom Timestamp", "Core Directory",
	                        "UserManagement", "Update", "Directory", 0 },
	[RM_ACT_RESET_PW_ADMIN] = { "Reset password (by admin)", "Self-service Password Management",
	                            "UserManagement", "Update", "SSGM", 0 },
	[RM_ACT_CHANGE_PW] = { "Change user password", "Core Directory", "UserManagement", "Update",
	                       "Directory", 1 },
	[RM_ACT_DISABLE] = { "Disable account", "Core Directory", "UserManagement", "Update", "Directory", 0 },
	[RM_ACT_DELETE] = { "Delete user", "Core Directory", "UserManagement", "Delete", "Directory", 0 },
	[RM_ACT_ENABLE] = { "Enable account", "Core Directory", "UserManagement", "Update", "Directory", 0 },
	[RM_ACT_USER_REG_SEC] = { "User registered security info", "Authentication Methods",
	                          "UserManagement", "Add", "UserManagement", 1 },
	[RM_ACT_ADMIN_REG_SEC] = { "Admin registered security info", "Authentication Methods",
	                           "UserManagement", "Add", "UserManagement", 0 },
	[RM_ACT_CONFIRM_COMPROMISED] = { "ConfirmAccountCompromised", "Identity Protection", "Other",
	                                 "Update", "IPCGraph", 0 },
};

/* ---- the writer ---- */

struct w {
	char *p;
};

static inline void put(struct w *w, const char *s, size_t n)
{
	memcpy(w->p, s, n);
	w->p += n;
}

#define LIT(w, s) put((w), (s), sizeof(s) - 1)

static inline void put_s(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static inline void put_c(struct w *w, char c)
{
	*w->p++ = c;
}

/* A JSON string's contents: the catalogs are plain, but names may not stay so. */
static void put_esc(struct w *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			put_c(w, '\\');
			put_c(w, (char)c);
		} else if (c < 0x20) {
			LIT(w, "\\u00");
			put_c(w, hex[c >> 4]);
			put_c(w, hex[c & 15]);
		} else {
			put_c(w, (char)c);
		}
	}
}

static void put_u(struct w *w, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_c(w, tmp[--n]);
}

static void put_i(struct w *w, int64_t v)
{
	if (v < 0) {
		put_c(w, '-');
		put_u(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u(w, (uint64_t)v);
	}
}

static inline void put_digits(struct w *w, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		w->p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	w->p += n;
}

static void put_hex(struct w *w, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = digits - 1; i >= 0; i--) {
		w->p[i] = hex[v & 15];
		v >>= 4;
	}
	w->p += digits;
}

static void put_guid(struct w *w, uint64_t seed)
{
	uint64_t a = rm_sim_mix(seed), b = rm_sim_mix(a ^ 0x5bd1e995ULL);

	/* version 4, variant 10xx, like the service's own ids */
	put_hex(w, a >> 32, 8);
	put_c(w, '-');
	put_hex(w, a >> 16, 4);
	put_c(w, '-');
	put_hex(w, 0x4000 | (a & 0x0fff), 4);
	put_c(w, '-');
	put_hex(w, 0x8000 | (b >> 50), 4);
	put_c(w, '-');
	put_hex(w, b, 12);
}

void rm_sim_guid(uint64_t seed, char *out)
{
	struct w w = { out };

	put_guid(&w, seed);
	*w.p = '\0';
}

/* Unix days to a civil date (proleptic Gregorian, H. Hinnant's algorithm). */
static void civil(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yy + (*m <= 2));
}

enum tstyle {
	T_SEC,   /* 2025-03-04T10:05:00Z: failure texts and modified properties */
	T_FRAC,  /* 2025-03-04T10:05:00.4592251Z: Graph */
	T_OFF,   /* 2025-03-04T10:05:00.4592251+00:00: inside Azure Monitor records */
};

/* frac4 adds the sub-millisecond digits the service writes (0..9999); the
 * parsers truncate to ms, so they never change the instant. */
static void put_time(struct w *w, int64_t ms, unsigned frac4, enum tstyle style)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;
	unsigned y, m, d, sec;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil(days, &y, &m, &d);
	sec = (unsigned)(rem / 1000);
	put_digits(w, y, 4);
	put_c(w, '-');
	put_digits(w, m, 2);
	put_c(w, '-');
	put_digits(w, d, 2);
	put_c(w, 'T');
	put_digits(w, sec / 3600, 2);
	put_c(w, ':');
	put_digits(w, sec / 60 % 60, 2);
	put_c(w, ':');
	put_digits(w, sec % 60, 2);
	if (style != T_SEC) {
		put_c(w, '.');
		put_digits(w, (unsigned)(rem % 1000) * 10000 + frac4 % 10000, 7);
	}
	if (style == T_OFF)
		LIT(w, "+00:00");
	else
		put_c(w, 'Z');
}

/* A url-safe base64 token id like "xMFjTVvJPE2OChJx_YE-AA". */
static void put_uti(struct w *w, uint64_t seed)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint64_t a = rm_sim_mix(seed ^ 0x757469ULL), b = rm_sim_mix(a);
	int i;

	for (i = 0; i < 10; i++, a >>= 6)
		put_c(w, b64[a & 63]);
	for (i = 0; i < 10; i++, b >>= 6)
		put_c(w, b64[b & 63]);
	put_c(w, b64[(b & 3) << 4]);
	put_c(w, 'A');
}

/* A record's identity: its id and the sub-millisecond digits of its time. */
static uint64_t rec_hash(const struct rm_sim *s, const struct rm_sim_rec *r)
{
	return rm_sim_hash(s->p.seed, r->kind == RM_REC_AUDIT ? 0x61756469ULL : 0x7369676eULL, r->seq);
}

static unsigned frac_of(const struct rm_sim *s, const struct rm_sim_rec *r)
{
	return (unsigned)((rec_hash(s, r) >> 48) % 10000);
}

/* ---- users and devices, derived from indices ---- */

static uint64_t user_hash(const struct rm_sim *s, uint32_t u)
{
	return rm_sim_hash(s->p.seed, 0x75736572ULL, u);
}

static void put_user_id(struct w *w, const struct rm_sim *s, uint32_t u)
{
	put_guid(w, user_hash(s, u));
}

static void put_display_name(struct w *w, const struct rm_sim *s, uint32_t u)
{
	uint64_t h = rm_sim_mix(user_hash(s, u));
	size_t nf = sizeof(first_names) / sizeof(first_names[0]);
	size_t nl = sizeof(last_names) / sizeof(last_names[0]);

	put_esc(w, first_names[h % nf]);
	put_c(w, ' ');
	put_esc(w, last_names[(h >> 16) % nl]);
}

static void put_upn(struct w *w, uint32_t u)
{
	LIT(w, "user");
	put_u(w, (uint64_t)u + 1);
	LIT(w, "@contoso.example");
}

static const struct city *user_city(const struct rm_sim *s, uint32_t u)
{
	return &cities[(user_hash(s, u) >> 24) % (sizeof(cities) / sizeof(cities[0]))];
}

/* Documentation address ranges only (RFC 5737, RFC 3849). */
static void put_ip(struct w *w, const struct rm_sim *s, uint32_t u)
{
	static const char *const v4[] = { "192.0.2.", "198.51.100.", "203.0.113." };
	uint64_t h = rm_sim_mix(user_hash(s, u) ^ 0x6970ULL);

	if (h & 1) {
		LIT(w, "2001:db8:");
		put_hex(w, (h >> 8) & 0xfff, 3);
		put_c(w, ':');
		put_hex(w, (h >> 20) & 0xffff, 4);
		LIT(w, "::");
		put_hex(w, (h >> 36) & 0xfff, 3);
	} else {
		put_s(w, v4[(h >> 8) % 3]);
		put_u(w, 1 + (h >> 16) % 254);
	}
}

struct device {
	int registered, compliant, joined;
};

static uint64_t device_hash(const struct rm_sim *s, uint32_t c)
{
	return rm_sim_hash(s->p.seed, 0x646576ULL, c);
}

const char *rm_sim_os_of(const struct rm_sim *s, uint32_t c)
{
	const struct rm_sim_app *app = &rm_sim_apps[s->clients[c].app];

	return rm_sim_os_spellings[app->os][(device_hash(s, c) >> 40) % RM_SIM_OS_SPELLINGS];
}

static struct device device_of(const struct rm_sim *s, uint32_t c)
{
	const struct rm_sim_app *app = &rm_sim_apps[s->clients[c].app];
	uint64_t h = device_hash(s, c);
	int mac = app->os == RM_OS_MACOS;
	struct device d = { 0, 0, 0 };

	switch (app->kind) {
	case RM_APP_MOBILE:
		d.registered = (h >> 1) % 100 < 55;
		d.compliant = d.registered && (h >> 8) % 100 < 80;
		break;
	case RM_APP_DESKTOP:
		/* Macs register (Company Portal); Windows desktops are joined */
		d.registered = !mac || (h >> 1) % 100 < 80;
		d.joined = !mac;
		d.compliant = d.registered && (h >> 8) % 100 < 90;
		break;
	case RM_APP_BROWSER:
		d.registered = !mac && (h >> 1) % 100 < 70;
		d.joined = d.registered;
		d.compliant = d.registered && (h >> 8) % 100 < 85;
		break;
	default:
		break;
	}
	return d;
}

static void put_device_name(struct w *w, const struct rm_sim_app *app, uint64_t h)
{
	static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
	int i;

	if (app->os == RM_OS_IOS) {
		LIT(w, "iPhone");
		return;
	}
	if (app->os == RM_OS_ANDROID) {
		LIT(w, "Pixel 8");
		return;
	}
	if (app->os == RM_OS_MACOS)
		LIT(w, "MBP-");
	else
		LIT(w, "DESKTOP-");
	for (i = 0; i < 7; i++)
		put_c(w, alnum[(h >> (8 + 5 * i)) % (sizeof(alnum) - 1)]);
}

static void put_bool(struct w *w, int v)
{
	if (v)
		LIT(w, "true");
	else
		LIT(w, "false");
}

static void put_join_type(struct w *w, const struct device *d)
{
	if (d->joined)
		LIT(w, "Azure AD joined");
	else if (d->registered)
		LIT(w, "Azure AD registered");
}

static void put_device(struct w *w, const struct rm_sim *s, uint32_t c)
{
	const struct rm_sim_app *app = &rm_sim_apps[s->clients[c].app];
	struct device d = device_of(s, c);
	uint64_t h = device_hash(s, c);

	LIT(w, "\"deviceDetail\":{\"deviceId\":\"");
	if (d.registered)
		put_guid(w, h ^ 0x6964ULL);
	LIT(w, "\",\"displayName\":\"");
	if (d.registered)
		put_device_name(w, app, h);
	LIT(w, "\",\"operatingSystem\":\"");
	put_s(w, rm_sim_os_of(s, c));
	LIT(w, "\",\"browser\":\"");
	put_s(w, app->browser);
	LIT(w, "\",\"isCompliant\":");
	put_bool(w, d.compliant);
	LIT(w, ",\"isManaged\":");
	put_bool(w, d.compliant);
	LIT(w, ",\"trustType\":\"");
	put_join_type(w, &d);
	LIT(w, "\"}");
}

static void put_location(struct w *w, const struct city *ct)
{
	LIT(w, "\"location\":{\"city\":\"");
	put_esc(w, ct->city);
	LIT(w, "\",\"state\":\"");
	put_esc(w, ct->state);
	LIT(w, "\",\"countryOrRegion\":\"");
	put_s(w, ct->country);
	LIT(w, "\",\"geoCoordinates\":{\"altitude\":null,\"latitude\":");
	put_s(w, ct->lat);
	LIT(w, ",\"longitude\":");
	put_s(w, ct->lon);
	LIT(w, "}}");
}

/* ---- failure texts (entra-facts §5) ---- */

static void put_failure_reason(struct w *w, const struct rm_sim_rec *r, const struct rm_sim_app *app)
{
	switch (r->code) {
	case 0:
		LIT(w, "Other.");
		break;
	case 50173:
		LIT(w, "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
		       "The user might have changed or reset their password. The grant was issued on '");
		put_time(w, r->a, 0, T_SEC);
		LIT(w, "' and the TokensValidFrom date (before which tokens are not valid) for this user is '");
		put_time(w, r->b, 0, T_SEC);
		LIT(w, "'.");
		break;
	case 50133:
		LIT(w, "Session is invalid due to expiration or recent password change.");
		break;
	case 50057:
		LIT(w, "User account is disabled. The account has been disabled by an administrator.");
		break;
	case 50034:
		LIT(w, "The user account does not exist in the directory. To sign into this application, "
		       "the account must be added to the directory.");
		break;
	case 50140:
		LIT(w, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.");
		break;
	case 50058:
		LIT(w, "Session information is not sufficient for single-sign-on.");
		break;
	case 50074:
		LIT(w, "Strong Authentication is required.");
		break;
	case 50076:
		LIT(w, "Due to a configuration change made by your administrator, or because you moved to a "
		       "new location, you must use multi-factor authentication to access '");
		put_s(w, app->resource_id);
		LIT(w, "'.");
		break;
	case 70043:
		LIT(w, "The refresh token has expired or is invalid due to sign-in frequency checks by "
		       "conditional access. The token was issued on '");
		put_time(w, r->a, 0, T_SEC);
		LIT(w, "' and the maximum allowed lifetime for this request is 43200.");
		break;
	case 50097:
		LIT(w, "Device authentication is required.");
		break;
	case 50196:
		LIT(w, "The server terminated an operation because it encountered a client request loop. "
		       "Please contact your app vendor.");
		break;
	case 90055:
		LIT(w, "There are too many incoming requests. This exception is thrown for blocked tenants.");
		break;
	default:
		LIT(w, "Other.");
		break;
	}
}

static void put_additional_details(struct w *w, int32_t code)
{
	switch (code) {
	case 50140:
		LIT(w, "\"This is an expected part of the login flow, where a user is asked if they want to "
		       "remain signed into this browser to make further logins easier.\"");
		break;
	case 50058:
		LIT(w, "\"This is an expected part of the login flow, where the application tried a silent "
		       "sign-in and the user has no session.\"");
		break;
	case 50097:
		LIT(w, "\"Device Authentication Required - DeviceId -DeviceAltSecId claims are null OR no device "
		       "corresponding to the device identifier exists.\"");
		break;
	case 50074:
	case 50076:
		LIT(w, "\"MFA required in Azure AD\"");
		break;
	case 0:
		LIT(w, "\"MFA requirement satisfied by claim in the token\"");
		break;
	default:
		LIT(w, "null");
		break;
	}
}

/* ---- conditional access ---- */

struct ca_policy {
	const char *name, *grant, *session;
};

static const struct ca_policy ca_policies[4] = {
	{ "Require MFA for administrators", "[\"Mfa\"]", "[]" },
	{ "Block legacy authentication", "[\"Block\"]", "[]" },
	{ "Require compliant or hybrid joined device",
	  "[\"RequireCompliantDevice\",\"RequireDomainJoinedDevice\"]", "[]" },
	{ "Sign-in frequency 12 hours", "[]", "[\"SignInFrequency\"]" },
};

/* Each policy's result for this record; returns the conditionalAccessStatus
 * they add up to. */
static const char *ca_results(const struct rm_sim_rec *r, const struct rm_sim_app *app,
                              const struct device *d, const char *res[4])
{
	int evaluated = r->code == 0 || r->code == 50074 || r->code == 50076;

	res[0] = evaluated && app->mfa ? "success" : "notApplied";
	res[1] = app->kind == RM_APP_LEGACY ? "reportOnlyFailure" : "notApplied";
	res[2] = !evaluated ? "notApplied" : d->compliant ? "reportOnlySuccess" : "reportOnlyFailure";
	res[3] = evaluated && r->interactive ? "success" : "notApplied";
	return res[0][0] == 's' || res[3][0] == 's' ? "success" : "notApplied";
}

static void put_ca(struct w *w, const struct rm_sim *s, const char *const res[4])
{
	int i;

	LIT(w, "\"appliedConditionalAccessPolicies\":[");
	for (i = 0; i < 4; i++) {
		if (i)
			put_c(w, ',');
		LIT(w, "{\"id\":\"");
		put(w, s->ca_ids[i], 36);
		LIT(w, "\",\"displayName\":\"");
		put_s(w, ca_policies[i].name);
		LIT(w, "\",\"enforcedGrantControls\":");
		put_s(w, ca_policies[i].grant);
		LIT(w, ",\"enforcedSessionControls\":");
		put_s(w, ca_policies[i].session);
		LIT(w, ",\"result\":\"");
		put_s(w, res[i]);
		LIT(w, "\"}");
	}
	put_c(w, ']');
}

/* ---- the sign-in object ---- */

/* What the parts of one sign-in object share. */
struct signin {
	const struct rm_sim *s;
	const struct rm_sim_rec *r;
	const struct rm_sim_client *cl;
	const struct rm_sim_app *app;
	uint64_t h;      /* the record's hash: ids drawn from it */
	unsigned frac;   /* sub-second part of its time */
	int monitor;     /* Azure Monitor shape (PascalCase values, offset times) */
};

/* From the id to the originalRequestId: who signed in to what, from where. */
static void put_signin_identity(struct w *w, const struct signin *g, const char *ca_status)
{
	const struct rm_sim *s = g->s;
	const struct rm_sim_rec *r = g->r;
	const struct rm_sim_client *cl = g->cl;
	const struct rm_sim_app *app = g->app;
	uint64_t h = g->h;
	unsigned frac = g->frac;
	int monitor = g->monitor;

	LIT(w, "{\"id\":\"");
	put_guid(w, h);
	LIT(w, "\",\"createdDateTime\":\"");
	put_time(w, r->t, frac, monitor ? T_OFF : T_FRAC);
	LIT(w, "\",\"userDisplayName\":\"");
	put_display_name(w, s, cl->user);
	LIT(w, "\",\"userPrincipalName\":\"");
	put_upn(w, cl->user);
	LIT(w, "\",\"userId\":\"");
	put_user_id(w, s, cl->user);
	LIT(w, "\",\"appId\":\"");
	put_s(w, app->id);
	LIT(w, "\",\"appDisplayName\":\"");
	put_s(w, app->name);
	LIT(w, "\",\"ipAddress\":\"");
	put_ip(w, s, cl->user);
	LIT(w, "\",\"ipAddressFromResourceProvider\":null,\"clientAppUsed\":\"");
	put_s(w, app->client_app_used);
	LIT(w, "\",\"userAgent\":\"");
	put_s(w, app->user_agent);
	LIT(w, "\",\"correlationId\":\"");
	put_guid(w, r->corr);
	LIT(w, "\",\"conditionalAccessStatus\":\"");
	put_s(w, ca_status);
	LIT(w, "\",\"originalRequestId\":\"");
	put_guid(w, r->interactive ? r->corr ^ 0x6f726967ULL : h ^ 0x6f726967ULL);
}

/* From isInteractive to the sessionId: the token and the resource. */
static void put_signin_token(struct w *w, const struct signin *g, int prt)
{
	const struct rm_sim *s = g->s;
	const struct rm_sim_rec *r = g->r;
	const struct rm_sim_client *cl = g->cl;
	const struct rm_sim_app *app = g->app;
	uint64_t h = g->h;
	int monitor = g->monitor;

	LIT(w, "\",\"isInteractive\":");
	if (r->interactive)
		LIT(w, "true");
	else
		LIT(w, "false");
	LIT(w, ",\"tokenIssuerName\":\"\",\"tokenIssuerType\":\"AzureAD\",\"clientCredentialType\":\"none\","
	       "\"processingTimeInMilliseconds\":");
	put_u(w, 20 + (h >> 20) % 400);
	LIT(w, ",\"riskDetail\":\"none\",\"riskLevelAggregated\":\"none\",\"riskLevelDuringSignIn\":\"none\","
	       "\"riskState\":\"none\",\"riskEventTypes\":[],\"riskEventTypes_v2\":[],\"resourceDisplayName\":\"");
	put_s(w, app->resource_name);
	LIT(w, "\",\"resourceId\":\"");
	put_s(w, app->resource_id);
	LIT(w, "\",\"resourceServicePrincipalId\":\"");
	put_guid(w, rm_sim_hash(s->p.seed, 0x7370ULL, (uint64_t)(app - rm_sim_apps)));
	LIT(w, "\",\"resourceTenantId\":\"");
	put(w, s->tenant, 36);
	LIT(w, "\",\"homeTenantId\":\"");
	put(w, s->tenant, 36);
	LIT(w, "\",\"servicePrincipalId\":\"\",\"servicePrincipalName\":\"\",\"authenticationRequirement\":\"");
	if (r->mfa)
		LIT(w, "multiFactorAuthentication");
	else
		LIT(w, "singleFactorAuthentication");
	LIT(w, "\",\"signInIdentifier\":\"");
	if (r->interactive)
		put_upn(w, cl->user);
	LIT(w, "\",\"signInIdentifierType\":null,\"userType\":\"");
	if (monitor)
		LIT(w, "Member");
	else
		LIT(w, "member");
	LIT(w, "\",\"flaggedForReview\":false,\"isTenantRestricted\":false,\"autonomousSystemNumber\":");
	put_u(w, 8075 + (user_hash(s, cl->user) >> 40) % 3 * 1000);
	LIT(w, ",\"crossTenantAccessType\":\"none\",\"uniqueTokenIdentifier\":\"");
	put_uti(w, h);
	LIT(w, "\",\"incomingTokenType\":\"");
	if (prt)
		LIT(w, "primaryRefreshToken");
	else if (r->interactive)
		LIT(w, "none");
	else
		LIT(w, "refreshToken");
	LIT(w, "\",\"authenticationProtocol\":\"none\",\"originalTransferMethod\":\"none\",\"signInEventTypes\":[\"");
	if (r->interactive)
		LIT(w, "interactiveUser");
	else
		LIT(w, "nonInteractiveUser");
	LIT(w, "\"],\"sessionId\":\"");
	put_guid(w, rm_sim_hash(s->p.seed ^ 0x73657373ULL, r->who, (uint64_t)r->a));
}

/* The steps of authenticationDetails: password (and MFA) for a successful
 * interactive sign-in, "previously satisfied" for the others. */
static void put_auth_details(struct w *w, const struct signin *g)
{
	const struct rm_sim_rec *r = g->r;
	unsigned frac = g->frac;
	int monitor = g->monitor;

	if (r->interactive && r->code == 0) {
		LIT(w, "{\"authenticationStepDateTime\":\"");
		put_time(w, r->t, frac, monitor ? T_OFF : T_FRAC);
		LIT(w, "\",\"authenticationMethod\":\"Password\",\"authenticationMethodDetail\":\"Password in the cloud\","
		       "\"succeeded\":true,\"authenticationStepResultDetail\":\"Correct password\","
		       "\"authenticationStepRequirement\":\"Primary authentication\"}");
		if (r->mfa) {
			LIT(w, ",{\"authenticationStepDateTime\":\"");
			put_time(w, r->t, frac, monitor ? T_OFF : T_FRAC);
			LIT(w, "\",\"authenticationMethod\":\"Mobile app notification\",\"authenticationMethodDetail\":null,"
			       "\"succeeded\":true,\"authenticationStepResultDetail\":\"MFA successfully completed\","
			       "\"authenticationStepRequirement\":\"Multifactor authentication\"}");
		}
	} else {
		LIT(w, "{\"authenticationStepDateTime\":\"");
		put_time(w, r->t, frac, monitor ? T_OFF : T_FRAC);
		LIT(w, "\",\"authenticationMethod\":\"Previously satisfied\",\"authenticationMethodDetail\":null,"
		       "\"succeeded\":");
		if (r->code == 0)
			LIT(w, "true");
		else
			LIT(w, "false");
		LIT(w, ",\"authenticationStepResultDetail\":\"");
		if (r->code == 0)
			LIT(w, "First factor requirement satisfied by claim in the token");
		else
			LIT(w, "Authentication failed during strong authentication request.");
		LIT(w, "\",\"authenticationStepRequirement\":\"Primary authentication\"}");
	}
}

static void put_signin(struct w *w, const struct rm_sim *s, const struct rm_sim_rec *r, int monitor)
{
	const struct rm_sim_client *cl = &s->clients[r->who];
	const struct rm_sim_app *app = &rm_sim_apps[cl->app];
	const struct city *ct = user_city(s, cl->user);
	struct device d = device_of(s, r->who);
	const struct signin g = {s, r, cl, app, rec_hash(s, r), frac_of(s, r), monitor};
	int prt = d.joined && app->kind == RM_APP_DESKTOP;
	const char *ca_res[4];
	const char *ca_status = ca_results(r, app, &d, ca_res);

	put_signin_identity(w, &g, ca_status);
	put_signin_token(w, &g, prt);
	LIT(w, "\",\"status\":{\"errorCode\":");
	put_i(w, r->code);
	LIT(w, ",\"failureReason\":\"");
	put_failure_reason(w, r, app);
	LIT(w, "\",\"additionalDetails\":");
	put_additional_details(w, r->code == 0 && !r->mfa ? -1 : r->code);
	LIT(w, "},");
	put_device(w, s, r->who);
	put_c(w, ',');
	put_location(w, ct);
	put_c(w, ',');
	put_ca(w, s, ca_res);
	LIT(w, ",\"authenticationContextClassReferences\":[],\"authenticationProcessingDetails\":["
	       "{\"key\":\"Legacy TLS (TLS 1.0, 1.1, 3DES)\",\"value\":\"False\"},"
	       "{\"key\":\"Oauth Scope Info\",\"value\":\"[\\\"offline_access\\\",\\\"openid\\\",\\\"profile\\\","
	       "\\\"User.Read\\\"]\"},{\"key\":\"Is CAE Token\",\"value\":\"");
	if (r->cae)
		LIT(w, "True");
	else
		LIT(w, "False");
	LIT(w, "\"},{\"key\":\"Root Key Type\",\"value\":\"Unknown\"}],\"authenticationMethodsUsed\":[],"
	       "\"authenticationDetails\":[");
	put_auth_details(w, &g);
	LIT(w, "],\"authenticationRequirementPolicies\":[],\"sessionLifetimePolicies\":[");
	if (r->code == 70043)
		LIT(w, "{\"expirationRequirement\":\"signInFrequencyPeriodicReauthentication\","
		       "\"detail\":\"Sign-in frequency periodic reauthentication\"}");
	else if (r->interactive && r->mfa && r->code == 0)
		LIT(w, "{\"expirationRequirement\":\"rememberMultifactorAuthenticationOnTrustedDevices\","
		       "\"detail\":\"Remember MFA\"}");
	LIT(w, "],\"networkLocationDetails\":[],\"mfaDetail\":null,\"rngcStatus\":null}");
}

/* ---- the directory audit object ---- */

static void put_sts_prop(struct w *w, const struct rm_sim_rec *r)
{
	LIT(w, "{\"displayName\":\"StsRefreshTokensValidFrom\",\"oldValue\":\"[\\\"");
	put_time(w, r->a, 0, T_SEC);
	LIT(w, "\\\"]\",\"newValue\":\"[\\\"");
	put_time(w, r->b, 0, T_SEC);
	LIT(w, "\\\"]\"}");
}

static void put_audit(struct w *w, const struct rm_sim *s, const struct rm_sim_rec *r, int monitor)
{
	const struct activity *act = &activities[r->code];
	uint64_t h = rec_hash(s, r);
	uint32_t u = r->who;
	static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
	int i;

	LIT(w, "{\"id\":\"");
	put_s(w, act->id_prefix);
	put_c(w, '_');
	if (strcmp(act->id_prefix, "Directory") == 0) {
		for (i = 0; i < 5; i++)
			put_c(w, alnum[(h >> (6 * i)) % (sizeof(alnum) - 1)]);
		put_c(w, '_');
		put_digits(w, (unsigned)((h >> 32) % 100000000), 8);
	} else {
		put_guid(w, h);
	}
	LIT(w, "\",\"category\":\"");
	put_s(w, act->category);
	LIT(w, "\",\"correlationId\":\"");
	put_guid(w, r->corr);
	LIT(w, "\",\"result\":\"success\",\"resultReason\":\"");
	if (r->code == RM_ACT_USER_REG_SEC || r->code == RM_ACT_ADMIN_REG_SEC)
		LIT(w, "User registered Authenticator App with Notification and Code");
	LIT(w, "\",\"activityDisplayName\":\"");
	put_s(w, act->name);
	LIT(w, "\",\"activityDateTime\":\"");
	put_time(w, r->t, frac_of(s, r), monitor ? T_OFF : T_FRAC);
	LIT(w, "\",\"loggedByService\":\"");
	put_s(w, act->service);
	LIT(w, "\",\"operationType\":\"");
	put_s(w, act->op);
	LIT(w, "\",\"initiatedBy\":{\"app\":null,\"user\":{\"id\":\"");
	if (act->self) {
		put_user_id(w, s, u);
		LIT(w, "\",\"displayName\":null,\"userPrincipalName\":\"");
		put_upn(w, u);
		LIT(w, "\",\"ipAddress\":\"");
		put_ip(w, s, u);
	} else {
		put(w, s->admin_id, 36);
		LIT(w, "\",\"displayName\":null,\"userPrincipalName\":\"admin@contoso.example\",\"ipAddress\":\"198.51.100.7");
	}
	LIT(w, "\",\"userType\":null,\"homeTenantId\":null,\"homeTenantName\":null}},"
	       "\"targetResources\":[{\"id\":\"");
	put_user_id(w, s, u);
	LIT(w, "\",\"displayName\":");
	if (r->code == RM_ACT_DELETE) {
		put_c(w, '"');
		put_display_name(w, s, u);
		put_c(w, '"');
	} else {
		LIT(w, "null");
	}
	LIT(w, ",\"type\":\"User\",\"userPrincipalName\":\"");
	put_upn(w, u);
	LIT(w, "\",\"groupType\":null,\"modifiedProperties\":[");
	switch (r->code) {
	case RM_ACT_UPDATE_USER_STS:
		put_sts_prop(w, r);
		LIT(w, ",{\"displayName\":\"Included Updated Properties\",\"oldValue\":null,"
		       "\"newValue\":\"\\\"StsRefreshTokensValidFrom\\\"\"},{\"displayName\":\"TargetId.UserType\","
		       "\"oldValue\":null,\"newValue\":\"\\\"Member\\\"\"}");
		break;
	case RM_ACT_UPDATE_STS:
		put_sts_prop(w, r);
		break;
	case RM_ACT_DISABLE:
	case RM_ACT_ENABLE:
		LIT(w, "{\"displayName\":\"AccountEnabled\",\"oldValue\":");
		if (r->code == RM_ACT_DISABLE)
			LIT(w, "\"[true]\",\"newValue\":\"[false]\"}");
		else
			LIT(w, "\"[false]\",\"newValue\":\"[true]\"}");
		LIT(w, ",{\"displayName\":\"Included Updated Properties\",\"oldValue\":null,"
		       "\"newValue\":\"\\\"AccountEnabled\\\"\"},{\"displayName\":\"TargetId.UserType\","
		       "\"oldValue\":null,\"newValue\":\"\\\"Member\\\"\"}");
		break;
	default:
		break;
	}
	LIT(w, "]}],\"additionalDetails\":[{\"key\":\"UserType\",\"value\":\"Member\"}");
	if (!act->self)
		LIT(w, ",{\"key\":\"User-Agent\",\"value\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		       "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0\"}");
	LIT(w, "]}");
}

/* ---- entry points ---- */

static int begin(struct rm_buf *out, struct w *w)
{
	if (rm_buf_reserve(out, REC_ROOM) < 0)
		return -1;
	w->p = out->data + out->len;
	return 0;
}

static void end(struct rm_buf *out, struct w *w)
{
	size_t n = (size_t)(w->p - (out->data + out->len));

	/* the catalogs bound a record far below REC_ROOM; getting here past it
	 * means memory is already overwritten, so stop rather than go on */
	if (n >= REC_ROOM)
		abort();
	out->len += n;
	out->data[out->len] = '\0';
}

int rm_sim_emit_graph(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out)
{
	struct w w;

	if (begin(out, &w) < 0)
		return -1;
	if (r->kind == RM_REC_AUDIT)
		put_audit(&w, s, r, 0);
	else
		put_signin(&w, s, r, 0);
	end(out, &w);
	return 0;
}

static void put_monitor_head(struct w *w, const struct rm_sim *s, const struct rm_sim_rec *r,
                             const char *operation, const char *category)
{
	LIT(w, "{\"time\":\"");
	put_time(w, r->t, frac_of(s, r), T_FRAC);
	LIT(w, "\",\"resourceId\":\"/tenants/");
	put(w, s->tenant, 36);
	LIT(w, "/providers/Microsoft.aadiam\",\"operationName\":\"");
	put_s(w, operation);
	LIT(w, "\",\"operationVersion\":\"1.0\",\"category\":\"");
	put_s(w, category);
	LIT(w, "\",\"tenantId\":\"");
	put(w, s->tenant, 36);
	put_c(w, '"');
}

int rm_sim_emit_monitor(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out)
{
	struct w w;

	if (begin(out, &w) < 0)
		return -1;
	if (r->kind == RM_REC_AUDIT) {
		const struct activity *act = &activities[r->code];

		put_monitor_head(&w, s, r, act->name, "AuditLogs");
		LIT(&w, ",\"resultSignature\":\"None\",\"durationMs\":0,\"callerIpAddress\":\"");
		if (act->self)
			put_ip(&w, s, r->who);
		else
			LIT(&w, "198.51.100.7");
		LIT(&w, "\",\"correlationId\":\"");
		put_guid(&w, r->corr);
		LIT(&w, "\",\"identity\":\"");
		if (act->self)
			put_display_name(&w, s, r->who);
		else
			LIT(&w, "admin@contoso.example");
		LIT(&w, "\",\"level\":\"Informational\",\"properties\":");
		put_audit(&w, s, r, 1);
	} else {
		const struct rm_sim_client *cl = &s->clients[r->who];
		const struct rm_sim_app *app = &rm_sim_apps[cl->app];

		put_monitor_head(&w, s, r, "Sign-in activity",
		                 r->interactive ? "SignInLogs" : "NonInteractiveUserSignInLogs");
		LIT(&w, ",\"resultType\":\"");
		put_i(&w, r->code);
		LIT(&w, "\",\"resultSignature\":\"None\",");
		if (r->code) {
			LIT(&w, "\"resultDescription\":\"");
			put_failure_reason(&w, r, app);
			LIT(&w, "\",");
		}
		LIT(&w, "\"durationMs\":0,\"callerIpAddress\":\"");
		put_ip(&w, s, cl->user);
		LIT(&w, "\",\"correlationId\":\"");
		put_guid(&w, r->corr);
		LIT(&w, "\",\"identity\":\"");
		put_display_name(&w, s, cl->user);
		LIT(&w, "\",\"Level\":4,\"location\":\"");
		put_s(&w, user_city(s, cl->user)->country);
		LIT(&w, "\",\"properties\":");
		put_signin(&w, s, r, 1);
	}
	put_c(&w, '}');
	end(out, &w);
	return 0;
}

/* ---- the Entra admin center's sign-in download (log-shapes.md §3.1) ---- */

/* Its columns, as a 2025 download names them (third-party IR tooling's
 * copy of a real InteractiveSignIns_*.csv): "Application ID " and
 * "Resource ID " end in a space, "Autonomous system  number" has two, and
 * "Incoming token type" comes twice. */
static const char entra_csv_header[] =
	"Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,"
	"Cross tenant access type,Incoming token type,Authentication Protocol,Unique token identifier,"
	"Original transfer method,Client credential type,Token Protection - Sign In Session,"
	"Token Protection - Sign In Session StatusCode,Application,Application ID ,App owner tenant ID,"
	"Resource,Resource ID ,Resource tenant ID,Resource owner tenant ID,Home tenant ID,"
	"Home tenant name,IP address,Location,Status,Sign-in error code,Failure reason,Client app,"
	"Device ID,Browser,Operating System,Compliant,Managed,Join Type,"
	"Multifactor authentication result,Multifactor authentication auth method,"
	"Multifactor authentication auth detail,Authentication requirement,Sign-in identifier,"
	"Session ID,IP address (seen by resource),Through Global Secure Access,"
	"Global Secure Access IP address,Autonomous system  number,Flagged for review,"
	"Token issuer type,Incoming token type,Token issuer name,Latency,Conditional Access,"
	"Managed Identity type,Associated Resource Id,Federated Token Id,Federated Token Issuer\r\n";

/* The tenant Microsoft's first-party apps belong to. */
#define MS_APPS_TENANT "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

int rm_sim_entra_csv_header(struct rm_buf *out)
{
	return rm_buf_append(out, entra_csv_header, sizeof entra_csv_header - 1);
}

/* The portal's words for a sign-in's outcome: interrupts are steps of a
 * sign-in that goes on, not failures. */
static void put_csv_status(struct w *w, int32_t code)
{
	if (code == 0)
		LIT(w, "Success");
	else if (code == 50140 || code == 50058 || code == 50074 || code == 50076 || code == 50097)
		LIT(w, "Interrupted");
	else
		LIT(w, "Failure");
}

static void put_csv_token_type(struct w *w, const struct rm_sim_rec *r, int prt)
{
	if (prt)
		LIT(w, "primaryRefreshToken");
	else if (r->interactive)
		LIT(w, "none");
	else
		LIT(w, "refreshToken");
}

/* From Date (UTC) to Home tenant name: who, with what, to what. */
static void put_csv_identity(struct w *w, const struct signin *g, int prt)
{
	const struct rm_sim *s = g->s;
	const struct rm_sim_rec *r = g->r;
	const struct rm_sim_app *app = g->app;
	uint32_t u = g->cl->user;

	put_time(w, r->t, 0, T_SEC);
	put_c(w, ',');
	put_guid(w, g->h);
	LIT(w, ",\"");
	put_s(w, app->user_agent);
	LIT(w, "\",");
	put_guid(w, r->corr);
	put_c(w, ',');
	put_user_id(w, s, u);
	put_c(w, ',');
	put_display_name(w, s, u);
	put_c(w, ',');
	put_upn(w, u);
	LIT(w, ",Member,None,");
	put_csv_token_type(w, r, prt);
	LIT(w, ",None,");
	put_uti(w, g->h);
	LIT(w, ",None,None,,,");
	put_s(w, app->name);
	put_c(w, ',');
	put_s(w, app->id);
	LIT(w, "," MS_APPS_TENANT ",");
	put_s(w, app->resource_name);
	put_c(w, ',');
	put_s(w, app->resource_id);
	put_c(w, ',');
	put(w, s->tenant, 36);
	LIT(w, "," MS_APPS_TENANT ",");
	put(w, s->tenant, 36);
	LIT(w, ",Contoso,");
}

/* From IP address to Join Type: where from, the outcome, the device. */
static void put_csv_outcome(struct w *w, const struct signin *g, const struct device *d)
{
	const struct rm_sim *s = g->s;
	const struct rm_sim_rec *r = g->r;
	const struct city *ct = user_city(s, g->cl->user);

	put_ip(w, s, g->cl->user);
	LIT(w, ",\"");
	put_s(w, ct->city);
	LIT(w, ", ");
	put_s(w, ct->state);
	LIT(w, ", ");
	put_s(w, ct->country);
	LIT(w, "\",");
	put_csv_status(w, r->code);
	put_c(w, ',');
	put_i(w, r->code);
	put_c(w, ',');
	if (r->code) {
		/* the texts hold commas and single quotes, never a double one */
		put_c(w, '"');
		put_failure_reason(w, r, g->app);
		put_c(w, '"');
	}
	put_c(w, ',');
	put_s(w, g->app->client_app_used);
	put_c(w, ',');
	if (d->registered)
		put_guid(w, device_hash(s, r->who) ^ 0x6964ULL);
	put_c(w, ',');
	put_s(w, g->app->browser);
	put_c(w, ',');
	put_s(w, rm_sim_os_of(s, r->who));
	put_c(w, ',');
	if (d->compliant)
		LIT(w, "True,True,");
	else
		LIT(w, "False,False,");
	put_join_type(w, d);
	put_c(w, ',');
}

/* From the MFA columns to Federated Token Issuer. */
static void put_csv_session(struct w *w, const struct signin *g, int prt, const char *ca_status)
{
	const struct rm_sim *s = g->s;
	const struct rm_sim_rec *r = g->r;

	if (r->interactive && r->mfa && r->code == 0)
		LIT(w, "MFA successfully completed,Mobile app notification,,Multifactor authentication,");
	else if (r->mfa)
		LIT(w, ",,,Multifactor authentication,");
	else
		LIT(w, ",,,Single-factor authentication,");
	if (r->interactive)
		put_upn(w, g->cl->user);
	put_c(w, ',');
	put_guid(w, rm_sim_hash(s->p.seed ^ 0x73657373ULL, r->who, (uint64_t)r->a));
	LIT(w, ",,No,,");
	put_u(w, 8075 + (user_hash(s, g->cl->user) >> 40) % 3 * 1000);
	LIT(w, ",No,AzureAD,");
	put_csv_token_type(w, r, prt);
	LIT(w, ",,");
	put_u(w, 20 + (g->h >> 20) % 400);
	put_c(w, ',');
	if (ca_status[0] == 's')
		LIT(w, "Success");
	else
		LIT(w, "Not Applied");
	LIT(w, ",,,,\r\n");
}

int rm_sim_emit_entra_csv(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out)
{
	const struct rm_sim_client *cl = &s->clients[r->who];
	const struct rm_sim_app *app = &rm_sim_apps[cl->app];
	const struct signin g = { s, r, cl, app, rec_hash(s, r), 0, 0 };
	struct device d = device_of(s, r->who);
	int prt = d.joined && app->kind == RM_APP_DESKTOP;
	const char *ca_res[4];
	struct w w;

	if (begin(out, &w) < 0)
		return -1;
	put_csv_identity(&w, &g, prt);
	put_csv_outcome(&w, &g, &d);
	put_csv_session(&w, &g, prt, ca_results(r, app, &d, ca_res));
	end(out, &w);
	return 0;
}
