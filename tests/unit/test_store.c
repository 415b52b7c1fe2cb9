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

/*
 * One store through the whole file: each behaviour below starts from what
 * the ones before it left (bob's chat 1 with its messages, the group 2).
 */
static struct store *s;
static char dir[] = "/tmp/sotto-test-store-XXXXXX", path[256], wal[300];
static uint8_t key[STORE_KEY_LEN];

static void
new_store_has_secure_delete(void)
{
	struct store_account a;
	int on;

	is_int(store_open(&s, path, key, 1), 0, "a new store is created");
	ok(store_secure_delete(s, &on) == 0 && on == 1,
	    "secure_delete is on in a new store");
	memset(&a, 0, sizeof(a));
	a.user_id = ME;
	a.username = "me";
	is_int(store_set_account(s, &a), 0, "the account is stored");
}

static void
users_and_contacts(void)
{
	struct store_user u;
	struct ids got;

	memset(&u, 0, sizeof(u));
	u.id = BOB;
	u.username = "bob";
	u.display_name = "Bob";
	u.phone = "+15550001";
	is_int(store_put_user(s, &u), 0, "bob is stored");
	is_int(store_put_user(s, &u), 0, "bob stored again is fine");
	u.id = CAROL;
	u.username = "carol";
	u.display_name = NULL;
	u.phone = NULL;
	u.contact = 1;
	is_int(store_put_user(s, &u), 0, "carol is stored as a contact");
	ok(store_get_user(s, BOB, &u) == 0 && strcmp(u.username, "bob") == 0 &&
	    strcmp(u.phone, "+15550001") == 0 && u.contact == 0,
	    "bob reads back by id, not a contact");
	store_user_free(&u);
	ok(u.username == NULL, "store_user_free zeroes the user");
	ok(store_find_user(s, "carol", &u) == 0 && u.id == CAROL &&
	    strcmp(u.display_name, "") == 0 && u.contact == 1,
	    "carol is found by username, her NULL name stored as empty");
	store_user_free(&u);
	is_int(store_find_user(s, "nobody", &u), ERR_NOT_FOUND,
	    "an unknown username is not found");
	ok(store_find_user_by_phone(s, "+15550001", &u) == 0 && u.id == BOB,
	    "bob is found by phone");
	store_user_free(&u);
	is_int(store_find_user_by_phone(s, "", &u), ERR_NOT_FOUND,
	    "an empty phone finds nobody");
	is_int(store_get_user(s, 999, &u), ERR_NOT_FOUND,
	    "an unknown id is not found");
	is_int(store_set_contact(s, BOB, 1), 0, "bob becomes a contact");
	is_int(store_set_contact(s, 999, 1), ERR_NOT_FOUND,
	    "an unknown user cannot become a contact");
	memset(&got, 0, sizeof(got));
	ok(store_list_contacts(s, collect_user, &got) == 0 && got.n == 2 &&
	    got.v[0] == BOB && got.v[1] == CAROL,
	    "contacts are listed by username");
	is_int(store_set_contact(s, CAROL, 0), 0, "carol stops being a contact");
	memset(&got, 0, sizeof(got));
	ok(store_list_contacts(s, collect_user, &got) == 0 && got.n == 1 &&
	    got.v[0] == BOB, "one contact is left");
}

static void
chats_found_by_peer(void)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = 1;
	c.kind = STORE_CHAT_PRIVATE;
	c.title = "Bob";
	c.peer_id = BOB;
	is_int(store_put_chat(s, &c), 0, "a private chat is stored");
	c.id = 2;
	c.kind = STORE_CHAT_GROUP;
	c.title = "Group";
	c.peer_id = 0;
	c.creator_id = ME;
	is_int(store_put_chat(s, &c), 0, "a group is stored");
	c.id = 3;
	c.kind = STORE_CHAT_SAVED;
	c.title = NULL;
	c.peer_id = ME;
	c.creator_id = 0;
	is_int(store_put_chat(s, &c), 0, "saved messages are stored");
	ok(store_find_chat_by_peer(s, BOB, &c) == 0 && c.id == 1 &&
	    strcmp(c.title, "Bob") == 0 && c.last_message_id == 0 &&
	    strcmp(c.last_text, "") == 0,
	    "the private chat is found by its peer, with no last message");
	store_chat_free(&c);
	ok(store_find_chat_by_peer(s, ME, &c) == 0 && c.id == 3 &&
	    c.kind == STORE_CHAT_SAVED, "saved messages are found by own id");
	store_chat_free(&c);
	is_int(store_find_chat_by_peer(s, CAROL, &c), ERR_NOT_FOUND,
	    "there is no chat with carol");
	is_int(store_get_chat(s, 99, &c), ERR_NOT_FOUND,
	    "an unknown chat is not found");
}

