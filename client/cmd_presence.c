/*
 * Last seen, online and bio on the command line (client/cmd_presence.h).
 */
#include "config.h"

#include "client/cmd_presence.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/json.h"
#include "client/presence.h"
#include "store/store.h"

static void
cp_out(const struct cmd_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cp_out(const struct cmd_sink *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->out(s->ud, line);
}

static void
cp_jset(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

void
cmd_presence_json(struct cloud *c, uint64_t user_id, json_t *o, int *failed)
{
	struct presence_info i;
	const char *w;

	if (cloud_presence_get(c, user_id, &i) != 0)
		return;
	if ((w = presence_word(i.status)) != NULL)
		cp_jset(o, "status", json_string(w), failed);
	if (i.status == PRESENCE_ONLINE || i.status == PRESENCE_OFFLINE)
		cp_jset(o, "last_seen", json_u64(i.last_seen),
		    failed);
	if (i.bio[0] != '\0')
		cp_jset(o, "bio", json_text(i.bio), failed);
}

void
cmd_presence_lines(struct cloud *c, uint64_t user_id,
    const struct cmd_sink *s)
{
	struct presence_info i;
	char words[64], *bio;

	if (cloud_presence_get(c, user_id, &i) != 0)
		return;
	presence_words(&i, (uint64_t)time(NULL), words, sizeof(words));
	if (words[0] != '\0')
		cp_out(s, "  %s", words);
	if (i.bio[0] != '\0' &&
	    (bio = json_sanitize(i.bio, strlen(i.bio))) != NULL) {
		cp_out(s, "  bio: %s", bio);
		free(bio);
	}
}

/* "@name" of user_id, sanitised, or its id. */
static void
cp_label(struct cloud *c, uint64_t id, char *out, size_t cap)
{
	struct store_user u;
	char *name = NULL;
	int r;

	if ((r = cloud_get_user(c, id, &u)) == 0 && u.username != NULL &&
	    u.username[0] != '\0')
		name = json_sanitize(u.username, strlen(u.username));
	if (name != NULL)
		snprintf(out, cap, "@%s", name);
	else
		snprintf(out, cap, "user %llu", (unsigned long long)id);
	free(name);
	if (r == 0)
		store_user_free(&u);
}

void
cmd_presence_event(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_event *ev)
{
	struct presence_info i;
	char who[96], words[64], *text;
	json_t *j;
	int failed = 0;

	memset(&i, 0, sizeof(i));
	i.user_id = ev->user_id;
	i.status = ev->status;
	i.last_seen = ev->when;
	i.bio = "";
	cp_label(c, ev->user_id, who, sizeof(who));
	if (!o->json) {
		presence_words(&i, (uint64_t)time(NULL), words,
		    sizeof(words));
		if (ev->status == PRESENCE_ONLINE)
			cp_out(s, "%s is online", who);
		else
			cp_out(s, "%s went offline (%s)", who, words);
		return;
	}
	if ((j = json_object()) == NULL)
		return;
	cp_jset(j, "type", json_string("status"), &failed);
	cp_jset(j, "user", json_text(who), &failed);
	cp_jset(j, "user_id", json_u64(ev->user_id), &failed);
	if (presence_word(ev->status) != NULL)
		cp_jset(j, "status", json_string(presence_word(ev->status)),
		    &failed);
	cp_jset(j, "last_seen", json_u64(ev->when), &failed);
	if (!failed && (text = json_dumps(j, JSON_COMPACT)) != NULL) {
		s->out(s->ud, text);
		free(text);
	}
	json_decref(j);
}
