/*
 * The client store's cloud chats on a real SQLCipher file with a random
 * key: idempotent puts, the chat's last message through inserts and
 * deletes, unread counts and read state, members, contacts, the outbox,
 * paging, search, clear_account, and that deleted text is gone.
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
#define CAROL 300

/* Collects message ids handed to a list callback. */
struct ids {
	uint64_t v[64];
	size_t n;
	char text[64][32];
};

static int
collect(void *ud, const struct store_message *m)
{
	struct ids *c = ud;

	if (c->n < 64) {
		snprintf(c->text[c->n], sizeof(c->text[0]), "%s", m->text);
		c->v[c->n++] = m->id;
	}
	return 0;
}

static int
stop_after_one(void *ud, const struct store_message *m)
{
	(void)m;
	++*(int *)ud;
	return 42;
}

struct chats {
	uint64_t id[8], unread[8], last[8];
	size_t n;
};

static int
collect_chat(void *ud, const struct store_chat *c)
{
	struct chats *l = ud;

	if (l->n < 8) {
		l->id[l->n] = c->id;
		l->unread[l->n] = c->unread;
		l->last[l->n++] = c->last_message_id;
	}
	return 0;
}

static int
collect_member(void *ud, const struct store_member *m)
{
	struct ids *c = ud;

	if (c->n < 64) {
		c->text[c->n][0] = m->admin ? 'a' : '-';
		c->v[c->n++] = m->user_id;
	}
	return 0;
}

static int
collect_user(void *ud, const struct store_user *u)
{
	struct ids *c = ud;

	if (c->n < 64) {
		snprintf(c->text[c->n], sizeof(c->text[0]), "%s", u->username);
		c->v[c->n++] = u->id;
	}
	return 0;
}

static int
put(struct store *s, uint64_t chat, uint64_t id, uint64_t from,
    const char *text, int *is_new)
{
	struct store_message m;

	memset(&m, 0, sizeof(m));
	m.chat_id = chat;
	m.id = id;
	m.sender_id = from;
	m.random_id = id * 7 + chat;
	m.text = (char *)text;
	m.date = 1000 + id;
	return store_put_message(s, &m, id + 5000, is_new);
}

static int
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t m = strlen(needle), n, i;
	uint8_t *buf;
	long len;
	int found = 0;

	if (f == NULL)
		return 0;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		fclose(f);
		return -1;
	}
	rewind(f);
	buf = malloc((size_t)len + 1);
	n = fread(buf, 1, (size_t)len, f);
	fclose(f);
	for (i = 0; i + m <= n && !found; i++)
		found = memcmp(buf + i, needle, m) == 0;
	free(buf);
	return found;
}

static uint64_t
unread_of(struct store *s, uint64_t chat)
{
	struct store_chat c;
	uint64_t u;

	if (store_get_chat(s, chat, &c) != 0)
		return (uint64_t)-1;
	u = c.unread;
	store_chat_free(&c);
	return u;
}

static uint64_t
last_of(struct store *s, uint64_t chat, uint64_t *date, uint64_t *pts)
{
	struct store_chat c;
	uint64_t l;

	if (store_get_chat(s, chat, &c) != 0)
		return (uint64_t)-1;
	l = c.last_message_id;
	if (date != NULL)
		*date = c.last_date;
	if (pts != NULL)
		*pts = c.last_pts;
	store_chat_free(&c);
	return l;
}

