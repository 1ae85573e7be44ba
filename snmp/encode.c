/* Value encodings; see encode.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "encode.h"

uint32_t rm_gauge32(double value, unsigned scale)
{
	double v = round(value * (double)scale);

	if (isnan(v) || v <= 0)
		return 0;
	if (v >= 4294967295.0)
		return UINT32_MAX;
	return (uint32_t)v;
}

void rm_split64(uint64_t v, uint32_t *high, uint32_t *low)
{
	*high = (uint32_t)(v >> 32);
	*low = (uint32_t)(v & 0xffffffffu);
}

size_t rm_name_list(char *out, size_t cap, const char *const *names, size_t n)
{
	size_t total = 0, o = 0;
	int cut;

	for (size_t i = 0; i < n; i++)
		total += strlen(names[i]) + (i ? 1 : 0);
	cut = total >= cap;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(names[i]) + (o ? 1 : 0);

		if (cut && o + w + 4 >= cap)
			break;
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? " " : "", names[i]);
	}
	if (cut)
		o += (size_t)snprintf(out + o, cap - o, "%s...", o ? " " : "");
	return o;
}

size_t rm_date_and_time(int64_t ms, unsigned char out[11])
{
	struct tm tm;
	time_t t;
	int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t rest = ms - sec * 1000;

	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 65535)
		return 0;
	out[0] = (unsigned char)((tm.tm_year + 1900) >> 8);
	out[1] = (unsigned char)((tm.tm_year + 1900) & 0xff);
	out[2] = (unsigned char)(tm.tm_mon + 1);
	out[3] = (unsigned char)tm.tm_mday;
	out[4] = (unsigned char)tm.tm_hour;
	out[5] = (unsigned char)tm.tm_min;
	/* DateAndTime allows 60 for a leap second; gmtime_r never gives more. */
	out[6] = (unsigned char)tm.tm_sec;
	out[7] = (unsigned char)(rest / 100);
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

uint32_t rm_timeticks(int64_t ms)
{
	if (ms <= 0)
		return 0;
	if (ms / 10 >= UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)(ms / 10);
}

uint32_t rm_gauge_ms(int64_t ms)
{
	if (ms <= 0)
		return 0;
	if (ms >= UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)ms;
}
