/*
 * The log, one per process (the client's sotto.log in the profile
 * directory, sottod's --log file or stderr). A line carries a UTC
 * timestamp, the process id, the level and the function and line that
 * wrote it. Never log message text, passwords, passphrases, keys,
 * usernames, display names, phone numbers or addresses (DESIGN section
 * 8): log account, device and connection ids instead; the file is not
 * encrypted.
 */
#ifndef SOTTO_LOG_H
#define SOTTO_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/* log_open's flags. */
#define LOG_ROTATE	0x1	/* move a log past 1 MiB to path.old first */

/*
 * Sends the log to path (created with mode 0600, appended to), or to
 * stderr when path is NULL. Returns 0 or ERR_IO (errno kept); until a
 * log is open, lines are dropped, so that nothing reaches a terminal that
 * a TUI owns.
 */
int log_open(const char *path, int flags);
void log_close(void);

/* Lines below level are dropped; the default is LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);

/*
 * Writes one line; err, when nonzero, is an ERR_* whose text is appended
 * (for ERR_IO, the text of errno as it was at the call).
 */
void log_emit(enum log_level level, const char *func, int line, int err,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_debug(...) \
	log_emit(LOG_LEVEL_DEBUG, __func__, __LINE__, 0, __VA_ARGS__)
#define log_info(...) \
	log_emit(LOG_LEVEL_INFO, __func__, __LINE__, 0, __VA_ARGS__)
#define log_warn(...) \
	log_emit(LOG_LEVEL_WARN, __func__, __LINE__, 0, __VA_ARGS__)
#define log_error(...) \
	log_emit(LOG_LEVEL_ERROR, __func__, __LINE__, 0, __VA_ARGS__)
/* The same, with the text of the ERR_* code err appended. */
#define log_warn_err(err, ...) \
	log_emit(LOG_LEVEL_WARN, __func__, __LINE__, (err), __VA_ARGS__)
#define log_error_err(err, ...) \
	log_emit(LOG_LEVEL_ERROR, __func__, __LINE__, (err), __VA_ARGS__)

#endif
