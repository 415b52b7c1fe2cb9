/*
 * How fast the client store applies a catch-up: 100,000 messages over ten
 * chats in pages of 1000, one transaction per page with the new sync
 * position, the way the sync engine applies GetDifference pages. Prints
 * the rate; never passes or fails on time. Usage: store_bench [N [DIR]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"

static int
count(void *ud, const struct store_message *m)
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

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/sotto-store-bench-XXXXXX", path[300], cmd[320];
	char text[128];
	const char *base = argc > 2 ? argv[2] : NULL;
	uint8_t key[STORE_KEY_LEN];
	struct stat st;
	struct store *s = NULL;
	struct store_chat c;
	struct store_message m;
	unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	unsigned long i, j, page = 1000, nchats = 10, hits;
	uint64_t mid;
	double t0, t1;
	int r, isnew;

	if (sec_init() != 0 || total == 0)
		return 1;
	if (base == NULL && mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/bench.db", base ? base : dir);
	sec_random(key, sizeof(key));
	if ((r = store_open(&s, path, key, 1)) != 0) {
		fprintf(stderr, "store_open: %s\n", err_str(r));
		return 1;
	}
	memset(&c, 0, sizeof(c));
	for (j = 1; j <= nchats; j++) {
		c.id = j;
		c.kind = STORE_CHAT_PRIVATE;
		c.title = "peer";
		c.peer_id = 1000 + j;
		if ((r = store_put_chat(s, &c)) != 0)
			goto fail;
	}
	memset(&m, 0, sizeof(m));
	m.text = text;
	t0 = now();
	for (i = 0; i < total; i += page) {
		if ((r = store_begin(s)) != 0)
			goto fail;
		for (j = i; j < i + page && j < total; j++) {
			m.chat_id = 1 + j % nchats;
			m.id = 1 + j / nchats;
			m.sender_id = 1000 + m.chat_id;
			m.random_id = j * 2654435761u;
			m.date = 1700000000 + j;
			snprintf(text, sizeof(text), "message number %lu of the "
			    "catch-up, a line of ordinary length", j);
			if ((r = store_put_message(s, &m, j + 1, &isnew)) != 0)
				goto fail;
		}
		if ((r = store_set_pts(s, j)) != 0 ||
		    (r = store_commit(s)) != 0)
			goto fail;
	}
	t1 = now();
	printf("store_bench: %lu messages in pages of %lu: %.3f s, "
	    "%.0f messages/s\n", total, page, t1 - t0,
	    (double)total / (t1 - t0));

	/* A page of history deep in a chat: a primary-key range scan. */
	hits = 0;
	t0 = now();
	for (j = 0; j < 1000; j++)
		if ((r = store_list_messages_before(s, 1, total / nchats / 2,
		    50, count, &hits)) != 0)
			goto fail;
	t1 = now();
	printf("store_bench: a page of 50 older messages: %.1f us\n",
	    (t1 - t0) * 1e6 / 1000);

	/* The first search indexes every message; later ones only new rows. */
	for (j = 0; j < 2; j++) {
		hits = 0;
		t0 = now();
		if ((r = store_search(s, 0, "catch", 20, count, &hits)) != 0)
			goto fail;
		t1 = now();
		printf("store_bench: search %s: %.3f s, %lu hits\n",
		    j == 0 ? "(indexing all rows first)" : "(index up to date)",
		    t1 - t0, hits);
	}

	/* Deleting an indexed message also purges its words from the index. */
	t0 = now();
	mid = total / nchats / 2;
	if ((r = store_delete_messages(s, 2, &mid, 1)) != 0)
		goto fail;
	t1 = now();
	printf("store_bench: deleting an indexed message: %.3f s\n", t1 - t0);
	store_close(s);
	s = NULL;

	/* An open reads every page once (sqlc_quick_check): what it costs. */
	t0 = now();
	if ((r = store_open(&s, path, key, 0)) != 0)
		goto fail;
	t1 = now();
	if (stat(path, &st) != 0)
		st.st_size = 0;
	printf("store_bench: opening it again, every page read: %.3f s for "
	    "%.1f MB\n", t1 - t0, (double)st.st_size / 1e6);
	store_close(s);
	if (base == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
fail:
	fprintf(stderr, "store_bench: %s\n", err_str(r));
	store_rollback(s);
	store_close(s);
	return 1;
}
