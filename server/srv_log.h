/*
 * sottod's log: one line per event, to a file (--log) or to stderr. Lines
 * carry a UTC timestamp, the level and the function that wrote them.
 *
 * What is never logged (DESIGN section 8): message content, passwords,
 * keys, usernames, display names, phone numbers and IP addresses. Log
 * account and device ids and connection serial numbers instead.
 */
#ifndef SOTTO_SRV_LOG_H
#define SOTTO_SRV_LOG_H

enum srv_log_level {
	SRV_LOG_DEBUG,
	SRV_LOG_INFO,
	SRV_LOG_WARN,
	SRV_LOG_ERROR,
};

/*
 * Sends the log to path (created 0600, appended to), or to stderr when
 * path is NULL. Returns 0 or ERR_IO (errno kept).
 */
int srv_log_open(const char *path);
void srv_log_close(void);
void srv_log_set_level(enum srv_log_level level);

/* Writes one line; err, when nonzero, is an ERR_* whose text is appended. */
void srv_log_emit(enum srv_log_level level, const char *func, int line,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define srv_debug(...) \
	srv_log_emit(SRV_LOG_DEBUG, __func__, __LINE__, 0, __VA_ARGS__)
#define srv_info(...) \
	srv_log_emit(SRV_LOG_INFO, __func__, __LINE__, 0, __VA_ARGS__)
#define srv_warn(...) \
	srv_log_emit(SRV_LOG_WARN, __func__, __LINE__, 0, __VA_ARGS__)
#define srv_error(...) \
	srv_log_emit(SRV_LOG_ERROR, __func__, __LINE__, 0, __VA_ARGS__)
/* The same, with the text of the ERR_* code err appended. */
#define srv_warn_err(err, ...) \
	srv_log_emit(SRV_LOG_WARN, __func__, __LINE__, (err), __VA_ARGS__)
#define srv_error_err(err, ...) \
	srv_log_emit(SRV_LOG_ERROR, __func__, __LINE__, (err), __VA_ARGS__)

#endif
