/*
 * A message the server gives the id of one this profile holds (a server
 * restored from an older copy, doc/PROTOCOL.md): the same message applied
 * again changes nothing, another one moves the old one aside, above 2^62,
 * and neither is lost, hidden or counted unread for good.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"
#include "tests/unit/tap.h"

#define ME 100
#define BOB 200
#define CHAT 1
#define ASIDE (UINT64_C(1) << 62)

static int
put(struct store *s, uint64_t id, uint64_t rid, uint64_t date,
    const char *text, int *is_new)
{
	struct store_message m;

	memset(&m, 0, sizeof(m));
	m.chat_id = CHAT;
	m.id = id;
	m.sender_id = BOB;
	m.random_id = rid;
	m.text = (char *)text;
	m.date = date;
	return store_put_message(s, &m, id, is_new);
}

/* The text of message id, or "" when there is none. */
static const char *
text_of(struct store *s, uint64_t id, char buf[64])
{
	struct store_message m;

	buf[0] = '\0';
	if (store_get_message(s, CHAT, id, &m) == 0) {
		snprintf(buf, 64, "%s", m.text);
		store_message_free(&m);
	}
	return buf;
}

static void
same_again(struct store *s)
{
	char b[64];
	int isnew = -1;

	is_int(put(s, 3, 33, 1000, "lost", &isnew), 0, "a message");
	is_int(isnew, 1, "is new");
	is_int(put(s, 3, 33, 1000, "lost", &isnew), 0, "the same again");
	is_int(isnew, 0, "is not new");
	ok(strcmp(text_of(s, 3, b), "lost") == 0, "and stays where it was");
	ok(strcmp(text_of(s, ASIDE + 3, b), "") == 0, "nothing was set aside");
}

static void
another_takes_the_id(struct store *s)
{
	char b[64];
	int isnew = -1;

	is_int(put(s, 3, 44, 2000, "new", &isnew), 0, "another message, same id");
	is_int(isnew, 1, "is new");
	ok(strcmp(text_of(s, 3, b), "new") == 0, "takes the id");
	ok(strcmp(text_of(s, ASIDE + 3, b), "lost") == 0,
	    "the old one is kept aside, above 2^62");
	is_int(put(s, 3, 55, 3000, "newer", &isnew), 0, "a third one");
	ok(strcmp(text_of(s, 3, b), "newer") == 0, "takes the id in turn");
	ok(strcmp(text_of(s, ASIDE + 4, b), "new") == 0,
	    "the second goes to the next free id aside");
	ok(strcmp(text_of(s, ASIDE + 3, b), "lost") == 0,
	    "the first is still there");
}

static void
aside_is_not_unread(struct store *s)
{
	struct store_chat c;

	if (store_get_chat(s, CHAT, &c) != 0) {
		ok(0, "the chat");
		return;
	}
	is_int(c.unread, 1, "only the message at the id counts unread");
	is_int(c.last_message_id, 3, "and is the chat's last");
	store_chat_free(&c);
}

int
main(void)
{
	char dir[] = "/tmp/sotto-test-aside-XXXXXX", path[256], cmd[300];
	uint8_t key[STORE_KEY_LEN];
	struct store *s;
	struct store_account a;
	struct store_chat c;

	if (sec_init() != 0 || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));
	is_int(store_open(&s, path, key, 1), 0, "store created");
	memset(&a, 0, sizeof(a));
	a.user_id = ME;
	a.username = "me";
	is_int(store_set_account(s, &a), 0, "account set");
	memset(&c, 0, sizeof(c));
	c.id = CHAT;
	c.kind = STORE_CHAT_PRIVATE;
	c.title = "Bob";
	c.peer_id = BOB;
	is_int(store_put_chat(s, &c), 0, "a chat");

	same_again(s);
	another_takes_the_id(s);
	aside_is_not_unread(s);

	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
