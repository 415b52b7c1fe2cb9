/*
 * tui_fill: puts N messages into the first private chat of a logged-in
 * profile, for bench/tui_bench.py (a profile of a million messages
 * without a million round trips). It writes through the store's own
 * accessors, in pages of 10,000 per transaction as the sync engine does,
 * alternating the two people of the chat, with texts of varied length
 * and dates spread over the last 30 days; the chat ends up read. Never
 * installed; not a test.
 *
 *   XDG_DATA_HOME=... tui_fill PASSPHRASE_FILE N
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/profile.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"

#define PAGE 10000

static const char *const words[] = {
	"the", "message", "quick", "brown", "fox", "jumps", "over", "lazy",
	"dog", "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "meeting", "at",
	"noon", "tomorrow", "see", "you", "then", "ok", "thanks",
};

struct find {
	uint64_t chat_id, peer_id, last_id;
};

static int
first_private(void *ud, const struct store_chat *c)
{
	struct find *f = ud;

	if (c->kind != STORE_CHAT_PRIVATE)
		return 0;
	f->chat_id = c->id;
	f->peer_id = c->peer_id;
	f->last_id = c->last_message_id;
	return 1;
}

int
main(int argc, char **argv)
{
	struct profile p;
	struct store_account acct;
	struct store_message m;
	struct find f = { 0, 0, 0 };
	char pass[256], text[400];
	FILE *pf;
	uint64_t n, i, base, now = (uint64_t)time(NULL), span = 30 * 86400;
	size_t len, w, k;
	int r;

	if (argc != 3 || (n = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: tui_fill PASSPHRASE_FILE N\n");
		return 64;
	}
	if (sec_init() != 0 || (pf = fopen(argv[1], "r")) == NULL ||
	    fgets(pass, sizeof(pass), pf) == NULL) {
		fprintf(stderr, "tui_fill: cannot read %s\n", argv[1]);
		return 66;
	}
	fclose(pf);
	len = strcspn(pass, "\r\n");
	if ((r = profile_init(&p, "default")) != 0 ||
	    (r = profile_unlock(&p, pass, len)) != 0) {
		fprintf(stderr, "tui_fill: cannot open the profile: %s\n",
		    err_str(r));
		return 77;
	}
	if ((r = store_get_account(p.store, &acct)) != 0) {
		fprintf(stderr, "tui_fill: not logged in\n");
		return 77;
	}
	(void)store_list_chats(p.store, first_private, &f);
	if (f.chat_id == 0) {
		fprintf(stderr, "tui_fill: no private chat yet\n");
		return 65;
	}
	base = f.last_id;
	srand(1);
	for (i = 0; i < n; i++) {
		if (i % PAGE == 0 && (r = store_begin(p.store)) != 0)
			goto fail;
		text[0] = '\0';
		/* 1 to 40 words: short chat lines mostly, some long ones. */
		w = 1 + (size_t)(rand() % (rand() % 8 == 0 ? 40 : 10));
		for (k = 0; k < w; k++) {
			if (k > 0)
				strcat(text, " ");
			strcat(text, words[rand() % (int)(sizeof(words) /
			    sizeof(words[0]))]);
		}
		memset(&m, 0, sizeof(m));
		m.chat_id = f.chat_id;
		m.id = base + 1 + i;
		m.sender_id = i % 3 == 0 ? acct.user_id : f.peer_id;
		m.text = text;
		m.date = now - 60 - span + span * i / n;
		if ((r = store_put_message(p.store, &m, 0, NULL)) != 0)
			goto fail;
		if ((i + 1) % PAGE == 0 || i + 1 == n) {
			if ((r = store_commit(p.store)) != 0)
				goto fail;
		}
	}
	if ((r = store_set_read_inbox(p.store, f.chat_id, base + n)) != 0)
		goto fail;
	printf("tui_fill: %" PRIu64 " messages in chat %" PRIu64 "\n", n,
	    f.chat_id);
	store_account_free(&acct);
	profile_close(&p);
	return 0;
fail:
	store_rollback(p.store);
	fprintf(stderr, "tui_fill: %s\n", err_str(r));
	profile_close(&p);
	return 74;
}
