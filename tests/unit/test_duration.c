/*
 * Self-destruct timers as typed (/ttl, /secret PEER TTL) and as shown
 * (the chat list's timer, a message's countdown): every unit, the
 * bounds (7 days, 32 bits), and what must be refused.
 */
#include <stdint.h>
#include <string.h>

#include "lib/err.h"
#include "tests/unit/tap.h"
#include "ui/duration.h"

#define WEEK (7 * 86400)

static void
parse_ok(const char *s, uint32_t want)
{
	uint32_t got = 12345;
	int r = ui_duration_parse(s, WEEK, &got);

	ok(r == 0 && got == want, "\"%s\" is %lu s (got %d, %lu)", s,
	    (unsigned long)want, r, (unsigned long)got);
}

static void
parse_err(const char *s, int want)
{
	uint32_t got = 12345;
	int r = ui_duration_parse(s, WEEK, &got);

	ok(r == want && got == 0, "\"%s\" is refused with %s (got %d)", s,
	    err_str(want), r);
}

static void
fmt(uint64_t secs, const char *want)
{
	char buf[UI_DURATION_LEN];

	memset(buf, 'x', sizeof(buf));
	ui_duration_format(secs, buf, sizeof(buf));
	ok(strcmp(buf, want) == 0, "%llu s shows as %s (got %s)",
	    (unsigned long long)secs, want, buf);
}

int
main(void)
{
	char small[4];

	parse_ok("off", 0);
	parse_ok("0", 0);
	parse_ok("5s", 5);
	parse_ok("90", 90);
	parse_ok("1m", 60);
	parse_ok("1h", 3600);
	parse_ok("1d", 86400);
	parse_ok("1w", WEEK);
	parse_ok("7d", WEEK);
	parse_ok("1h30m", 5400);
	parse_ok("1d2h3m4s", 86400 + 7200 + 180 + 4);
	parse_ok("0s", 0);
	parse_ok("604800", WEEK);
	parse_err("604801", ERR_TOO_BIG);
	parse_err("8d", ERR_TOO_BIG);
	parse_err("1w1s", ERR_TOO_BIG);
	parse_err("99999999999", ERR_TOO_BIG);
	parse_err("4294967296s", ERR_TOO_BIG);
	parse_err("", ERR_INVAL);
	parse_err("s", ERR_INVAL);
	parse_err("5x", ERR_INVAL);
	parse_err("-5s", ERR_INVAL);
	parse_err("5 s", ERR_INVAL);
	parse_err("1m1h", ERR_INVAL);	/* largest unit first */
	parse_err("1m1m", ERR_INVAL);	/* each unit once */
	parse_err("1m30", ERR_INVAL);	/* a bare number only alone */
	parse_err("Off", ERR_INVAL);
	parse_err("soon", ERR_INVAL);

	fmt(0, "0s");
	fmt(1, "1s");
	fmt(5, "5s");
	fmt(59, "59s");
	fmt(60, "1m");
	fmt(90, "1m30s");
	fmt(3599, "59m59s");
	fmt(3600, "1h");
	fmt(3600 + 300 + 7, "1h5m");	/* two units at most */
	fmt(86400, "1d");
	fmt(86400 * 6 + 3600 * 23 + 59, "6d23h");
	fmt(WEEK, "1w");
	fmt(2 * WEEK, "2w");
	fmt(WEEK + 3600, "7d1h");
	fmt(UINT32_MAX, "49710d6h");

	/* A buffer too small is cut, never overrun. */
	memset(small, 'x', sizeof(small));
	ui_duration_format(3600 + 60, small, sizeof(small));
	ok(small[3] == '\0' && strcmp(small, "1h1") == 0,
	    "a short buffer ends in NUL (got %.4s)", small);
	return tap_done();
}
