/* The container lifecycle as the CLI drives it: create, start, run, kill, delete, state, list. */
#ifndef ECIRUN_CONTAINER_H
#define ECIRUN_CONTAINER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "error.h"
#include "state.h"

struct create_opts
{
  const char *root;
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* run in the foreground: a terminal master is kept (not sent) for the caller to proxy */
  bool foreground;
};

struct created_container
{
  pid_t pid;
  int pidfd;
  int console_master; /* -1 unless foreground with a terminal */
};

int container_create (const struct create_opts *o, struct created_container *ret,
                      ecirun_error_t *err);
int container_start (const char *root, const char *id, ecirun_error_t *err);
/* create + start; waits for the container unless detach; returns its exit status (128+signal
   when killed) in *ret_status; deletes it afterwards unless keep. */
int container_run (const struct create_opts *o, bool detach, bool keep, int *ret_status,
                   ecirun_error_t *err);
struct exec_opts
{
  const char *root;
  const char *id;
  const char *process_file; /* --process: a process.json; else args + the container's process */
  char **args;              /* NULL-terminated */
  int tty;                  /* -1: not given */
  const char *console_socket;
  bool detach;
  const char *pid_file;
  char **env; /* NULL-terminated KEY=VALUE, added to (or replacing in) the process env */
  const char *cwd;
  const char *user; /* "uid[:gid]" */
  char **additional_gids;
  char **caps; /* names added to the bounding, effective and permitted sets */
  bool no_new_privs;
  int preserve_fds;
  const char *process_label;
  const char *apparmor;
  bool ignore_paused; /* exec into a paused container (the process starts frozen) */
  char **cgroups;     /* --cgroup [CONTROLLER:]PATH: sub-cgroups of the container's */
};
/* Run a new process in a running container; waits for it unless detach and returns its exit
   status (128+signal) in *ret_status. */
int container_exec (const struct exec_opts *o, int *ret_status, ecirun_error_t *err);

int container_kill (const char *root, const char *id, int sig, bool all, ecirun_error_t *err);
int container_delete (const char *root, const char *id, bool force, ecirun_error_t *err);
/* The OCI state JSON of one container (pretty). */
int container_state_json (const char *root, const char *id, char **ret, ecirun_error_t *err);

struct container_list_entry
{
  struct container_state *state;
  enum container_status status;
};
int container_list (const char *root, struct container_list_entry **ret, size_t *ret_n,
                    ecirun_error_t *err);
void container_list_free (struct container_list_entry *l, size_t n);

/* Operations on a live container's cgroup (container_ops.c). */
struct resources_config;
/* The pids of the container's cgroup: as a JSON array, or (table) the rows of
   `ps ps_args` (default -ef) that belong to them, with the header. */
int container_ps (const char *root, const char *id, bool json, char *const *ps_args, char **ret,
                  ecirun_error_t *err);
/* Freeze (pause = true: "container not running" unless running or created) or thaw
   ("container not paused" unless paused). */
int container_pause (const char *root, const char *id, bool pause, ecirun_error_t *err);
/* Validate, then apply the set, non-zero fields of res to the container's cgroup. */
int container_update (const char *root, const char *id, const struct resources_config *res,
                      ecirun_error_t *err);
/* runc's events: with stats_only one {"type":"stats",...} line; otherwise a stats line every
   interval_ms and an "oom" line per OOM, until the container stops. */
int container_events (const char *root, const char *id, bool stats_only, unsigned interval_ms,
                      FILE *out, ecirun_error_t *err);

#endif