int
main(void)
{
	char dir[] = "/tmp/sotto-test-store-XXXXXX", path[256], wal[300],
	    cmd[300];
	uint8_t key[STORE_KEY_LEN];
	struct store *s;
	struct store_account a;
	struct store_user u;
	struct store_chat c;
	struct store_message m;
	struct store_outbox o;
	struct chats cl;
	struct ids got;
	uint64_t n, d, p, ids[4], mem[3];
	int isnew, on, calls, admin[3], q, i, changed, left;

	if (sec_init() != 0)
		return 1;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	sec_random(key, sizeof(key));

	is_int(store_open(&s, path, key, 1), 0, "store created");
	ok(store_secure_delete(s, &on) == 0 && on == 1, "secure_delete is on");
	memset(&a, 0, sizeof(a));
	a.user_id = ME;
	a.username = "me";
	is_int(store_set_account(s, &a), 0, "account set");

	/* Users and contacts. */
	memset(&u, 0, sizeof(u));
	u.id = BOB;
	u.username = "bob";
	u.display_name = "Bob";
	u.phone = "+15550001";
	is_int(store_put_user(s, &u), 0, "put bob");
	is_int(store_put_user(s, &u), 0, "put bob again");
	u.id = CAROL;
	u.username = "carol";
	u.display_name = NULL;
	u.phone = NULL;
	u.contact = 1;
	is_int(store_put_user(s, &u), 0, "put carol as contact");
	ok(store_get_user(s, BOB, &u) == 0 && strcmp(u.username, "bob") == 0 &&
	    strcmp(u.phone, "+15550001") == 0 && u.contact == 0, "get bob");
	store_user_free(&u);
	ok(u.username == NULL, "user_free zeroes");
	ok(store_find_user(s, "carol", &u) == 0 && u.id == CAROL &&
	    strcmp(u.display_name, "") == 0 && u.contact == 1,
	    "find carol, NULL stored as empty");
	store_user_free(&u);
	is_int(store_find_user(s, "nobody", &u), ERR_NOT_FOUND,
	    "unknown username");
	ok(store_find_user_by_phone(s, "+15550001", &u) == 0 && u.id == BOB,
	    "find by phone");
	store_user_free(&u);
	is_int(store_find_user_by_phone(s, "", &u), ERR_NOT_FOUND,
	    "empty phone finds nobody");
	is_int(store_get_user(s, 999, &u), ERR_NOT_FOUND, "unknown id");
	is_int(store_set_contact(s, BOB, 1), 0, "bob becomes a contact");
	is_int(store_set_contact(s, 999, 1), ERR_NOT_FOUND,
	    "contact flag of an unknown user");
	memset(&got, 0, sizeof(got));
	ok(store_list_contacts(s, collect_user, &got) == 0 && got.n == 2 &&
	    got.v[0] == BOB && got.v[1] == CAROL, "contacts by username");
	is_int(store_set_contact(s, CAROL, 0), 0, "carol removed");
	memset(&got, 0, sizeof(got));
	ok(store_list_contacts(s, collect_user, &got) == 0 && got.n == 1 &&
	    got.v[0] == BOB, "one contact left");

	/* Chats. */
	memset(&c, 0, sizeof(c));
	c.id = 1;
	c.kind = STORE_CHAT_PRIVATE;
	c.title = "Bob";
	c.peer_id = BOB;
	is_int(store_put_chat(s, &c), 0, "put private chat");
	c.id = 2;
	c.kind = STORE_CHAT_GROUP;
	c.title = "Group";
	c.peer_id = 0;
	c.creator_id = ME;
	is_int(store_put_chat(s, &c), 0, "put group");
	c.id = 3;
	c.kind = STORE_CHAT_SAVED;
	c.title = NULL;
	c.peer_id = ME;
	c.creator_id = 0;
	is_int(store_put_chat(s, &c), 0, "put saved messages");
	ok(store_find_chat_by_peer(s, BOB, &c) == 0 && c.id == 1 &&
	    strcmp(c.title, "Bob") == 0 && c.last_message_id == 0 &&
	    strcmp(c.last_text, "") == 0, "find chat by peer");
	store_chat_free(&c);
	ok(store_find_chat_by_peer(s, ME, &c) == 0 && c.id == 3 &&
	    c.kind == STORE_CHAT_SAVED, "saved messages by own id");
	store_chat_free(&c);
	is_int(store_find_chat_by_peer(s, CAROL, &c), ERR_NOT_FOUND,
	    "no chat with carol");
	is_int(store_get_chat(s, 99, &c), ERR_NOT_FOUND, "unknown chat");

	/* Messages: idempotency and the last message. */
	is_int(put(s, 99, 1, BOB, "x", &isnew), ERR_NOT_FOUND,
	    "message of an unknown chat refused");
	ok(put(s, 1, 10, BOB, "hello ten", &isnew) == 0 && isnew == 1,
	    "message 10 is new");
	ok(put(s, 1, 10, BOB, "hello ten", &isnew) == 0 && isnew == 0,
	    "message 10 again is not new");
	ok(put(s, 1, 12, ME, "mine twelve", &isnew) == 0 && isnew == 1,
	    "message 12");
	ok(put(s, 1, 11, BOB, "older eleven", &isnew) == 0 && isnew == 1,
	    "message 11 arrives late");
	ok(last_of(s, 1, &d, &p) == 12 && d == 1012 && p == 5012,
	    "last message stays 12 (not moved back by 11)");
	ok(store_get_chat(s, 1, &c) == 0 && strcmp(c.last_text, "mine twelve")
	    == 0 && c.last_sender_id == ME, "last text and sender");
	store_chat_free(&c);
	is_int(put(s, 1, 13, BOB, "thirteen", NULL), 0, "message 13");
	is_int(unread_of(s, 1), 3, "three unread from bob (own not counted)");
	memset(&m, 0, sizeof(m));
	m.chat_id = 1;
	m.id = 14;
	m.sender_id = BOB;
	m.action = 3;
	m.action_user_id = CAROL;
	m.date = 1014;
	is_int(store_put_message(s, &m, 0, NULL), 0, "service message 14");
	is_int(unread_of(s, 1), 3, "service message not unread");
	ok(store_get_message(s, 1, 14, &m) == 0 && m.action == 3 &&
	    m.action_user_id == CAROL && strcmp(m.text, "") == 0,
	    "get service message");
	store_message_free(&m);
	ok(store_get_message(s, 1, 10, &m) == 0 && m.sender_id == BOB &&
	    m.random_id == 71 && m.date == 1010 && strcmp(m.text, "hello ten")
	    == 0 && m.edit_date == 0, "get message 10");
	store_message_free(&m);
	is_int(store_get_message(s, 1, 99, &m), ERR_NOT_FOUND, "absent message");

	/* Read state. */
	is_int(store_set_read_inbox(s, 1, 11), 0, "read inbox to 11");
	is_int(unread_of(s, 1), 1, "one unread left (13)");
	is_int(store_set_read_inbox(s, 1, 5), 0, "read inbox to 5");
	ok(store_get_chat(s, 1, &c) == 0 && c.read_inbox_max_id == 11,
	    "read inbox does not move back");
	store_chat_free(&c);
	is_int(store_set_read_outbox(s, 1, 12), 0, "read outbox to 12");
	is_int(store_set_read_outbox(s, 1, 3), 0, "read outbox to 3");
	ok(store_get_chat(s, 1, &c) == 0 && c.read_outbox_max_id == 12,
	    "read outbox does not move back");
	store_chat_free(&c);

	/* Edits. */
	memset(&m, 0, sizeof(m));
	m.chat_id = 1;
	m.id = 11;
	m.text = "edited eleven";
	m.edit_date = 2000;
	is_int(store_edit_message(s, &m), 0, "edit 11");
	m.id = 999;
	is_int(store_edit_message(s, &m), 0, "edit of an absent message is fine");
	ok(store_get_message(s, 1, 11, &m) == 0 && strcmp(m.text,
	    "edited eleven") == 0 && m.edit_date == 2000, "edit applied");
	store_message_free(&m);

	/* Paging and listing. */
	memset(&got, 0, sizeof(got));
	ok(store_list_messages(s, 1, 2, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 13 && got.v[1] == 14, "newest two, oldest first");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages(s, 1, 0, collect, &got) == 0 && got.n == 5 &&
	    got.v[0] == 10 && got.v[4] == 14, "all five");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 0, 2, collect, &got) == 0 &&
	    got.n == 2 && got.v[0] == 14 && got.v[1] == 13,
	    "first page, newest first");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 13, 2, collect, &got) == 0 &&
	    got.n == 2 && got.v[0] == 12 && got.v[1] == 11, "next page");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 11, 10, collect, &got) == 0 &&
	    got.n == 1 && got.v[0] == 10, "last page");
	calls = 0;
	is_int(store_list_messages(s, 1, 0, stop_after_one, &calls), 42,
	    "callback stops the listing with its value");
	is_int(calls, 1, "called once");

	/* Chat list: most recent first. */
	is_int(put(s, 2, 1, CAROL, "group hello", NULL), 0, "group message");
	memset(&cl, 0, sizeof(cl));
	ok(store_list_chats(s, collect_chat, &cl) == 0 && cl.n == 3 &&
	    cl.id[0] == 1 && cl.unread[0] == 1 && cl.last[0] == 14 &&
	    cl.id[1] == 2 && cl.unread[1] == 1 && cl.id[2] == 3,
	    "chat list order and unread");

	/* Search. */
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 1 && got.v[1] == 10,
	    "search every chat, the one stored last first");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "hello", 10, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 10, "search one chat");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "eleven", 10, collect, &got) == 0 && got.n == 1 &&
	    strcmp(got.text[0], "edited eleven") == 0, "search finds the edit");
	m.chat_id = 1;
	m.id = 11;
	m.text = "rewritten";
	m.edit_date = 2001;
	is_int(store_edit_message(s, &m), 0, "edit an indexed message");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "eleven", 10, collect, &got) == 0 && got.n == 0,
	    "old words of an edited message are not found");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "rewritten", 10, collect, &got) == 0 &&
	    got.n == 1, "new words of an edited message are found");
	is_int(put(s, 1, 15, BOB, "late hello", NULL), 0, "message after search");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 1, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 15, "newly added message indexed lazily, limit 1");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "hello", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 15 && got.v[1] == 10, "one chat: newest first");
	/* Indexing in slices: the mark moves on by at most the slice. */
	is_int(put(s, 1, 17, BOB, "sliced one", NULL), 0, "two more");
	is_int(put(s, 1, 18, BOB, "sliced two", NULL), 0, "messages");
	left = -1;
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 1,
	    "a slice of one: more left");
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 0,
	    "the next slice: none left");
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 0,
	    "and then nothing to do");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "sliced", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 18 && got.v[1] == 17, "both found");
	ids[0] = 17;
	ids[1] = 18;
	is_int(store_delete_messages(s, 1, ids, 2), 0, "and deleted again");
	memset(&got, 0, sizeof(got));
	is_int(store_search(s, 0, "\"unbalanced", 10, collect, &got), ERR_INVAL,
	    "bad query is ERR_INVAL");
	is_int(store_search(s, 0, "", 10, collect, &got), ERR_INVAL,
	    "empty query is ERR_INVAL");

	/* Deletes move the last message back. */
	ids[0] = 15;
	ids[1] = 14;
	ids[2] = 777;
	is_int(store_delete_messages(s, 1, ids, 3), 0, "delete 15, 14, absent");
	ok(last_of(s, 1, &d, &p) == 13 && d == 1013 && p == 5013,
	    "last message moved back to 13");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 10, collect, &got) == 0 && got.n == 2,
	    "deleted message no longer found");
	is_int(put(s, 1, 16, BOB, "sixteen reuses a rowid", NULL), 0,
	    "message after delete");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "sixteen", 10, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 16, "a row on a reused rowid is indexed");
	ids[0] = 16;
	ids[1] = 13;
	ids[2] = 12;
	ids[3] = 11;
	is_int(store_delete_messages(s, 1, ids, 4), 0, "delete four");
	is_int(last_of(s, 1, NULL, NULL), 10, "last message is 10");
	ids[0] = 10;
	is_int(store_delete_messages(s, 1, ids, 1), 0, "delete the last one");
	ok(last_of(s, 1, &d, NULL) == 0 && d == 0, "chat has no last message");
	is_int(unread_of(s, 1), 0, "no unread in an empty chat");

	/* The text of a deleted message is not in the file nor the WAL. */
	is_int(put(s, 3, 1, ME, "canary-secret-5d1e", NULL), 0, "canary stored");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "canary", 10, collect, &got) == 0 && got.n == 1,
	    "canary indexed");
	ids[0] = 1;
	is_int(store_delete_messages(s, 3, ids, 1), 0, "canary deleted");
	is_int(file_has(path, "canary-secret-5d1e"), 0, "canary not in the file");
	is_int(file_has(wal, "canary-secret-5d1e"), 0, "canary not in the WAL");
	is_int(file_has(path, "hello ten"), 0, "no message text in the file");

	/* Members. */
	mem[0] = CAROL;
	mem[1] = ME;
	mem[2] = BOB;
	admin[0] = 0;
	admin[1] = 1;
	admin[2] = 0;
	is_int(store_set_members(s, 2, ME, mem, admin, 3), 0, "members set");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 3 &&
	    got.v[0] == ME && got.text[0][0] == 'a' && got.v[1] == BOB &&
	    got.text[1][0] == '-' && got.v[2] == CAROL, "members by id, admin");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 0, "not left");
	store_chat_free(&c);
	is_int(store_set_members(s, 2, ME, mem, NULL, 1), 0,
	    "members without me");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 1 &&
	    got.v[0] == CAROL, "member list replaced");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 1, "left flag set");
	store_chat_free(&c);
	is_int(store_set_members(s, 2, ME, mem, admin, 2), 0, "back in");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 0, "left flag cleared");
	store_chat_free(&c);
	is_int(store_set_members(s, 98, ME, mem, NULL, 1), ERR_NOT_FOUND,
	    "members of an unknown chat");
	c.id = 2;
	c.kind = STORE_CHAT_GROUP;
	c.title = "Renamed";
	is_int(store_put_chat(s, &c), 0, "put chat again renames");
	ok(store_get_chat(s, 2, &c) == 0 && strcmp(c.title, "Renamed") == 0 &&
	    c.last_message_id == 1 && c.left == 0,
	    "rename keeps last message and left");
	store_chat_free(&c);
	changed = -1;
	ok(store_get_chat(s, 2, &c) == 0 &&
	    store_merge_chat(s, &c, &changed) == 0 && changed == 0,
	    "the chat as stored is no change");
	store_chat_free(&c);
	c.id = 2;
	c.kind = STORE_CHAT_GROUP;
	c.title = "Renamed again";
	ok(store_merge_chat(s, &c, &changed) == 0 && changed == 1,
	    "a new title is a change");
	c.id = 4;
	c.title = "Brand new";
	ok(store_merge_chat(s, &c, &changed) == 0 && changed == 1,
	    "a new chat is a change");
	memset(&c, 0, sizeof(c));

	/* The outbox. */
	memset(&o, 0, sizeof(o));
	is_int(store_outbox_add(s, &o), ERR_INVAL, "random_id 0 refused");
	for (i = 0; i < 3; i++) {
		o.random_id = (uint64_t)(900 - i) | (1ULL << 63);
		o.peer = "@bob";
		o.text = "queued";
		o.created = 77 + (uint64_t)i;
		o.to_user_id = BOB;
		is_int(store_outbox_add(s, &o), 0, "outbox add %d", i);
	}
	is_int(store_outbox_add(s, &o), ERR_EXISTS, "duplicate random_id");
	ok(store_outbox_count(s, &n) == 0 && n == 3, "three queued");
	ok(store_outbox_first(s, &o) == 0 && o.random_id == (900 | (1ULL << 63))
	    && strcmp(o.peer, "@bob") == 0 && o.created == 77 &&
	    o.to_user_id == BOB && o.attempts == 0, "oldest first, high bit kept");
	store_outbox_free(&o);
	is_int(store_outbox_attempt(s, 900 | (1ULL << 63)), 0, "attempt");
	ok(store_outbox_first(s, &o) == 0 && o.attempts == 1, "attempt counted");
	store_outbox_free(&o);
	ok(store_outbox_has(s, 899 | (1ULL << 63), &q) == 0 && q == 1,
	    "queued row found");
	is_int(store_outbox_remove(s, 900 | (1ULL << 63)), 0, "remove first");
	is_int(store_outbox_remove(s, 12345), 0, "remove absent");
	ok(store_outbox_has(s, 900 | (1ULL << 63), &q) == 0 && q == 0,
	    "removed row gone");
	ok(store_outbox_first(s, &o) == 0 && o.random_id == (899 | (1ULL << 63)),
	    "next in insertion order");
	store_outbox_free(&o);

	/* Transactions. */
	is_int(store_begin(s), 0, "begin");
	is_int(put(s, 3, 50, ME, "rolled back", NULL), 0, "put in transaction");
	store_rollback(s);
	is_int(store_get_message(s, 3, 50, &m), ERR_NOT_FOUND, "rolled back");
	is_int(store_begin(s), 0, "begin");
	is_int(put(s, 3, 51, ME, "committed", NULL), 0, "put");
	ids[0] = 51;
	is_int(store_delete_messages(s, 3, ids, 0), 0, "delete nothing inside");
	is_int(store_commit(s), 0, "commit");
	is_int(last_of(s, 3, NULL, NULL), 51, "committed");
	store_rollback(s);

	/* Last messages of many chats in one transaction (more than it batches). */
	is_int(store_begin(s), 0, "begin a page");
	for (i = 0, q = 0; i < 40; i++) {
		c.id = 1000 + (uint64_t)i;
		c.kind = STORE_CHAT_GROUP;
		c.title = "many";
		c.peer_id = 0;
		q |= store_put_chat(s, &c);
		q |= put(s, c.id, 5, BOB, "five", NULL);
		q |= put(s, c.id, 7, BOB, "seven", NULL);
		q |= put(s, c.id, 6, BOB, "six", NULL);
	}
	is_int(q, 0, "forty chats of three messages");
	ok(last_of(s, 1000, &d, &p) == 7 && d == 1007 && p == 5007,
	    "last message right inside the transaction");
	is_int(store_commit(s), 0, "commit the page");
	for (i = 0, q = 0; i < 40; i++)
		q += last_of(s, 1000 + (uint64_t)i, NULL, NULL) == 7;
	is_int(q, 40, "every chat's last message is 7");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1005, "seven", 10, collect, &got) == 0 && got.n == 1,
	    "indexed seven");
	is_int(store_begin(s), 0, "begin");
	ids[0] = 7;
	is_int(store_delete_messages(s, 1005, ids, 1), 0,
	    "delete an indexed message in a transaction");
	is_int(store_commit(s), 0, "commit (purges the index)");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1005, "seven", 10, collect, &got) == 0 && got.n == 0,
	    "deleted in a transaction, not found");
	is_int(last_of(s, 1005, NULL, NULL), 6, "last message moved back to 6");
	is_int(store_begin(s), 0, "begin");
	is_int(put(s, 1001, 9, BOB, "nine", NULL), 0, "put 9");
	store_rollback(s);
	is_int(last_of(s, 1001, NULL, NULL), 7, "rolled back put leaves last");

	/* Reopen, then forget everything. */
	store_close(s);
	is_int(store_open(&s, path, key, 0), 0, "reopened");
	is_int(last_of(s, 3, NULL, NULL), 51, "data survived reopening");
	is_int(store_set_pts(s, 9), 0, "pts");
	is_int(store_clear_account(s), 0, "clear_account");
	is_int(store_get_account(s, &a), ERR_NOT_FOUND, "account gone");
	ok(store_get_pts(s, &n) == 0 && n == 0, "pts gone");
	is_int(store_get_user(s, BOB, &u), ERR_NOT_FOUND, "users gone");
	is_int(store_get_chat(s, 1, &c), ERR_NOT_FOUND, "chats gone");
	is_int(store_get_message(s, 3, 51, &m), ERR_NOT_FOUND, "messages gone");
	ok(store_outbox_count(s, &n) == 0 && n == 0, "outbox gone");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "committed", 10, collect, &got) == 0 &&
	    got.n == 0, "search index empty");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 0,
	    "members gone");
	c.id = 5;
	c.kind = STORE_CHAT_PRIVATE;
	c.title = "new";
	c.peer_id = BOB;
	is_int(store_put_chat(s, &c), 0, "a new account's chat");
	is_int(put(s, 5, 1, BOB, "fresh start", NULL), 0, "its message");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "fresh", 10, collect, &got) == 0 && got.n == 1,
	    "search works after clearing");
	store_close(s);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
