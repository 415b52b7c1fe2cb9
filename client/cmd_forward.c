/*
 * Forward copies on the command line (client/cmd_forward.h).
 */
#include "config.h"

#include "client/cmd_forward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json.h"

/* "@name" of a linked sender as this device knows it, or "user ID". */
static void
cf_label(struct cloud *c, uint64_t id, char *out, size_t cap)
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

static void
cf_set(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

void
cmd_forward_json(struct cloud *c, const struct store_message *m, json_t *o,
    int *failed)
{
	struct store_forward f;
	char label[96];
	json_t *j;

	if (cloud_forward_get(c, m->chat_id, m->id, &f) != 0)
		return;
	if ((j = json_object()) == NULL) {
		*failed = 1;
		store_forward_free(&f);
		return;
	}
	cf_set(j, "name", json_text(f.name), failed);
	cf_set(j, "date", json_u64(f.date), failed);
	if (f.from_id != 0) {
		cf_label(c, f.from_id, label, sizeof(label));
		cf_set(j, "from_id", json_u64(f.from_id), failed);
		cf_set(j, "from", label[0] == '@' ? json_string(label) :
		    json_null(), failed);
	}
	cf_set(o, "forwarded", j, failed);
	store_forward_free(&f);
}

void
cmd_forward_text(struct cloud *c, const struct store_message *m, char *out,
    size_t cap)
{
	struct store_forward f;
	char label[96], *name;

	if (cap > 0)
		out[0] = '\0';
	if (cloud_forward_get(c, m->chat_id, m->id, &f) != 0)
		return;
	name = json_sanitize(f.name, strlen(f.name));
	label[0] = '\0';
	if (f.from_id != 0)
		cf_label(c, f.from_id, label, sizeof(label));
	snprintf(out, cap, " (forwarded from %s%s%s)", name != NULL ? name :
	    "?", label[0] ? ", " : "", label);
	free(name);
	store_forward_free(&f);
}