static void
messages_once_and_the_last_one(void)
{
	struct store_chat c;
	struct store_message m;
	uint64_t d, p;
	int isnew;

	is_int(put(s, 99, 1, BOB, "x", &isnew), ERR_NOT_FOUND,
	    "a message of an unknown chat is refused");
	ok(put(s, 1, 10, BOB, "hello ten", &isnew) == 0 && isnew == 1,
	    "message 10 is new");
	ok(put(s, 1, 10, BOB, "hello ten", &isnew) == 0 && isnew == 0,
	    "message 10 again is not new");
	ok(put(s, 1, 12, ME, "mine twelve", &isnew) == 0 && isnew == 1,
	    "message 12 is new");
	ok(put(s, 1, 11, BOB, "older eleven", &isnew) == 0 && isnew == 1,
	    "message 11 arriving late is new");
	ok(last_of(s, 1, &d, &p) == 12 && d == 1012 && p == 5012,
	    "the last message stays 12 (not moved back by 11)");
	ok(store_get_chat(s, 1, &c) == 0 && strcmp(c.last_text, "mine twelve")
	    == 0 && c.last_sender_id == ME,
	    "the chat gives the last message's text and sender");
	store_chat_free(&c);
	is_int(put(s, 1, 13, BOB, "thirteen", NULL), 0, "message 13 is stored");
	is_int(unread_of(s, 1), 3,
	    "three from bob are unread (one's own are not counted)");
	memset(&m, 0, sizeof(m));
	m.chat_id = 1;
	m.id = 14;
	m.sender_id = BOB;
	m.action = 3;
	m.action_user_id = CAROL;
	m.date = 1014;
	is_int(store_put_message(s, &m, 0, NULL), 0,
	    "service message 14 is stored");
	is_int(unread_of(s, 1), 3, "a service message is not unread");
	ok(store_get_message(s, 1, 14, &m) == 0 && m.action == 3 &&
	    m.action_user_id == CAROL && strcmp(m.text, "") == 0,
	    "the service message reads back with its action");
	store_message_free(&m);
	ok(store_get_message(s, 1, 10, &m) == 0 && m.sender_id == BOB &&
	    m.random_id == 71 && m.date == 1010 && strcmp(m.text, "hello ten")
	    == 0 && m.edit_date == 0, "message 10 reads back whole");
	store_message_free(&m);
	is_int(store_get_message(s, 1, 99, &m), ERR_NOT_FOUND,
	    "an absent message is not found");
}

static void
read_markers_never_move_back(void)
{
	struct store_chat c;

	is_int(store_set_read_inbox(s, 1, 11), 0, "the inbox is read to 11");
	is_int(unread_of(s, 1), 1, "one is left unread (13)");
	is_int(store_set_read_inbox(s, 1, 5), 0, "the inbox is read to 5");
	ok(store_get_chat(s, 1, &c) == 0 && c.read_inbox_max_id == 11,
	    "the inbox marker does not move back");
	store_chat_free(&c);
	is_int(store_set_read_outbox(s, 1, 12), 0, "the outbox is read to 12");
	is_int(store_set_read_outbox(s, 1, 3), 0, "the outbox is read to 3");
	ok(store_get_chat(s, 1, &c) == 0 && c.read_outbox_max_id == 12,
	    "the outbox marker does not move back");
	store_chat_free(&c);
}

