/*
 * What the command line prints: one line of text, or one JSON object a
 * line with --json, for messages, chats and users. Every string that
 * came from the server is sanitised before it is printed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cmd_int.h"
#include "client/cmd_forward.h"
#include "client/cmd_presence.h"
#include "client/json.h"
#include "lib/err.h"

/* ------------------------------------------------------------ output */

/*
 * Formats one line for fn. With clean set it is sanitised first (errors
 * quote arguments and the server's words, which may hold escapes).
 */
static void
cmd_vline(void (*fn)(void *, const char *), void *ud, const char *prefix,
    int clean, const char *fmt, va_list ap)
{
	char buf[512], *p = buf, *c = NULL;
	size_t plen = strlen(prefix);
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n + plen + 1 > sizeof(buf) &&
	    (p = malloc((size_t)n + plen + 1)) == NULL)
		return;
	memcpy(p, prefix, plen);
	vsnprintf(p + plen, (size_t)n + 1, fmt, ap);
	if (clean && (c = json_sanitize(p, plen + (size_t)n)) == NULL)
		fn(ud, "sotto: out of memory");
	else
		fn(ud, c != NULL ? c : p);
	free(c);
	if (p != buf)
		free(p);
}

void
cmd_err(const struct cmd_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vline(s->err, s->ud, "sotto: ", 1, fmt, ap);
	va_end(ap);
}

void
cmd__out(const struct cmd_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vline(s->out, s->ud, "", 0, fmt, ap);
	va_end(ap);
}

