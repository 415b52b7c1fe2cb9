/*
 * The secret chats' / commands (see ui/secret_ui.c): /secret PEER [TTL]
 * starts one, and in an open one /accept, /decline, /ttl, /verify (the
 * fingerprint overlay) and /close, which must come twice.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/qr.h"
#include "client/secret.h"
#include "lib/err.h"
#include "ui/duration.h"
#include "ui/sanitize.h"
#include "ui/secret_ui_int.h"

/* ------------------------------------------------------------ commands */

/* /secret PEER [TTL]: the peer is resolved first. */
struct sui_start {
	struct secret_ui *u;
	uint32_t ttl;
	char peer[128];
};

static void
sui_resolved(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct sui_start *s = ud;
	struct secret_ui *u = s->u;
	struct sui_call *k;
	char buf[160];

	if (sui__op_end(u)) {
		free(s);
		return;
	}
	if (err != 0 || p->user_id == 0) {
		sui__why(buf, sizeof(buf), err != 0 ? err : ERR_NOT_FOUND, why);
		sui__note(u, 0, "cannot find %s: %s", s->peer, err != 0 ? buf :
		    "not a user");
	} else if (p->user_id == cloud_self(u->c))
		sui__note(u, 0, "no secret chat with yourself");
	else if ((k = sui__call(u, "cannot start the secret chat",
	    "secret chat requested: waiting for the peer to accept")) !=
	    NULL) {
		k->select = 1;
		sui__started(u, k, secret_start(u->sec, p->user_id, s->ttl,
		    SUI_CALL_MS, sui__call_done, k));
	}
	free(s);
}