static void
edits_replace_text(void)
{
	struct store_message m;

	memset(&m, 0, sizeof(m));
	m.chat_id = 1;
	m.id = 11;
	m.text = "edited eleven";
	m.edit_date = 2000;
	is_int(store_edit_message(s, &m), 0, "message 11 is edited");
	m.id = 999;
	is_int(store_edit_message(s, &m), 0,
	    "editing an absent message is fine");
	ok(store_get_message(s, 1, 11, &m) == 0 && strcmp(m.text,
	    "edited eleven") == 0 && m.edit_date == 2000,
	    "the edit's text and date are stored");
	store_message_free(&m);
}

static void
paging_and_listing(void)
{
	struct ids got;
	int calls;

	memset(&got, 0, sizeof(got));
	ok(store_list_messages(s, 1, 2, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 13 && got.v[1] == 14,
	    "a limit of two lists the newest two, oldest first");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages(s, 1, 0, collect, &got) == 0 && got.n == 5 &&
	    got.v[0] == 10 && got.v[4] == 14, "a limit of 0 lists all five");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 0, 2, collect, &got) == 0 &&
	    got.n == 2 && got.v[0] == 14 && got.v[1] == 13,
	    "the first page is the newest, newest first");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 13, 2, collect, &got) == 0 &&
	    got.n == 2 && got.v[0] == 12 && got.v[1] == 11,
	    "the next page goes on below its id");
	memset(&got, 0, sizeof(got));
	ok(store_list_messages_before(s, 1, 11, 10, collect, &got) == 0 &&
	    got.n == 1 && got.v[0] == 10, "the last page holds what is left");
	calls = 0;
	is_int(store_list_messages(s, 1, 0, stop_after_one, &calls), 42,
	    "a callback stops the listing with its value");
	is_int(calls, 1, "the stopping callback was called once");
}

static void
chat_list_newest_first(void)
{
	struct chats cl;

	is_int(put(s, 2, 1, CAROL, "group hello", NULL), 0,
	    "a group message is stored");
	memset(&cl, 0, sizeof(cl));
	ok(store_list_chats(s, collect_chat, &cl) == 0 && cl.n == 3 &&
	    cl.id[0] == 1 && cl.unread[0] == 1 && cl.last[0] == 14 &&
	    cl.id[1] == 2 && cl.unread[1] == 1 && cl.id[2] == 3,
	    "chats are listed most recent first, with their unread counts");
}

static void
search_follows_edits_and_slices(void)
{
	struct store_message m;
	struct ids got;
	uint64_t ids[4];
	int left;

	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 1 && got.v[1] == 10,
	    "a search of every chat gives the one stored last first");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "hello", 10, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 10, "a search of one chat stays in it");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "eleven", 10, collect, &got) == 0 && got.n == 1 &&
	    strcmp(got.text[0], "edited eleven") == 0,
	    "the search finds the edited text");
	memset(&m, 0, sizeof(m));
	m.chat_id = 1;
	m.id = 11;
	m.text = "rewritten";
	m.edit_date = 2001;
	is_int(store_edit_message(s, &m), 0, "an indexed message is edited");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "eleven", 10, collect, &got) == 0 && got.n == 0,
	    "the old words of an edited message are not found");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "rewritten", 10, collect, &got) == 0 &&
	    got.n == 1, "the new words of an edited message are found");
	is_int(put(s, 1, 15, BOB, "late hello", NULL), 0,
	    "a message is stored after a search");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 1, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 15,
	    "the newly added message is indexed lazily, and limit 1 holds");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "hello", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 15 && got.v[1] == 10,
	    "a search of one chat gives the newest first");
	/* Indexing in slices: the mark moves on by at most the slice. */
	is_int(put(s, 1, 17, BOB, "sliced one", NULL), 0,
	    "a first message to slice is stored");
	is_int(put(s, 1, 18, BOB, "sliced two", NULL), 0,
	    "a second message to slice is stored");
	left = -1;
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 1,
	    "after a slice of one, more is left to index");
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 0,
	    "after the next slice, none is left");
	ok(store_fts_index_some(s, 1, &left) == 0 && left == 0,
	    "and then there is nothing to do");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1, "sliced", 10, collect, &got) == 0 && got.n == 2 &&
	    got.v[0] == 18 && got.v[1] == 17,
	    "both sliced messages are found");
	ids[0] = 17;
	ids[1] = 18;
	is_int(store_delete_messages(s, 1, ids, 2), 0,
	    "the sliced messages are deleted again");
	memset(&got, 0, sizeof(got));
	is_int(store_search(s, 0, "\"unbalanced", 10, collect, &got), ERR_INVAL,
	    "a bad query is ERR_INVAL");
	is_int(store_search(s, 0, "", 10, collect, &got), ERR_INVAL,
	    "an empty query is ERR_INVAL");
}

