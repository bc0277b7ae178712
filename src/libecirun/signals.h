/* Signal names as runc accepts them. */
#ifndef ECIRUN_SIGNALS_H
#define ECIRUN_SIGNALS_H

/* "9", "KILL", "SIGKILL", "sigkill", "RTMIN+3", "SIGRTMAX-1" -> signal number; -1 if invalid. */
int signal_parse (const char *s);
/* 9 -> "SIGKILL"; NULL if unknown. */
const char *signal_name (int sig);

#endif
