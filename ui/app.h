/*
 * The TUI on a profile: the glue between the client engine's front-end
 * API (client/cloud.h) and the terminal UI (ui/tui.h). It keeps a struct
 * ui_model up to date from the cloud's local reads and events, and turns
 * what the user does into cloud calls. It never touches the store or the
 * socket (DESIGN.md section 1: ui -> client -> store).
 *
 * History is lazy: an open chat holds a window of its newest messages,
 * and older pages are read with cloud_history_before() as the user
 * scrolls up to them, so opening a chat costs the same whatever its size.
 */
#ifndef SOTTO_UI_APP_H
#define SOTTO_UI_APP_H

#include <uv.h>

struct cloud;

/*
 * Runs the TUI for cloud c (created and started by the caller, on loop)
 * until the user quits. account_label (e.g. "@alice") is shown in the
 * status line. Sets the locale's LC_CTYPE (a UTF-8 one is needed) and
 * reads the settings file (ui/settings.h). On return the terminal is
 * given back, every listener and handle of the TUI is gone, and c is
 * still the caller's to free; the loop may still hold c's handles.
 * Returns an exit status: 0, 74 (no usable terminal or no UTF-8
 * locale) or 70 (out of memory); a reason is written to stderr.
 */
int ui_app_run(uv_loop_t *loop, struct cloud *c, const char *account_label);

#endif