static void
deletes_move_the_last_back(void)
{
	struct ids got;
	uint64_t d, p, ids[4];

	ids[0] = 15;
	ids[1] = 14;
	ids[2] = 777;
	is_int(store_delete_messages(s, 1, ids, 3), 0,
	    "15, 14 and an absent one are deleted");
	ok(last_of(s, 1, &d, &p) == 13 && d == 1013 && p == 5013,
	    "the last message moves back to 13");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "hello", 10, collect, &got) == 0 && got.n == 2,
	    "a deleted message is no longer found");
	is_int(put(s, 1, 16, BOB, "sixteen reuses a rowid", NULL), 0,
	    "a message is stored after the delete");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "sixteen", 10, collect, &got) == 0 && got.n == 1 &&
	    got.v[0] == 16, "a row on a reused rowid is indexed");
	ids[0] = 16;
	ids[1] = 13;
	ids[2] = 12;
	ids[3] = 11;
	is_int(store_delete_messages(s, 1, ids, 4), 0, "four are deleted");
	is_int(last_of(s, 1, NULL, NULL), 10, "the last message is 10");
	ids[0] = 10;
	is_int(store_delete_messages(s, 1, ids, 1), 0,
	    "the last one is deleted");
	ok(last_of(s, 1, &d, NULL) == 0 && d == 0,
	    "the chat has no last message");
	is_int(unread_of(s, 1), 0, "an empty chat has nothing unread");
}

static void
deleted_text_leaves_the_file(void)
{
	struct ids got;
	uint64_t ids[1];

	is_int(put(s, 3, 1, ME, "canary-secret-5d1e", NULL), 0,
	    "a canary is stored");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "canary", 10, collect, &got) == 0 && got.n == 1,
	    "the canary is indexed");
	ids[0] = 1;
	is_int(store_delete_messages(s, 3, ids, 1), 0, "the canary is deleted");
	is_int(file_has(path, "canary-secret-5d1e"), 0,
	    "the canary is not in the file");
	is_int(file_has(wal, "canary-secret-5d1e"), 0,
	    "the canary is not in the WAL");
	is_int(file_has(path, "hello ten"), 0,
	    "no message text is in the file");
}

static void
members_and_the_left_flag(void)
{
	struct store_chat c;
	struct ids got;
	uint64_t mem[3];
	int admin[3], changed;

	mem[0] = CAROL;
	mem[1] = ME;
	mem[2] = BOB;
	admin[0] = 0;
	admin[1] = 1;
	admin[2] = 0;
	is_int(store_set_members(s, 2, ME, mem, admin, 3), 0,
	    "the group's members are set");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 3 &&
	    got.v[0] == ME && got.text[0][0] == 'a' && got.v[1] == BOB &&
	    got.text[1][0] == '-' && got.v[2] == CAROL,
	    "members are listed by id, with who is admin");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 0,
	    "a member has not left");
	store_chat_free(&c);
	is_int(store_set_members(s, 2, ME, mem, NULL, 1), 0,
	    "the members are set without me");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 1 &&
	    got.v[0] == CAROL, "the member list is replaced whole");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 1,
	    "the left flag is set when I am not among them");
	store_chat_free(&c);
	is_int(store_set_members(s, 2, ME, mem, admin, 2), 0,
	    "I am among the members again");
	ok(store_get_chat(s, 2, &c) == 0 && c.left == 0,
	    "the left flag is cleared");
	store_chat_free(&c);
	is_int(store_set_members(s, 98, ME, mem, NULL, 1), ERR_NOT_FOUND,
	    "an unknown chat has no members to set");
	c.id = 2;
	c.kind = STORE_CHAT_GROUP;
	c.title = "Renamed";
	is_int(store_put_chat(s, &c), 0, "putting a chat again renames it");
	ok(store_get_chat(s, 2, &c) == 0 && strcmp(c.title, "Renamed") == 0 &&
	    c.last_message_id == 1 && c.left == 0,
	    "a rename keeps the last message and the left flag");
	store_chat_free(&c);
	changed = -1;
	ok(store_get_chat(s, 2, &c) == 0 &&
	    store_merge_chat(s, &c, &changed) == 0 && changed == 0,
	    "merging the chat as stored is no change");
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
}

