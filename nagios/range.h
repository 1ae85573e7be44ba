/* Nagios threshold ranges, exactly as the monitoring-plugins guidelines
 * define them: [@]start:end, start defaults to 0, an empty end is +inf, ~ is
 * -inf; alert when the value is outside [start, end], or inside with @. */
#ifndef CHECK_RANGE_H
#define CHECK_RANGE_H

struct nr_range {
	double start, end;
	int start_inf, end_inf; /* -inf / +inf */
	int inside;             /* '@': alert inside the range */
	char text[64];          /* as given, for perfdata */
};

/* Parse s; 0, or -1 when it is not a range (start > end included). */
int nr_range_parse(const char *s, struct nr_range *r);

/* 1 when value must raise the alert. */
int nr_range_alert(const struct nr_range *r, double value);

#endif
