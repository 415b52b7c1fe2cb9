/*
 * Self-destruct timers as people write and read them: "5s", "1m", "1h",
 * "1d", "1w", "off". Pure functions (no curses, no clock), shared by the
 * /ttl command and the view's countdowns.
 */
#ifndef SOTTO_UI_DURATION_H
#define SOTTO_UI_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses s: "off" or "0" (0); a number of seconds ("90"); or numbers
 * each with a unit s, m, h, d or w, largest first ("5s", "1h30m", "1w").
 * Returns 0 and *secs, ERR_INVAL when s is not such a duration, or
 * ERR_TOO_BIG when it is longer than max seconds.
 */
int ui_duration_parse(const char *s, uint32_t max, uint32_t *secs);

/*
 * Writes secs compactly into buf (size >= UI_DURATION_LEN): the largest
 * unit and the next one when it is not zero ("5s", "1m30s", "2h5m",
 * "6d23h"), whole weeks as "1w"; 0 is "0s".
 */
#define UI_DURATION_LEN 16
void ui_duration_format(uint64_t secs, char *buf, size_t size);

#endif