/* Writes obj as one line and drops the reference; CMD_EX_* status. */
int
cmd__json(const struct cmd_sink *s, json_t *obj, int failed)
{
	char *text;

	if (obj == NULL || failed) {
		json_decref(obj);
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL) {
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	s->out(s->ud, text);
	free(text);
	return 0;
}

void
cmd__jset(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

/* A sanitised copy of a string from the server ("" when out of memory). */
char *
cmd__clean(const char *s)
{
	char *p;

	if ((p = json_sanitize(s, s != NULL ? strlen(s) : 0)) == NULL)
		p = calloc(1, 1);
	return p;
}

void
cmd__format_time(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, cap, "never");
}

/* ---------------------------------------------------- names and objects */

/* "@username" (sanitised) of a user id as this device knows it, or "user ID". */
void
cmd__name_label(struct cloud *c, uint64_t id, char *out, size_t cap)
{
	struct cloud_user u;
	char *name;

	if (cloud_get_user(c, id, &u) == 0) {
		name = cmd__clean(u.username);
		if (name[0] != '\0')
			snprintf(out, cap, "@%s", name);
		else
			snprintf(out, cap, "user %llu", (unsigned long long)id);
		free(name);
		cloud_user_free(&u);
		return;
	}
	snprintf(out, cap, "user %llu", (unsigned long long)id);
}

/* "me", "@username", or "user ID" for a user id. */
void
cmd__user_label(struct cmd *k, uint64_t id, char *out, size_t cap)
{
	if (id != 0 && id == cloud_self(k->c))
		snprintf(out, cap, "me");
	else
		cmd__name_label(k->c, id, out, cap);
}

/* "@username" of a user (also for oneself), or NULL when unknown. */
json_t *
cmd__json_username(struct cmd *k, uint64_t id)
{
	struct cloud_user u;
	json_t *j = NULL;
	char *name, *at;

	if (cloud_get_user(k->c, id, &u) != 0)
		return json_null();
	name = cmd__clean(u.username);
	if (name[0] != '\0' && (at = malloc(strlen(name) + 2)) != NULL) {
		at[0] = '@';
		strcpy(at + 1, name);
		j = json_string(at);
		free(at);
	} else
		j = json_null();
	free(name);
	cloud_user_free(&u);
	return j;
}

static const char *
cmd_action_word(int action)
{
	switch (action) {
	case 1:
		return "created";
	case 2:
		return "added";
	case 3:
		return "removed";
	case 4:
		return "left";
	case 5:
		return "renamed";
	case 6:
		return "changed";
	case 7:
		return "joined";
	default:
		return "other";
	}
}

static const char *
cmd_kind_word(int kind)
{
	switch (kind) {
	case CLOUD_CHAT_SAVED:
		return "saved";
	case CLOUD_CHAT_PRIVATE:
		return "private";
	case CLOUD_CHAT_GROUP:
		return "group";
	default:
		return "unknown";
	}
}

/* The peer of a chat as the user would type it, or a group's title. */
void
cmd__chat_label(struct cmd *k, const struct cloud_chat *ch, char *out,
    size_t cap)
{
	char *t;

	if (ch->kind == CLOUD_CHAT_SAVED)
		snprintf(out, cap, "me");
	else if (ch->kind == CLOUD_CHAT_PRIVATE)
		cmd__user_label(k, ch->peer_id, out, cap);
	else {
		t = cmd__clean(ch->title);
		snprintf(out, cap, "%s", t);
		free(t);
	}
}

/* Prints message m; type is "message" or "edited". chat may be NULL. */
int
cmd__print_message(struct cmd *k, const struct cloud_message *m,
    const struct cloud_chat *chat, const char *type, int with_chat)
{
	struct cloud_chat own;
	const struct cloud_chat *ch = chat;
	json_t *o;
	char from[80], when[32], label[300], au[80], fwd[400], *text;
	int failed = 0, out, have_chat = 0, read = 0;

	if (ch == NULL && cloud_get_chat(k->c, m->chat_id, &own) == 0) {
		ch = &own;
		have_chat = 1;
	}
	out = m->sender_id == cloud_self(k->c);
	if (out && ch != NULL)
		read = ch->read_outbox_max_id >= m->id ||
		    ch->kind == CLOUD_CHAT_SAVED;
	cmd__user_label(k, m->sender_id, from, sizeof(from));
	if (k->o->json) {
		if ((o = json_object()) == NULL)
			failed = 1;
		else {
			cmd__jset(o, "type", json_string(type), &failed);
			cmd__jset(o, "chat_id", json_u64(m->chat_id), &failed);
			cmd__jset(o, "id", json_u64(m->id), &failed);
			cmd__jset(o, "from", out ? json_string("me") :
			    cmd__json_username(k, m->sender_id), &failed);
			cmd__jset(o, "from_id", json_u64(m->sender_id),
			    &failed);
			cmd__jset(o, "out", json_boolean(out), &failed);
			cmd__jset(o, "text", json_text_ml(m->text), &failed);
			cmd__jset(o, "date", json_u64(m->date), &failed);
			cmd__jset(o, "reply_to", json_u64(m->reply_to),
			    &failed);
			cmd__jset(o, "edit_date", json_u64(m->edit_date),
			    &failed);
			if (m->action != 0) {
				cmd__jset(o, "action", json_string(
				    cmd_action_word(m->action)), &failed);
				cmd__jset(o, "action_user", m->action_user_id ?
				    cmd__json_username(k, m->action_user_id) :
				    json_null(), &failed);
				cmd__jset(o, "action_user_id",
				    json_u64(m->action_user_id), &failed);
			}
			if (out)
				cmd__jset(o, "read", json_boolean(read),
				    &failed);
			cmd_forward_json(k->c, m, o, &failed);
		}
		if (have_chat)
			cloud_chat_free(&own);
		return cmd__json(k->s, o, failed);
	}
	cmd__format_time(when, sizeof(when), m->date);
	label[0] = '\0';
	if (with_chat && ch != NULL)
		cmd__chat_label(k, ch, label, sizeof(label));
	text = json_sanitize_text(m->text, m->text != NULL ?
	    strlen(m->text) : 0);
	if (m->action != 0) {
		au[0] = '\0';
		if (m->action_user_id != 0)
			cmd__user_label(k, m->action_user_id, au, sizeof(au));
		cmd__out(k->s, "%s%s[%s] #%llu %s %s%s%s%s%s", label,
		    label[0] ? " " : "", when,
		    (unsigned long long)m->id, from,
		    cmd_action_word(m->action), au[0] ? " " : "", au,
		    m->action == 1 || m->action == 5 || m->action == 6 ?
		    ": " : "",
		    m->action == 1 || m->action == 5 || m->action == 6 ?
		    (text != NULL ? text : "") : "");
	} else {
		cmd_forward_text(k->c, m, fwd, sizeof(fwd));
		cmd__out(k->s, "%s%s[%s] #%llu %s%s%s%s%s: %s", label,
		    label[0] ? " " : "", when, (unsigned long long)m->id,
		    from, fwd, m->reply_to ? " (reply)" : "",
		    m->edit_date ? " (edited)" : "",
		    out ? (read ? " (read)" : "") : "",
		    text != NULL ? text : "");
	}
	free(text);
	if (have_chat)
		cloud_chat_free(&own);
	return 0;
}

struct cmd_members {
	struct cmd *k;
	json_t *members, *admins;
	int failed;
	char *text;
	size_t len;
};

static int
cmd_member_cb(void *ud, const struct cloud_member *m)
{
	struct cmd_members *cm = ud;
	char label[80];
	size_t n;
	char *p;

	if (cm->members != NULL) {
		if (json_array_append_new(cm->members,
		    cmd__json_username(cm->k, m->user_id)) != 0)
			cm->failed = 1;
		if (m->admin && json_array_append_new(cm->admins,
		    cmd__json_username(cm->k, m->user_id)) != 0)
			cm->failed = 1;
		return 0;
	}
	cmd__user_label(cm->k, m->user_id, label, sizeof(label));
	n = strlen(label) + (m->admin ? 8 : 0) + 3;
	if ((p = realloc(cm->text, cm->len + n)) == NULL)
		return 0;
	cm->text = p;
	cm->len += (size_t)snprintf(p + cm->len, n, "%s%s%s",
	    cm->len ? ", " : "", label, m->admin ? " (admin)" : "");
	return 0;
}

int
cmd__print_chat(struct cmd *k, const struct cloud_chat *ch)
{
	struct cmd_members cm;
	json_t *o;
	char label[300], *title;
	int failed = 0;

	cmd__chat_label(k, ch, label, sizeof(label));
	memset(&cm, 0, sizeof(cm));
	cm.k = k;
	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		cmd__jset(o, "type", json_string("chat"), &failed);
		cmd__jset(o, "id", json_u64(ch->id), &failed);
		cmd__jset(o, "kind", json_string(cmd_kind_word(ch->kind)),
		    &failed);
		if (ch->kind == CLOUD_CHAT_GROUP)
			cmd__jset(o, "peer", json_text(ch->title), &failed);
		else
			cmd__jset(o, "peer", json_string(label), &failed);
		if (ch->kind == CLOUD_CHAT_PRIVATE) {
			struct cloud_user u;

			if (cloud_get_user(k->c, ch->peer_id, &u) == 0) {
				cmd__jset(o, "title", json_text(
				    u.display_name), &failed);
				cloud_user_free(&u);
			} else
				cmd__jset(o, "title", json_string(""),
				    &failed);
		} else if (ch->kind == CLOUD_CHAT_SAVED)
			cmd__jset(o, "title", json_string("Saved Messages"),
			    &failed);
		else
			cmd__jset(o, "title", json_text(ch->title), &failed);
		cmd__jset(o, "unread", json_u64(ch->unread), &failed);
		cmd__jset(o, "last_message_id", json_u64(ch->last_message_id),
		    &failed);
		cmd__jset(o, "last_date", json_u64(ch->last_date), &failed);
		if (ch->kind == CLOUD_CHAT_GROUP) {
			cm.members = json_array();
			cm.admins = json_array();
			if (cm.members == NULL || cm.admins == NULL)
				failed = 1;
			else
				(void)cloud_list_members(k->c, ch->id,
				    cmd_member_cb, &cm);
			cmd__jset(o, "members", cm.members, &failed);
			cmd__jset(o, "admins", cm.admins, &failed);
			cmd__jset(o, "creator_id", json_u64(ch->creator_id),
			    &failed);
			cmd__jset(o, "left", json_boolean(ch->left), &failed);
			failed |= cm.failed;
		}
		return cmd__json(k->s, o, failed);
	}
	title = cmd__clean(ch->title);
	if (ch->kind == CLOUD_CHAT_GROUP) {
		(void)cloud_list_members(k->c, ch->id, cmd_member_cb, &cm);
		cmd__out(k->s, "%llu  group  %s  %llu unread%s  members: %s",
		    (unsigned long long)ch->id, title,
		    (unsigned long long)ch->unread, ch->left ? " (left)" : "",
		    cm.text != NULL ? cm.text : "-");
		free(cm.text);
	} else
		cmd__out(k->s, "%llu  %s  %s  %llu unread",
		    (unsigned long long)ch->id, cmd_kind_word(ch->kind), label,
		    (unsigned long long)ch->unread);
	free(title);
	return 0;
}

