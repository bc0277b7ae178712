/* Send a seccomp notify fd to the agent at linux.seccomp.listenerPath. */
#include <config.h>
#include "listener.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include "utils.h"

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

int
seccomp_send_to_listener (const struct seccomp_config *s, pid_t pid, const char *state_json, int fd,
                          ecirun_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int sock = -1;
  const unsigned char *buf;
  yajl_gen g;
  size_t len;
  int ret = 0;

  if (s->listener_path == NULL)
    return make_error (err, 0, "linux.seccomp uses SCMP_ACT_NOTIFY without a listenerPath");
  if (strlen (s->listener_path) >= sizeof (addr.sun_path))
    return make_error (err, 0, "linux.seccomp.listenerPath `%s` is too long for a unix socket",
                       s->listener_path);
  strcpy (addr.sun_path, s->listener_path);

  g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  gen_str (g, "ociVersion");
  gen_str (g, "1.1.0");
  gen_str (g, "fds");
  yajl_gen_array_open (g);
  gen_str (g, "seccompFd");
  yajl_gen_array_close (g);
  gen_str (g, "pid");
  yajl_gen_integer (g, pid);
  gen_str (g, "metadata");
  gen_str (g, s->listener_metadata ? s->listener_metadata : "");
  gen_str (g, "state");
  yajl_gen_number (g, state_json, strlen (state_json));
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);

  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    ret = make_error (err, errno, "failed to connect with seccomp agent at listenerPath `%s`",
                      s->listener_path);
  else if (send_with_fd (sock, buf, len, fd) < 0)
    ret = make_error (err, errno, "send the seccomp listener to `%s`", s->listener_path);
  yajl_gen_free (g);
  return ret;
}
