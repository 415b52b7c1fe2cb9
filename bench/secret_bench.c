/*
 * What the TUI's secret-chat list and open secret chat cost on a profile
 * with one secret chat of N messages (default 20,000) and 19 short ones,
 * read through the store the way ui/secret_ui.c reads it, before and
 * after schema 5:
 *   list, every message: each chat's messages read whole (what a reload
 *     of the list did until the summary existed)
 *   list, summary: each chat's newest message and unread count
 *     (store_secret_summary, what a reload does now)
 *   open, every message: the long chat read whole
 *   open, newest 100: store_secret_msgs_before(0, 100), plus the probe
 *     for an older one
 * Prints the median and worst of 30 rounds; never passes or fails on
 * time. Usage: secret_bench [N [DIR]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"

#define ROUNDS	30
#define NCHATS	20

static int
count(void *ud, const struct store_secret_msg *m)
{
	(void)m;
	++*(unsigned long *)ud;
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, unsigned long rows)
{
	qsort(v, ROUNDS, sizeof(v[0]), cmp);
	printf("%-26s median %8.3f ms  max %8.3f ms  (%lu rows a round)\n",
	    what, v[ROUNDS / 2] * 1e3, v[ROUNDS - 1] * 1e3, rows);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/sotto-secret-bench-XXXXXX", path[300], cmd[320];
	char text[64];
	const char *base = argc > 2 ? argv[2] : NULL;
	uint8_t key[STORE_KEY_LEN];
	double full[ROUNDS], sum[ROUNDS], open_full[ROUNDS], open_win[ROUNDS];
	double t0;
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	unsigned long rows[4], i, c;
	uint64_t unread;
	struct store_secret_msg m;
	struct store *s = NULL;
	int k, r = 0;

	if (base == NULL && mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/b.db", base != NULL ? base : dir);
	sec_random(key, sizeof(key));
	if ((r = store_open(&s, path, key, 1)) != 0)
		goto out;
	t0 = now();
	if ((r = store_begin(s)) != 0)
		goto out;
	for (c = 1; c <= NCHATS; c++)
		for (i = 1; i <= (c == 1 ? n : 20); i++) {
			memset(&m, 0, sizeof(m));
			m.secret_id = c;
			m.random_id = i;
			m.out = i % 2;
			snprintf(text, sizeof(text), "message %lu of chat %lu",
			    i, c);
			m.text = text;
			m.date = 1000000 + i;
			if ((r = store_secret_add_msg(s, &m)) != 0)
				goto out;
		}
	if ((r = store_commit(s)) != 0)
		goto out;
	printf("secret_bench: one chat of %lu messages and %d of 20, stored "
	    "in %.2f s\n", n, NCHATS - 1, now() - t0);
	for (k = 0; k < ROUNDS; k++) {
		memset(rows, 0, sizeof(rows));
		t0 = now();
		for (c = 1; c <= NCHATS && r == 0; c++)
			r = store_secret_list_msgs(s, c, count, &rows[0]);
		full[k] = now() - t0;
		t0 = now();
		for (c = 1; c <= NCHATS && r == 0; c++)
			r = store_secret_summary(s, c, &unread, count, &rows[1]);
		sum[k] = now() - t0;
		t0 = now();
		if (r == 0)
			r = store_secret_list_msgs(s, 1, count, &rows[2]);
		open_full[k] = now() - t0;
		t0 = now();
		if (r == 0)
			r = store_secret_msgs_before(s, 1, 0, 100, count,
			    &rows[3]);
		if (r == 0)
			r = store_secret_msgs_before(s, 1, n - 99, 1, count,
			    &rows[3]);
		open_win[k] = now() - t0;
		if (r != 0)
			goto out;
	}
	report("list, every message", full, rows[0]);
	report("list, summary", sum, rows[1]);
	report("open, every message", open_full, rows[2]);
	report("open, newest 100", open_win, rows[3]);
out:
	store_close(s);
	if (base == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			r = ERR_IO;
	}
	if (r != 0)
		fprintf(stderr, "secret_bench: %s\n", err_str(r));
	return r != 0;
}
