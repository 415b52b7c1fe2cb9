/*
 * libFuzzer target for the client's handling of what the server pushes
 * and answers: live Updates (cloud_on_update -> sync_on_update and
 * secret_on_update), GetDifference pages (sync_on_difference: users,
 * chats and entries applied to the profile in one transaction), and the
 * answers to every other request the modules make, over a real profile
 * store signed in as alice (fuzz_client.h).
 *
 * The input is records of one byte (the kind), two bytes of length (little
 * endian) and a payload:
 *   kind % 4 == 0   the payload is an Update, pushed;
 *   kind % 4 == 1   a Response to waiting request number kind / 4;
 *   kind % 4 == 2   a Difference, the answer to the waiting GetDifference
 *                   (after a reconnect makes one when none waits);
 *   kind % 4 == 3   kind & 4: the connection drops and comes back;
 *                   else every waiting request gets a plain success.
 * The pts and qts of each entry are taken relative to the profile's
 * position when the input begins (1: the next one; 0: one applied
 * already), so that inputs stay meaningful as the profile moves on.
 *
 * Checked after each input: the stored pts and qts never go back, but
 * for pts when the log is read again from the start (a server restored
 * from an older copy, client/sync.c's sync_check_first).
 *
 * With FUZZ_WRITE_SEEDS=DIR set, writes its seed corpus into DIR and exits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "tests/fuzz/fuzz_client.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_pts, fz_qts;		/* where the input began */

static void fz_write_seeds(const char *dir);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_write_seeds_if_asked(fz_write_seeds);
	fzc_setup("fuzz_update");
	fzc_ready();
	fzc_answer_all(8);
	fzc_turn();
	return 0;
}

static void
fz_rebase(Sotto__Update *u)
{
	if (u->pts != 0)
		u->pts += fz_pts;
	if (u->qts != 0)
		u->qts += fz_qts;
}

static void
fz_push(const uint8_t *p, size_t n)
{
	Sotto__Update *u;

	if ((u = sotto__update__unpack(NULL, n, p)) == NULL)
		return;
	fz_rebase(u);
	fzc_push(u);
	sotto__update__free_unpacked(u, NULL);
}

static void
fz_response(size_t which, const uint8_t *p, size_t n)
{
	Sotto__Response *r;
	size_t i;

	if (fzc_pending() == 0 ||
	    (r = sotto__response__unpack(NULL, n, p)) == NULL)
		return;
	if (r->result_case == SOTTO__RESPONSE__RESULT_DIFFERENCE)
		for (i = 0; i < r->difference->n_updates; i++)
			fz_rebase(r->difference->updates[i]);
	if (r->result_case == SOTTO__RESPONSE__RESULT_SECRET_QUEUE)
		for (i = 0; i < r->secret_queue->n_updates; i++)
			fz_rebase(r->secret_queue->updates[i]);
	fzc_answer(which % fzc_pending(), r, 0);
	sotto__response__free_unpacked(r, NULL);
}

