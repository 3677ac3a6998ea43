/* Leveled logging to stderr. */
#ifndef USMBD_LOG_H
#define USMBD_LOG_H

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

extern int log_max_level;

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_ERR(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define LOG_INFO(...)                                  \
	do {                                           \
		if (log_max_level >= LOG_LVL_INFO)     \
			log_msg(LOG_LVL_INFO, __VA_ARGS__); \
	} while (0)
#define LOG_DBG(...)                                    \
	do {                                            \
		if (log_max_level >= LOG_LVL_DEBUG)     \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
