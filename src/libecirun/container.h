/* The container lifecycle as the CLI drives it: create, start, run, kill, delete, state, list. */
#ifndef ECIRUN_CONTAINER_H
#define ECIRUN_CONTAINER_H

#include <stdbool.h>
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

#endif