static void
fz_page(const uint8_t *p, size_t n)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Difference *d;
	size_t i;

	for (i = 0; i < fzc_pending(); i++)
		if (fzc_method(i) == SOTTO__REQUEST__METHOD_GET_DIFFERENCE)
			break;
	if (i == fzc_pending()) {
		fzc_down();
		fzc_ready();
		for (i = 0; i < fzc_pending(); i++)
			if (fzc_method(i) ==
			    SOTTO__REQUEST__METHOD_GET_DIFFERENCE)
				break;
		if (i == fzc_pending())
			return;
	}
	if ((d = sotto__difference__unpack(NULL, n, p)) == NULL)
		return;
	for (n = 0; n < d->n_updates; n++)
		fz_rebase(d->updates[n]);
	if (d->pts != 0)
		d->pts += fz_pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_DIFFERENCE;
	resp.difference = d;
	fzc_answer(i, &resp, 0);
	sotto__difference__free_unpacked(d, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rec;
	unsigned long rereads = fzc.reads_from_start;
	uint64_t pts, qts;
	size_t n;
	int kind;

	if (store_get_pts(fzc.st, &fz_pts) != 0 ||
	    store_get_qts(fzc.st, &fz_qts) != 0)
		abort();
	while (fuzz_next_record(&data, &size, &kind, &rec, &n)) {
		switch (kind % 4) {
		case 0:
			fz_push(rec, n);
			break;
		case 1:
			fz_response((size_t)kind / 4, rec, n);
			break;
		case 2:
			fz_page(rec, n);
			break;
		default:
			if (kind & 4) {
				fzc_down();
				fzc_ready();
			} else
				fzc_answer_all(4);
			break;
		}
		fzc_turn();
	}
	if (store_get_pts(fzc.st, &pts) != 0 ||
	    store_get_qts(fzc.st, &qts) != 0)
		abort();
	/*
	 * pts goes back only when the server's log proved to differ from
	 * what this profile applied (sync_check_first: a server restored from
	 * an older copy) and the log is read again from the start.
	 */
	if ((pts < fz_pts && fzc.reads_from_start == rereads) ||
	    qts < fz_qts) {
		fprintf(stderr, "fuzz_update: pts %llu -> %llu, qts %llu -> "
		    "%llu\n", (unsigned long long)fz_pts,
		    (unsigned long long)pts, (unsigned long long)fz_qts,
		    (unsigned long long)qts);
		abort();
	}
	return 0;
}

/* ---------------------------------------------------------------- seeds */

static FILE *fz_f;

static void
fz_seed_rec(int kind, const ProtobufCMessage *m)
{
	uint8_t buf[8192];
	size_t n = m != NULL ? protobuf_c_message_get_packed_size(m) : 0;

	if (n > sizeof(buf))
		abort();
	if (m != NULL)
		protobuf_c_message_pack(m, buf);
	fuzz_seed_record(fz_f, kind, buf, n);
}

static void
fz_seed_close(void)
{
	if (fclose(fz_f) != 0)
		abort();
}

