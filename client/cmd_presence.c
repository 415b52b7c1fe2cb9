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

#include "client/cmd_int.h"
#include "client/json.h"
#include "client/presence.h"
#include "store/store.h"

void
cmd_presence_json(struct cloud *c, uint64_t user_id, json_t *o, int *failed)
{
	struct presence_info i;
	const char *w;

	if (cloud_presence_get(c, user_id, &i) != 0)
		return;
	if ((w = presence_word(i.status)) != NULL)
		cmd__jset(o, "status", json_string(w), failed);
	if (i.status == PRESENCE_ONLINE || i.status == PRESENCE_OFFLINE)
		cmd__jset(o, "last_seen", json_u64(i.last_seen),
		    failed);
	if (i.bio[0] != '\0')
		cmd__jset(o, "bio", json_text(i.bio), failed);
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
		cmd__out(s, "  %s", words);
	if (i.bio[0] != '\0' &&
	    (bio = json_sanitize(i.bio, strlen(i.bio))) != NULL) {
		cmd__out(s, "  bio: %s", bio);
		free(bio);
	}
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
	cmd__name_label(c, ev->user_id, who, sizeof(who));
	if (!o->json) {
		presence_words(&i, (uint64_t)time(NULL), words,
		    sizeof(words));
		if (ev->status == PRESENCE_ONLINE)
			cmd__out(s, "%s is online", who);
		else
			cmd__out(s, "%s went offline (%s)", who, words);
		return;
	}
	if ((j = json_object()) == NULL)
		return;
	cmd__jset(j, "type", json_string("status"), &failed);
	cmd__jset(j, "user", json_text(who), &failed);
	cmd__jset(j, "user_id", json_u64(ev->user_id), &failed);
	if (presence_word(ev->status) != NULL)
		cmd__jset(j, "status", json_string(presence_word(ev->status)),
		    &failed);
	cmd__jset(j, "last_seen", json_u64(ev->when), &failed);
	if (!failed && (text = json_dumps(j, JSON_COMPACT)) != NULL) {
		s->out(s->ud, text);
		free(text);
	}
	json_decref(j);
}
