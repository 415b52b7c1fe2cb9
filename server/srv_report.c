/*
 * Reports and the restriction of much-reported accounts; see
 * srv_report.h. Logs and the operator's list name ids only.
 */
#include "config.h"

#include "server/srv_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "proto/textrule.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"
#include "server/srv_text.h"
#include "server/srv_visible.h"

static const char *
srv_report_reason(int reason)
{
	switch (reason) {
	case SOTTO__REPORT_REASON__REPORT_SPAM:
		return "spam";
	case SOTTO__REPORT_REASON__REPORT_ABUSE:
		return "abuse";
	case SOTTO__REPORT_REASON__REPORT_FAKE:
		return "fake";
	case SOTTO__REPORT_REASON__REPORT_OTHER:
		return "other";
	default:
		return "unknown";
	}
}

static void
srv_report_date(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)t);
}

/*
 * The named message into rep (its chat must be one of the asker's, its
 * sender the reported user); text is malloc()ed into *text. 0 or ERR_*.
 */
static int
srv_report_message(struct srv_store *st, uint64_t me,
    const Sotto__ReportUser *m, struct srv_report *rep, char **text,
    const char **why)
{
	struct srv_chat chat;
	struct srv_message msg;
	int r;

	*text = NULL;
	if (m->message_id == 0)
		return 0;
	*why = "no such message of that user in a chat of yours";
	memset(&msg, 0, sizeof(msg));
	if ((r = srv_chat_of_member(st, m->chat_id, me, &chat)) != 0 ||
	    (r = srv_store_message_get(st, m->chat_id, m->message_id,
	    &msg)) != 0) {
		free(msg.text);
		return r;
	}
	if (msg.sender_id != m->user_id || msg.action != 0) {
		free(msg.text);
		return ERR_NOT_FOUND;
	}
	rep->chat_id = m->chat_id;
	rep->message_id = m->message_id;
	*text = msg.text;
	return 0;
}

/* Checks a ReportUser and fills rep; *why says what is wrong. */
static int
srv_report_check(struct srv_store *st, uint64_t me, uint64_t now,
    const Sotto__ReportUser *m, struct srv_report *rep, char **text,
    const char **why)
{
	int r;

	*text = NULL;
	if (m->user_id == me) {
		*why = "one cannot report oneself";
		return ERR_INVAL;
	}
	if (m->reason < SOTTO__REPORT_REASON__REPORT_SPAM ||
	    m->reason > SOTTO__REPORT_REASON__REPORT_OTHER) {
		*why = "the reason must be spam, abuse, fake or other";
		return ERR_INVAL;
	}
	/* An id the asker was never shown is no user at all. */
	*why = "no such user";
	if ((r = srv_visible_user(st, me, m->user_id)) != 0)
		return r;
	memset(rep, 0, sizeof(*rep));
	rep->reporter_id = me;
	rep->reported_id = m->user_id;
	rep->reason = m->reason;
	rep->created = now;
	if ((r = srv_store_report_recent(st, me, m->user_id,
	    now - SRV_REPORT_WINDOW)) != ERR_NOT_FOUND) {
		*why = "you reported this user in the last 24 hours";
		return r == 0 ? ERR_EXISTS : r;
	}
	if ((r = srv_report_message(st, me, m, rep, text, why)) != 0)
		return r;
	r = srv_store_wrote_to(st, m->user_id, me);
	rep->counted = r == 0;
	return r == ERR_NOT_FOUND ? 0 : r;
}

/* Adds rep and restricts its target when it is the last straw. */
static int
srv_report_write(struct srv_store *st, struct srv_report *rep,
    int *restricted)
{
	size_t n = 0;
	int r;

	*restricted = 0;
	if ((r = srv_store_report_add(st, rep)) != 0 || !rep->counted)
		return r;
	if ((r = srv_store_report_reporters(st, rep->reported_id,
	    rep->created - SRV_REPORT_WINDOW, &n)) != 0)
		return r;
	if (n < SRV_REPORT_LIMIT)
		return 0;
	*restricted = 1;
	return srv_store_report_restrict(st, rep->reported_id,
	    rep->created + SRV_REPORT_RESTRICT);
}

