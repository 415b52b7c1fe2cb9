/*
 * Forward copies on the command line (client/cmd_forward.h).
 */
#include "config.h"

#include "client/cmd_forward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/json.h"

void
cmd_forward_json(struct cloud *c, const struct cloud_message *m, json_t *o,
    int *failed)
{
	struct cloud_forward f;
	char label[96];
	json_t *j;

	if (cloud_forward_get(c, m->chat_id, m->id, &f) != 0)
		return;
	if ((j = json_object()) == NULL) {
		*failed = 1;
		cloud_forward_free(&f);
		return;
	}
	cmd__jset(j, "name", json_text(f.name), failed);
	cmd__jset(j, "date", json_u64(f.date), failed);
	if (f.from_id != 0) {
		cmd__name_label(c, f.from_id, label, sizeof(label));
		cmd__jset(j, "from_id", json_u64(f.from_id), failed);
		cmd__jset(j, "from", label[0] == '@' ? json_string(label) :
		    json_null(), failed);
	}
	cmd__jset(o, "forwarded", j, failed);
	cloud_forward_free(&f);
}

void
cmd_forward_text(struct cloud *c, const struct cloud_message *m, char *out,
    size_t cap)
{
	struct cloud_forward f;
	char label[96], *name;

	if (cap > 0)
		out[0] = '\0';
	if (cloud_forward_get(c, m->chat_id, m->id, &f) != 0)
		return;
	name = json_sanitize(f.name, strlen(f.name));
	label[0] = '\0';
	if (f.from_id != 0)
		cmd__name_label(c, f.from_id, label, sizeof(label));
	snprintf(out, cap, " (forwarded from %s%s%s)", name != NULL ? name :
	    "?", label[0] ? ", " : "", label);
	free(name);
	cloud_forward_free(&f);
}
