/* The CLI: global options and one handler per subcommand (one file each). A handler returns
   the process exit status, or -1 with *err set; only main prints errors. */
#ifndef ECIRUN_COMMANDS_H
#define ECIRUN_COMMANDS_H

#include <stdbool.h>
#include "error.h"

struct global_opts
{
  const char *root;
  const char *log;
  const char *log_format;
  bool debug;
  bool systemd_cgroup;
};

typedef int (*command_fn) (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);

int cmd_spec (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_create (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_start (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_run (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_exec (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_state (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_kill (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_delete (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_list (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_ps (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_pause (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_resume (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_update (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_events (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_features (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);
int cmd_check (struct global_opts *g, int argc, char **argv, ecirun_error_t *err);

/* Shared by create and run: parse the create flags into o; returns the index of the id
   argument in argv, or -1 with err. */
struct create_opts;
int parse_create_flags (int argc, char **argv, bool with_run_flags, struct create_opts *o,
                        bool *detach, bool *keep, ecirun_error_t *err);
/* The single container id argument of a command (usage error otherwise). */
int require_id (const char *cmd, int argc, char **argv, const char **ret, ecirun_error_t *err);
/* Print a command's usage text (from the table in ecirun.c). */
void print_command_usage (const char *cmd);

#endif