int
srv_report_user(struct srv_conn *c, uint64_t id, const Sotto__ReportUser *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__ReportResult rr = SOTTO__REPORT_RESULT__INIT;
	struct srv_report rep;
	const char *why = NULL;
	char *text = NULL;
	int r, limited, restricted = 0;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_report_check(st, c->user_id, (uint64_t)time(NULL), m,
	    &rep, &text, &why)) != 0)
		goto fail;
	rep.text = text;
	if ((r = srv_store_unit_begin(st)) != 0 ||
	    (r = srv_store_unit_end(st, srv_report_write(st, &rep,
	    &restricted))) != 0)
		goto fail;
	free(text);
	log_info("conn %llu: report %llu (%s%s)",
	    (unsigned long long)c->serial, (unsigned long long)rep.id,
	    srv_report_reason(rep.reason), rep.counted ? ", counted" : "");
	if (restricted)
		log_warn("user %llu reported by %d accounts in 24 h: no new "
		    "chats for 24 h", (unsigned long long)rep.reported_id,
		    SRV_REPORT_LIMIT);
	rr.report_id = rep.id;
	resp.result_case = SOTTO__RESPONSE__RESULT_REPORT;
	resp.report = &rr;
	return srv_reply(c, id, &resp);
fail:
	free(text);
	return srv_reply_fail(c, id, r, why);
}

int
srv_report_refuse(struct srv_conn *c, uint64_t id, int *answered)
{
	uint64_t until = 0, now = (uint64_t)time(NULL);
	char when[40], why[200];
	int r;

	*answered = 0;
	r = srv_store_report_restricted(c->srv->store, c->user_id, now, &until);
	if (r == ERR_NOT_FOUND)
		return 0;
	*answered = 1;
	if (r != 0)
		return srv_reply_fail(c, id, r, NULL);
	srv_report_date(when, sizeof(when), until);
	snprintf(why, sizeof(why), "several users reported this account: it "
	    "cannot start new chats or groups until %s (existing chats work "
	    "as before)", when);
	return srv_conn_error(c, id, ERR_PERM, why, 0);
}

/* ---------------------------------------------------------------- listing */

/*
 * Writes text for a terminal: valid UTF-8 as it is, but every code point
 * that hides text (proto/textrule.h: C0, DEL, C1, line separators, BiDi
 * controls), backslash, quote and invalid byte escaped, so a reported
 * message cannot drive the operator's terminal.
 */
static void
srv_report_escape(FILE *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), len;
	uint32_t cp;

	while (n > 0) {
		if ((len = utf8_next((const char *)p, n, &cp)) == 0) {
			fprintf(out, "\\x%02x", *p);
			len = 1;
		} else if (cp == '\\' || cp == '"')
			fprintf(out, "\\%c", (char)cp);
		else if (textrule_kind(cp) != TEXTRULE_PLAIN)
			fprintf(out, "\\u{%x}", (unsigned)cp);
		else
			fwrite(p, 1, len, out);
		p += len;
		n -= len;
	}
}

static int
srv_report_line(void *ud, const struct srv_report *rep)
{
	FILE *out = ud;
	char when[40];

	srv_report_date(when, sizeof(when), rep->created);
	fprintf(out, "report %llu  %s  user %llu  by user %llu  %s%s",
	    (unsigned long long)rep->id, when,
	    (unsigned long long)rep->reported_id,
	    (unsigned long long)rep->reporter_id,
	    srv_report_reason(rep->reason), rep->counted ? "  counted" : "");
	if (rep->message_id != 0) {
		fprintf(out, "  message %llu in chat %llu  \"",
		    (unsigned long long)rep->message_id,
		    (unsigned long long)rep->chat_id);
		srv_report_escape(out, rep->text != NULL ? rep->text : "");
		fputc('"', out);
	}
	fputc('\n', out);
	return 0;
}

int
srv_report_list(struct srv_store *st, FILE *out)
{
	int r;

	if ((r = srv_store_reports(st, srv_report_line, out)) != 0)
		return r;
	return fflush(out) == 0 ? 0 : ERR_IO;
}

void
srv_report_purge(struct srv *s)
{
	struct srv_store *st = s->store;
	uint64_t now = (uint64_t)time(NULL);
	size_t n = 0;
	int r;

	if (now < SRV_REPORT_KEEP)
		return;
	if ((r = srv_store_atomic_begin(st)) != 0 ||
	    (r = srv_store_atomic_end(st, srv_store_report_purge(st,
	    now - SRV_REPORT_KEEP, &n) != 0 ? ERR_DB :
	    srv_store_report_unrestrict(st, now))) != 0) {
		log_error_err(r, "purging old reports");
		return;
	}
	if (n > 0)
		log_info("purged %zu reports older than 30 days", n);
}