int
cmd__print_user(struct cmd *k, const struct cloud_user *u)
{
	json_t *o;
	char *s1, *s2, *s3;
	int failed = 0;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		cmd__jset(o, "type", json_string("user"), &failed);
		cmd__jset(o, "id", json_u64(u->id), &failed);
		cmd__jset(o, "username", json_text(u->username), &failed);
		cmd__jset(o, "display_name", json_text(u->display_name),
		    &failed);
		cmd__jset(o, "phone", json_text(u->phone), &failed);
		cmd__jset(o, "contact", json_boolean(u->contact), &failed);
		if (k->o->action == CMD_USER || k->o->action == CMD_SET_BIO)
			cmd_presence_json(k->c, u->id, o, &failed);
		return cmd__json(k->s, o, failed);
	}
	s1 = cmd__clean(u->username);
	s2 = cmd__clean(u->display_name);
	s3 = cmd__clean(u->phone);
	cmd__out(k->s, "%llu  @%s  %s  %s%s", (unsigned long long)u->id, s1,
	    s2[0] ? s2 : "-", s3[0] ? s3 : "-", u->contact ? "  (contact)" :
	    "");
	free(s1);
	free(s2);
	free(s3);
	if (k->o->action == CMD_USER || k->o->action == CMD_SET_BIO)
		cmd_presence_lines(k->c, u->id, k->s);
	return 0;
}

/* ------------------------------------------------------------ showing */

/* Prints chat id (after a group call or a read). */
int
cmd__show_chat(struct cmd *k, uint64_t id)
{
	struct cloud_chat ch;
	int r;

	if ((r = cloud_get_chat(k->c, id, &ch)) != 0)
		return cmd__report(k, r, NULL);
	r = cmd__print_chat(k, &ch);
	cloud_chat_free(&ch);
	return r;
}

int
cmd__show_user(struct cmd *k, uint64_t id)
{
	struct cloud_user u;
	int r;

	if ((r = cloud_get_user(k->c, id, &u)) != 0) {
		if (r == ERR_NOT_FOUND && id == cloud_self(k->c)) {
			memset(&u, 0, sizeof(u));
			u.id = id;
			return cmd__print_user(k, &u);
		}
		return cmd__report(k, r, NULL);
	}
	r = cmd__print_user(k, &u);
	cloud_user_free(&u);
	return r;
}