static void
outbox_in_insertion_order(void)
{
	struct store_outbox o;
	uint64_t n;
	int i, q;

	memset(&o, 0, sizeof(o));
	is_int(store_outbox_add(s, &o), ERR_INVAL,
	    "random_id 0 is refused");
	for (i = 0; i < 3; i++) {
		o.random_id = (uint64_t)(900 - i) | (1ULL << 63);
		o.peer = "@bob";
		o.text = "queued";
		o.created = 77 + (uint64_t)i;
		o.to_user_id = BOB;
		is_int(store_outbox_add(s, &o), 0, "outbox entry %d is queued",
		    i);
	}
	is_int(store_outbox_add(s, &o), ERR_EXISTS,
	    "a duplicate random_id is refused");
	ok(store_outbox_count(s, &n) == 0 && n == 3, "three are queued");
	ok(store_outbox_first(s, &o) == 0 && o.random_id == (900 | (1ULL << 63))
	    && strcmp(o.peer, "@bob") == 0 && o.created == 77 &&
	    o.to_user_id == BOB && o.attempts == 0,
	    "the oldest comes first, its random_id's high bit kept");
	store_outbox_free(&o);
	is_int(store_outbox_attempt(s, 900 | (1ULL << 63)), 0,
	    "an attempt is recorded");
	ok(store_outbox_first(s, &o) == 0 && o.attempts == 1,
	    "the attempt is counted");
	store_outbox_free(&o);
	ok(store_outbox_has(s, 899 | (1ULL << 63), &q) == 0 && q == 1,
	    "a queued entry is found");
	is_int(store_outbox_remove(s, 900 | (1ULL << 63)), 0,
	    "the first is removed");
	is_int(store_outbox_remove(s, 12345), 0,
	    "removing an absent entry is fine");
	ok(store_outbox_has(s, 900 | (1ULL << 63), &q) == 0 && q == 0,
	    "a removed entry is gone");
	ok(store_outbox_first(s, &o) == 0 && o.random_id == (899 | (1ULL << 63)),
	    "the next comes in insertion order");
	store_outbox_free(&o);
}

static void
transactions_commit_or_roll_back(void)
{
	struct store_message m;
	uint64_t ids[1];

	is_int(store_begin(s), 0, "a transaction begins");
	is_int(put(s, 3, 50, ME, "rolled back", NULL), 0,
	    "a message is put in it");
	store_rollback(s);
	is_int(store_get_message(s, 3, 50, &m), ERR_NOT_FOUND,
	    "a rolled back message is gone");
	is_int(store_begin(s), 0, "another transaction begins");
	is_int(put(s, 3, 51, ME, "committed", NULL), 0,
	    "a message is put in it");
	ids[0] = 51;
	is_int(store_delete_messages(s, 3, ids, 0), 0,
	    "deleting nothing inside it is fine");
	is_int(store_commit(s), 0, "the transaction commits");
	is_int(last_of(s, 3, NULL, NULL), 51, "the committed message is last");
	store_rollback(s);
}