static void
fz_write_seeds(const char *dir)
{
	Sotto__User alice = SOTTO__USER__INIT, bob = SOTTO__USER__INIT;
	Sotto__User *users[2] = { &alice, &bob };
	Sotto__Chat priv = SOTTO__CHAT__INIT, group = SOTTO__CHAT__INIT;
	Sotto__Chat *chats[1] = { &group };
	Sotto__Message m1 = SOTTO__MESSAGE__INIT, m2 = SOTTO__MESSAGE__INIT;
	Sotto__NewMessage nm1 = SOTTO__NEW_MESSAGE__INIT;
	Sotto__NewMessage nm2 = SOTTO__NEW_MESSAGE__INIT;
	Sotto__MessageEdited ed = SOTTO__MESSAGE_EDITED__INIT;
	Sotto__MessagesDeleted del = SOTTO__MESSAGES_DELETED__INIT;
	Sotto__ReadOutbox ro = SOTTO__READ_OUTBOX__INIT;
	Sotto__ReadInbox ri = SOTTO__READ_INBOX__INIT;
	Sotto__Typing ty = SOTTO__TYPING__INIT;
	Sotto__ContactChanged cc = SOTTO__CONTACT_CHANGED__INIT;
	Sotto__Update u[6];
	Sotto__Update *ups[6];
	Sotto__Difference d = SOTTO__DIFFERENCE__INIT;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__UsersResult ur = SOTTO__USERS_RESULT__INIT;
	uint64_t members[3] = { 1, 2, 3 }, ids[1] = { 1 };
	size_t i;

	for (i = 0; i < 6; i++) {
		sotto__update__init(&u[i]);
		ups[i] = &u[i];
	}
	alice.id = 1;
	alice.username = (char *)"alice";
	alice.display_name = (char *)"Alice";
	bob.id = 2;
	bob.username = (char *)"bob";
	bob.display_name = (char *)"Bob \xe2\x80\xae";
	bob.phone = (char *)"+15550002";
	bob.contact = 1;
	priv.id = 10;
	priv.kind = SOTTO__CHAT_KIND__CHAT_PRIVATE;
	priv.peer_id = 2;
	group.id = 11;
	group.kind = SOTTO__CHAT_KIND__CHAT_GROUP;
	group.title = (char *)"friends";
	group.creator_id = 2;
	group.member_ids = members;
	group.n_member_ids = 3;
	group.admin_ids = members + 1;
	group.n_admin_ids = 1;
	m1.chat_id = 10;
	m1.id = 1;
	m1.sender_id = 2;
	m1.text = (char *)"hello alice";
	m1.date = 1700000000;
	nm1.message = &m1;
	nm1.chat = &priv;
	nm1.sender = &bob;
	m2.chat_id = 11;
	m2.id = 1;
	m2.sender_id = 2;
	m2.text = (char *)"friends";
	m2.date = 1700000001;
	m2.action = SOTTO__SERVICE_ACTION__ACTION_CREATED;
	nm2.message = &m2;
	ed.message = &m1;
	del.chat_id = 10;
	del.ids = ids;
	del.n_ids = 1;
	del.for_everyone = 1;
	ro.chat_id = 10;
	ro.max_id = 1;
	ro.reader_id = 2;
	ri.chat_id = 11;
	ri.max_id = 1;
	ty.chat_id = 10;
	ty.user_id = 2;
	cc.user = &bob;
	cc.added = 1;

	/* A compact page: users and chats once, then the entries. */
	u[0].pts = 1;
	u[0].event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
	u[0].new_message = &nm1;
	u[1].pts = 2;
	u[1].event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
	u[1].new_message = &nm2;
	u[2].pts = 3;
	u[2].event_case = SOTTO__UPDATE__EVENT_READ_OUTBOX;
	u[2].read_outbox = &ro;
	u[3].pts = 4;
	u[3].event_case = SOTTO__UPDATE__EVENT_CONTACT_CHANGED;
	u[3].contact_changed = &cc;
	u[4].pts = 5;
	u[4].event_case = SOTTO__UPDATE__EVENT_READ_INBOX;
	u[4].read_inbox = &ri;
	d.updates = ups;
	d.n_updates = 5;
	d.pts = 5;
	d.users = users;
	d.n_users = 2;
	d.chats = chats;
	d.n_chats = 1;
	fz_f = fuzz_seed_open(dir, "page");
	fz_seed_rec(2, &d.base);
	fz_seed_close();

	/* Live entries, one after the other, with a typing notice. */
	fz_f = fuzz_seed_open(dir, "live");
	u[0].pts = 1;
	fz_seed_rec(0, &u[0].base);
	u[5].pts = 0;
	u[5].event_case = SOTTO__UPDATE__EVENT_TYPING;
	u[5].typing = &ty;
	fz_seed_rec(0, &u[5].base);
	u[1].pts = 2;
	u[1].event_case = SOTTO__UPDATE__EVENT_MESSAGE_EDITED;
	u[1].message_edited = &ed;
	fz_seed_rec(0, &u[1].base);
	u[2].pts = 3;
	u[2].event_case = SOTTO__UPDATE__EVENT_MESSAGES_DELETED;
	u[2].messages_deleted = &del;
	fz_seed_rec(0, &u[2].base);
	fz_seed_close();

	/* A gap: the client asks for the difference, which comes in two pages. */
	fz_f = fuzz_seed_open(dir, "gap");
	u[0].pts = 3;
	u[0].event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
	u[0].new_message = &nm1;
	fz_seed_rec(0, &u[0].base);
	u[0].pts = 1;
	d.updates = ups;
	d.n_updates = 1;
	d.pts = 1;
	d.more = 1;
	d.n_chats = 0;
	fz_seed_rec(2, &d.base);
	u[1].pts = 2;
	u[1].event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
	u[1].new_message = &nm2;
	d.updates = ups + 1;
	d.pts = 2;
	d.more = 0;
	d.chats = chats;
	d.n_chats = 1;
	fz_seed_rec(2, &d.base);
	fz_seed_rec(3, NULL);
	fz_seed_close();

	/* Answers to whatever waits: users, then a reconnect. */
	fz_f = fuzz_seed_open(dir, "answers");
	ur.users = users;
	ur.n_users = 2;
	resp.result_case = SOTTO__RESPONSE__RESULT_USERS;
	resp.users = &ur;
	fz_seed_rec(1, &resp.base);
	fz_seed_rec(7, NULL);
	fz_seed_rec(3, NULL);
	fz_seed_close();
}