static void
sui_cmd_start(void *ud, const char *line, char **w, size_t n)
{
	struct secret_ui *u = ud;
	struct sui_start *s;
	uint32_t ttl = 0;
	int r;

	(void)line;
	if (n == 3 && (r = ui_duration_parse(w[2], SECRET_TTL_MAX, &ttl)) !=
	    0) {
		sui__note(u, 0, "%s: %s", w[2], r == ERR_TOO_BIG ?
		    "at most 7 days (1w)" : "not a timer (off, 5s, 1m, 1h, "
		    "1d, 1w)");
		return;
	}
	if (cloud_peer_check(w[1]) != 0) {
		sui__note(u, 0, "not a PEER: %s (use @username or +phone)",
		    w[1]);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->u = u;
	s->ttl = ttl;
	snprintf(s->peer, sizeof(s->peer), "%s", w[1]);
	if ((r = cloud_resolve(u->c, w[1], 0, SUI_CALL_MS, sui_resolved, s)) !=
	    0) {
		sui__note(u, 0, "cannot look up %s: %s", w[1], err_str(r));
		free(s);
		return;
	}
	u->ops++;
}

/* The fingerprint overlay's QR rows. */
static void
sui_ov_row(void *ud, const char *row)
{
	struct secret_ui *u = ud;

	if (u->nov < SUI_OV_MAX)
		u->ov[u->nov++] = strdup(row);
}

static void
sui_ov_add(struct secret_ui *u, const char *s)
{
	if (u->nov < SUI_OV_MAX)
		u->ov[u->nov++] = strdup(s);
}

void
sui__ov_clear(struct secret_ui *u)
{
	size_t i;

	for (i = 0; i < u->nov; i++)
		free(u->ov[i]);
	u->nov = 0;
}

static void
sui_verify_show(struct secret_ui *u, const struct sui_chat *x)
{
	char hex[SFP_HEX_TEXT_LEN], emoji[SFP_EMOJI_TEXT_LEN], name[128],
	    line[256];
	const char *who;
	size_t i;
	int r;

	if ((r = secret_fingerprint(u->sec, &x->c, hex, emoji)) != 0) {
		sui__note(u, 0, "no fingerprint: %s", err_str(r));
		return;
	}
	/* The overlay shows the old lines until it is handed the new. */
	u->h.overlay(u->h.ud, NULL, 0);
	sui__ov_clear(u);
	/* The name came from the network: sanitised, one line, short. */
	who = sui__name(u, x->c.peer_user);
	if (ui_sanitize_buf(who, strlen(who), NULL, name, 48) < 0)
		snprintf(name, sizeof(name), "?");
	snprintf(line, sizeof(line), "Secret chat with %s", name);
	sui_ov_add(u, line);
	sui_ov_add(u, "Compare with the other device; both must match:");
	sui_ov_add(u, "");
	/* 16 groups of 4: two lines of 8. */
	snprintf(line, sizeof(line), "%.39s", hex);
	sui_ov_add(u, line);
	snprintf(line, sizeof(line), "%s", strlen(hex) > 40 ? hex + 40 : "");
	sui_ov_add(u, line);
	sui_ov_add(u, "");
	sui_ov_add(u, emoji);
	/* Before the QR code, which a short terminal cuts. */
	sui_ov_add(u, "Any key closes this.");
	sui_ov_add(u, "");
	(void)qr_fingerprint(hex, sui_ov_row, u);
	for (i = 0; i < u->nov; i++)
		u->ovp[i] = u->ov[i] != NULL ? u->ov[i] : "";
	u->h.overlay(u->h.ud, u->ovp, u->nov);
}

/* The open secret chat for a command, or NULL after saying why. */
static const struct sui_chat *
sui_need(struct secret_ui *u, uint64_t current, const char *cmd)
{
	const struct sui_chat *x = sui__entry(u, current);

	if (x == NULL)
		sui__note(u, 0, "%s: open a secret chat first", cmd);
	else if (x->ghost) {
		sui__note(u, 0, "%s: this secret chat is closed", cmd);
		return NULL;
	}
	return x;
}

/* /accept, /decline: the request of the open chat. */
static void
sui_cmd_answer(void *ud, const char *line, char **w, size_t n)
{
	struct secret_ui *u = ud;
	const struct sui_chat *x;
	struct sui_call *k;

	(void)line;
	(void)n;
	if ((x = sui_need(u, u->h.current(u->h.ud), w[0])) == NULL)
		return;
	if (x->c.state != SECRET_CHAT_PENDING_IN) {
		sui__note(u, 0, "%s: no request to answer here", w[0]);
		return;
	}
	if (w[0][1] == 'a') {
		if ((k = sui__call(u, "cannot accept",
		    "secret chat accepted")) != NULL)
			sui__started(u, k, secret_accept(u->sec,
			    x->c.secret_id, SUI_CALL_MS, sui__call_done, k));
	} else if ((k = sui__call(u, "cannot decline",
	    "secret chat declined")) != NULL)
		sui__started(u, k, secret_decline(u->sec, x->c.secret_id,
		    SUI_CALL_MS, sui__call_done, k));
}

static void
sui_cmd_ttl(void *ud, const char *line, char **w, size_t n)
{
	struct secret_ui *u = ud;
	const struct sui_chat *x;
	struct sui_call *k;
	char ok[160], left[UI_DURATION_LEN];
	uint32_t ttl;
	int r;

	(void)line;
	(void)n;
	if ((x = sui_need(u, u->h.current(u->h.ud), w[0])) == NULL)
		return;
	if ((r = ui_duration_parse(w[1], SECRET_TTL_MAX, &ttl)) != 0) {
		sui__note(u, 0, "%s: %s", w[1], r == ERR_TOO_BIG ?
		    "at most 7 days (1w)" : "not a timer (off, 5s, "
		    "1m, 1h, 1d, 1w)");
		return;
	}
	if (x->c.state != SECRET_CHAT_ACTIVE) {
		sui__note(u, 0, "/ttl: the secret chat is not active");
		return;
	}
	ui_duration_format(ttl, left, sizeof(left));
	snprintf(ok, sizeof(ok), ttl == 0 ? "self-destruct timer off" :
	    "self-destruct timer set to %s", left);
	if ((k = sui__call(u, "cannot set the timer", ok)) != NULL)
		sui__started(u, k, secret_set_ttl(u->sec, x->c.peer_user,
		    ttl, SUI_CALL_MS, sui__call_done, k));
	u->h.changed(u->h.ud);
}

static void
sui_cmd_verify(void *ud, const char *line, char **w, size_t n)
{
	struct secret_ui *u = ud;
	const struct sui_chat *x;

	(void)line;
	(void)n;
	if ((x = sui_need(u, u->h.current(u->h.ud), w[0])) != NULL)
		sui_verify_show(u, x);
}

/*
 * /close, /secret-close: only when asked twice; on a chat a key change
 * closed, the warning goes at once (there is nothing to wipe).
 */
static void
sui_cmd_close(void *ud, const char *line, char **w, size_t n)
{
	struct secret_ui *u = ud;
	const struct sui_chat *x;
	struct sui_call *k;
	uint64_t current = u->h.current(u->h.ud);
	uint64_t now = uv_now(cloud_loop(u->c));
	int r;

	(void)line;
	(void)n;
	if ((x = sui__entry(u, current)) != NULL && x->ghost) {
		if ((r = secret_dismiss_warnings(u->sec, x->c.peer_user,
		    x->c.secret_id)) != 0)
			sui__note(u, 0, "cannot dismiss the warning: %s",
			    err_str(r));
		else
			sui__note(u, 0, "key-change warning dismissed");
		u->h.changed(u->h.ud);
		return;
	}
	if ((x = sui_need(u, current, w[0])) == NULL)
		return;
	if (u->confirm_id != current || now > u->confirm_until) {
		u->confirm_id = current;
		u->confirm_until = now + SUI_CONFIRM_MS;
		sui__note(u, 0, "%s again within 10 s closes this secret chat "
		    "and wipes its messages on both sides", w[0]);
		return;
	}
	u->confirm_id = 0;
	if ((k = sui__call(u, "cannot close", "secret chat closed and wiped"))
	    != NULL)
		sui__started(u, k, secret_close(u->sec, x->c.secret_id,
		    SUI_CALL_MS, sui__call_done, k));
}

const struct ui_cmd secret_ui_cmds[] = {
	{ "/secret", NULL, "/secret PEER [TTL]", 1, 2, sui_cmd_start,
	    "e.g. /secret @bob 1m" },
	{ "/accept", NULL, "/accept", 0, UI_CMD_ANY, sui_cmd_answer, NULL },
	{ "/decline", NULL, "/decline", 0, UI_CMD_ANY, sui_cmd_answer, NULL },
	{ "/ttl", NULL, "/ttl off|5s|1m|1h|1d|1w", 1, 1, sui_cmd_ttl, NULL },
	{ "/verify", NULL, "/verify", 0, UI_CMD_ANY, sui_cmd_verify, NULL },
	{ "/close", "/secret-close", "/close", 0, UI_CMD_ANY, sui_cmd_close,
	    NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