/* Last messages of many chats in one transaction (more than it batches). */
static void
many_chats_in_one_transaction(void)
{
	struct store_chat c;
	struct ids got;
	uint64_t d, p, ids[1];
	int i, q;

	memset(&c, 0, sizeof(c));
	is_int(store_begin(s), 0, "a page's transaction begins");
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
	is_int(q, 0, "forty chats of three messages are stored");
	ok(last_of(s, 1000, &d, &p) == 7 && d == 1007 && p == 5007,
	    "the last message is right inside the transaction");
	is_int(store_commit(s), 0, "the page commits");
	for (i = 0, q = 0; i < 40; i++)
		q += last_of(s, 1000 + (uint64_t)i, NULL, NULL) == 7;
	is_int(q, 40, "every chat's last message is 7");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1005, "seven", 10, collect, &got) == 0 && got.n == 1,
	    "seven is indexed");
	is_int(store_begin(s), 0, "a transaction begins");
	ids[0] = 7;
	is_int(store_delete_messages(s, 1005, ids, 1), 0,
	    "an indexed message is deleted in a transaction");
	is_int(store_commit(s), 0, "the commit purges the index");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 1005, "seven", 10, collect, &got) == 0 && got.n == 0,
	    "a message deleted in a transaction is not found");
	is_int(last_of(s, 1005, NULL, NULL), 6,
	    "the last message moves back to 6");
	is_int(store_begin(s), 0, "a transaction begins");
	is_int(put(s, 1001, 9, BOB, "nine", NULL), 0, "message 9 is put");
	store_rollback(s);
	is_int(last_of(s, 1001, NULL, NULL), 7,
	    "a rolled back put leaves the last message");
}

static void
reopen_then_clear_account(void)
{
	struct store_account a;
	struct store_user u;
	struct store_chat c;
	struct store_message m;
	struct ids got;
	uint64_t n;

	store_close(s);
	is_int(store_open(&s, path, key, 0), 0, "the store reopens");
	is_int(last_of(s, 3, NULL, NULL), 51, "the data survived reopening");
	is_int(store_set_pts(s, 9), 0, "pts is stored");
	is_int(store_clear_account(s), 0, "the account is cleared");
	is_int(store_get_account(s, &a), ERR_NOT_FOUND,
	    "the account is gone");
	ok(store_get_pts(s, &n) == 0 && n == 0, "pts is gone");
	is_int(store_get_user(s, BOB, &u), ERR_NOT_FOUND, "the users are gone");
	is_int(store_get_chat(s, 1, &c), ERR_NOT_FOUND, "the chats are gone");
	is_int(store_get_message(s, 3, 51, &m), ERR_NOT_FOUND,
	    "the messages are gone");
	ok(store_outbox_count(s, &n) == 0 && n == 0, "the outbox is empty");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "committed", 10, collect, &got) == 0 &&
	    got.n == 0, "the search index is empty");
	memset(&got, 0, sizeof(got));
	ok(store_list_members(s, 2, collect_member, &got) == 0 && got.n == 0,
	    "the members are gone");
	memset(&c, 0, sizeof(c));
	c.id = 5;
	c.kind = STORE_CHAT_PRIVATE;
	c.title = "new";
	c.peer_id = BOB;
	is_int(store_put_chat(s, &c), 0, "a new account's chat is stored");
	is_int(put(s, 5, 1, BOB, "fresh start", NULL), 0,
	    "its message is stored");
	memset(&got, 0, sizeof(got));
	ok(store_search(s, 0, "fresh", 10, collect, &got) == 0 && got.n == 1,
	    "search works after clearing");
	store_close(s);
}

int
main(void)
{
	char cmd[300];

	if (sec_init() != 0)
		return 1;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	sec_random(key, sizeof(key));

	new_store_has_secure_delete();
	users_and_contacts();
	chats_found_by_peer();
	messages_once_and_the_last_one();
	read_markers_never_move_back();
	edits_replace_text();
	paging_and_listing();
	chat_list_newest_first();
	search_follows_edits_and_slices();
	deletes_move_the_last_back();
	deleted_text_leaves_the_file();
	members_and_the_left_flag();
	outbox_in_insertion_order();
	transactions_commit_or_roll_back();
	many_chats_in_one_transaction();
	reopen_then_clear_account();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "the test directory is removed");
	return tap_done();
}
