/* `create`: validate, prepare host state, clone the init and drive its setup. */
#include <config.h>
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "config.h"
#include "container_open.h"
#include "devices.h"
#include "fds.h"
#include "hooks.h"
#include "idblock.h"
#include "init.h"
#include "isolation.h"
#include "log.h"
#include "mount_trees.h"
#include "nsjoin.h"
#include "policy.h"
#include "seccomp.h"
#include "sidecar.h"
#include "sync.h"
#include "syscalls.h"
#include "terminal.h"
#include "utils.h"

struct create_ctx
{
  const struct create_opts *o;
  struct oci_config *config;
  struct container_state state;
  char *bundle;
  char *rootfs;
  int rootfd;
  int dirfd;
  struct cgroup *cg;
  int sync[2];
  int console_sock;
  pid_t pid;
  int pidfd;
  int console_master;
  int ns_new;
  int ns_joined;
  struct isolation_joined joined; /* the user namespace of the container whose namespaces are
                                     joined */
  struct ecirun_policy policy;
  bool policy_loaded;
  struct id_block block;
  bool block_held;
  bool vet_mounts;
  struct cgroup *sidecar_cg;
  int sidecar_ready; /* its ready pipe, until it said it serves */
  char *state_dir;   /* absolute: <root>/<id> */
};

static char *
owner_name (void)
{
  struct passwd *pw = getpwuid (geteuid ());
  return xstrdup (pw ? pw->pw_name : "");
}

/* A sysctl is allowed only when it belongs to a namespace the container has of its own. */
static int
validate_sysctl (const struct linux_config *lc, ecirun_error_t *err)
{
  static const char *const ipc_prefixes[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "fs.mqueue." };
  const struct namespace_config *ns = lc->namespaces;

  for (size_t i = 0; i < lc->sysctl.len; i++)
    {
      const char *key = lc->sysctl.items[i].key;
      bool ok = false;

      for (size_t k = 0; k < ARRAY_SIZE (ipc_prefixes); k++)
        if (strncmp (key, ipc_prefixes[k], strlen (ipc_prefixes[k])) == 0)
          ok = ns[NS_IPC].present;
      if (strncmp (key, "net.", 4) == 0)
        ok = ns[NS_NETWORK].present;
      if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
        ok = ns[NS_UTS].present;
      if (!ok)
        return make_error (err, 0,
                           "config.json: linux.sysctl: \"%s\" is not in a separate kernel "
                           "namespace of the container",
                           key);
    }
  return 0;
}

/* Everything that can be refused before touching the host. */
static int
validate_config (struct create_ctx *x, ecirun_error_t *err)
{
  struct oci_config *c = x->config;
  const struct linux_config *lc = c->linux_cfg;
  const struct namespace_config *ns;

  if (c->process == NULL)
    return make_error (err, 0, "config.json: process must be set to create a container");
  if (lc == NULL)
    return make_error (err, 0, "config.json: linux must be set");
  if (isolation_check_namespaces (x->o->root, x->config->linux_cfg, &x->joined, err) < 0)
    return -1;
  ns = lc->namespaces;
  if (!ns[NS_MOUNT].present)
    return make_error (err, 0,
                       "config.json: the rootfs needs a new mount namespace "
                       "(linux.namespaces has no \"mount\")");
  if (c->hostname && *c->hostname && !ns[NS_UTS].present)
    return make_error (err, 0, "config.json: hostname needs a new uts namespace");
  if (lc->time_offsets.len && !(ns[NS_TIME].present && ns[NS_TIME].path == NULL))
    return make_error (err, 0, "config.json: linux.timeOffsets needs a new time namespace");
  if (validate_sysctl (lc, err) < 0)
    return -1;
  if (lc->seccomp && seccomp_validate (lc->seccomp, err) < 0)
    return error_wrap (err, "config.json");
  if (c->process->terminal && x->o->console_socket == NULL && !x->o->foreground)
    return make_error (err, 0,
                       "cannot allocate tty if ecirun will detach without setting "
                       "console socket");
  if (!c->process->terminal && x->o->console_socket)
    return make_error (err, 0,
                       "cannot use console socket if ecirun will not detach or "
                       "allocate tty");
  for (int t = 0; t < NS__MAX; t++)
    {
      if (!ns[t].present)
        continue;
      if (ns[t].path)
        x->ns_joined |= ns_type_clone_flag (t);
      else
        x->ns_new |= ns_type_clone_flag (t);
    }
  return 0;
}

static int
load_bundle (struct create_ctx *x, ecirun_error_t *err)
{
  char resolved[PATH_MAX];
  cleanup_free char *buf = NULL;
  cleanup_free char *config_path = NULL;
  cleanup_free char *root_path = NULL;
  size_t len;

  if (realpath (x->o->bundle ? x->o->bundle : ".", resolved) == NULL)
    return make_error (err, errno, "bundle `%s`", x->o->bundle ? x->o->bundle : ".");
  x->bundle = xstrdup (resolved);
  config_path = xasprintf ("%s/config.json", x->bundle);
  if (read_file_at (AT_FDCWD, config_path, &buf, &len, 16 << 20, err) < 0)
    return -1;
  if (config_parse (buf, len, config_path, &x->config, err) < 0)
    return -1;
  root_path = x->config->root.path[0] == '/' ? xstrdup (x->config->root.path)
                                             : xasprintf ("%s/%s", x->bundle, x->config->root.path);
  if (realpath (root_path, resolved) == NULL)
    return make_error (err, errno, "rootfs (%s) does not exist", root_path);
  x->rootfs = xstrdup (resolved);
  {
    struct stat sb;
    if (stat (x->rootfs, &sb) < 0 || !S_ISDIR (sb.st_mode))
      return make_error (err, ENOTDIR, "rootfs (%s)", x->rootfs);
  }
  if (validate_config (x, err) < 0)
    return -1;
  /* Keep a copy for delete (poststop hooks) once the bundle may be gone. */
  return 0;
}

/* Mappings from config.json must stay out of the ID pool: its blocks belong exclusively to the
   containers that hold their records (a config could otherwise name another container's IDs). */
static int
check_outside_pool (const struct ecirun_policy *p, const char *what, const struct id_mapping *m,
                    size_t n, uint32_t first, ecirun_error_t *err)
{
  uint64_t end = (uint64_t)first + p->pool_size;

  for (size_t i = 0; i < n; i++)
    if ((uint64_t)m[i].host_id < end && (uint64_t)m[i].host_id + m[i].size > first)
      return make_error (err, 0,
                         "config.json: linux.%s maps host IDs %" PRIu32 "-%" PRIu64
                         ", which overlap ecirun's ID pool (%" PRIu32 "-%" PRIu64 " in %s): "
                         "those IDs belong to the containers holding its blocks",
                         what, m[i].host_id, (uint64_t)m[i].host_id + m[i].size - 1, first, end - 1,
                         p->path);
  return 0;
}

/* A new user namespace without mappings from the config gets an exclusive ID block. */
static int
assign_ids (struct create_ctx *x, ecirun_error_t *err)
{
  struct linux_config *lc = x->config->linux_cfg;

  if (policy_load (&x->policy, err) < 0)
    return -1;
  x->policy_loaded = true;
  if (lc->namespaces[NS_USER].path)
    {
      /* Joined: the IDs are the holder's. Hold its block too, so that it is not handed out
         again while this container lives, whatever happens to the holder. */
      if (x->joined.holder_id == NULL)
        return 0;
      if (idblock_join (&x->policy, (uint32_t)x->joined.id_block, x->o->root, x->joined.holder_id,
                        x->o->root, x->o->id, err)
          < 0)
        return -1;
      x->block.index = (uint32_t)x->joined.id_block;
      x->block_held = true;
      x->state.id_block = x->joined.id_block;
      return 0;
    }
  if (lc->n_uid_mappings || lc->n_gid_mappings)
    {
      if (check_outside_pool (&x->policy, "uidMappings", lc->uid_mappings, lc->n_uid_mappings,
                              x->policy.uid_first, err)
              < 0
          || check_outside_pool (&x->policy, "gidMappings", lc->gid_mappings, lc->n_gid_mappings,
                                 x->policy.gid_first, err)
                 < 0)
        return -1;
      return 0;
    }
  if (idblock_allocate (&x->policy, x->o->root, x->o->id, &x->block, err) < 0)
    return -1;
  x->block_held = true;
  lc->uid_mappings = xmalloc0 (sizeof (struct id_mapping));
  lc->gid_mappings = xmalloc0 (sizeof (struct id_mapping));
  lc->uid_mappings[0] = (struct id_mapping){ 0, x->block.uid_base, x->block.size };
  lc->gid_mappings[0] = (struct id_mapping){ 0, x->block.gid_base, x->block.size };
  lc->n_uid_mappings = lc->n_gid_mappings = 1;
  x->state.id_block = (long long)x->block.index;
  return 0;
}

/* Before the device cgroup rules are replaced: an every-device list is told by its rules. */
static int
apply_device_policy (struct create_ctx *x, ecirun_error_t *err)
{
  struct linux_config *lc = x->config->linux_cfg;
  struct process_config *p = x->config->process;

  if (!x->policy_loaded)
    {
      if (policy_load (&x->policy, err) < 0)
        return -1;
      x->policy_loaded = true;
    }
  return devices_apply_policy (lc, devices_every_device_list (lc, p ? &p->capabilities : NULL),
                               x->policy.allowed_devices, x->policy.path, err);
}

static int
save_config_copy (struct create_ctx *x, ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  cleanup_free char *config_path = xasprintf ("%s/config.json", x->bundle);
  size_t len;

  if (read_file_at (AT_FDCWD, config_path, &buf, &len, 16 << 20, err) < 0)
    return -1;
  return write_file_at (x->dirfd, "config.json", buf, len, 0600, err);
}

static int
write_id_map (pid_t pid, const char *file, const struct id_mapping *m, size_t n,
              ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int)pid, file);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  for (size_t i = 0; i < n; i++)
    fprintf (f, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  fclose (f);
  /* One write: the kernel accepts a map only once, and only whole. */
  if (write_file_at (AT_FDCWD, path, buf, len, 0, err) < 0)
    return error_wrap (err, "write %s", file);
  return 0;
}

static int
write_time_offsets (pid_t pid, const struct kv_list *offsets, ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/timens_offsets", (int)pid);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  for (size_t i = 0; i < offsets->len; i++)
    fprintf (f, "%s %s\n", offsets->items[i].key, offsets->items[i].value);
  fclose (f);
  return write_file_at (AT_FDCWD, path, buf, len, 0, err);
}

static int
join_namespaces (const struct linux_config *lc, ecirun_error_t *err)
{
  /* The user namespace first: it owns the others and grants the rights to join them. */
  static const int order[]
      = { NS_USER, NS_PID, NS_NETWORK, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_MOUNT };

  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    {
      const struct namespace_config *ns = &lc->namespaces[order[i]];
      cleanup_close int fd = -1;

      if (!ns->present || ns->path == NULL)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return make_error (err, errno, "open %s namespace `%s`", ns_type_name (order[i]), ns->path);
      if (setns (fd, ns_type_clone_flag (order[i])) < 0)
        return make_error (err, errno, "join %s namespace `%s`", ns_type_name (order[i]), ns->path);
    }
  return 0;
}

static void
run_init (struct create_ctx *x, int fifo_fd)
{
  struct init_args a = {
    .config = x->config,
    .rootfs = x->rootfs,
    .sync_fd = x->sync[1],
    .fifo_fd = fifo_fd,
    .preserve_fds = x->o->preserve_fds,
    .no_pivot = x->o->no_pivot,
    .want_console = x->config->process->terminal,
    .ns_new = x->ns_new,
    .ns_joined = x->ns_joined,
    .vet_mounts = x->vet_mounts,
  };
  /* Our copies of the state directory fd would keep its lock held until exec. */
  close (x->sync[0]);
  close (x->dirfd);
  close (x->rootfd);
  if (x->console_sock >= 0)
    close (x->console_sock);
  init_run (&a);
}

/* Clone the init. Namespaces to join by path need an intermediate process that setns()
   first and then clones the init as our sibling-child (CLONE_PARENT), so that the init is
   always our direct child and never a child of anything that exits. */
static int
spawn_init (struct create_ctx *x, int fifo_fd, ecirun_error_t *err)
{
  struct clone_args args = { 0 };
  int cgfd = cgroup_clone_fd (x->cg);

  args.flags = x->ns_new & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
  args.exit_signal = SIGCHLD;
  if (cgfd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = cgfd;
    }
  if (x->ns_joined == 0)
    {
      x->pid = sys_clone3 (&args);
      if (x->pid < 0)
        return make_error (err, errno, "clone the container init");
      if (x->pid == 0)
        run_init (x, fifo_fd);
    }
  else
    {
      struct sync_msg m;
      pid_t mid = fork ();
      int status;

      if (mid < 0)
        return make_error (err, errno, "fork");
      if (mid == 0)
        {
          ecirun_error_t e = NULL;
          pid_t pid;
          char buf[32];

          /* Non-dumpable before joining the namespaces of another container, whose root must
             not ptrace host root (the init inherits it and keeps it until its execve). */
          if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
            make_error (&e, errno, "prctl(PR_SET_DUMPABLE)");
          if (e || join_namespaces (x->config->linux_cfg, &e) < 0)
            {
              sync_send (x->sync[1], SYNC_ERROR, e->msg, -1, NULL);
              _exit (1);
            }
          /* clone3 wants exit_signal 0 with CLONE_PARENT: the parent's own is inherited. */
          args.flags |= CLONE_PARENT;
          args.exit_signal = 0;
          pid = sys_clone3 (&args);
          if (pid == 0)
            run_init (x, fifo_fd);
          if (pid < 0)
            {
              make_error (&e, errno, "clone the container init");
              sync_send (x->sync[1], SYNC_ERROR, e->msg, -1, NULL);
              _exit (1);
            }
          snprintf (buf, sizeof (buf), "%d", (int)pid);
          sync_send (x->sync[1], SYNC_INIT_PID, buf, -1, NULL);
          _exit (0);
        }
      if (sync_expect (x->sync[0], SYNC_INIT_PID, &m, err) < 0)
        {
          waitpid (mid, &status, 0);
          return -1;
        }
      waitpid (mid, &status, 0);
      x->pid = atoi (m.payload);
    }
  x->pidfd = sys_pidfd_open (x->pid, 0);
  if (x->pidfd < 0)
    return make_error (err, errno, "pidfd_open(%d)", (int)x->pid);
  return 0;
}

static char *
state_json_now (struct create_ctx *x, enum container_status st)
{
  x->state.pid = x->pid;
  return state_to_json (&x->state, st, false);
}

static int
run_runtime_hooks (struct create_ctx *x, char **ret_json, ecirun_error_t *err)
{
  char *json = state_json_now (x, STATUS_CREATING);

  *ret_json = json;
  if (hooks_run (&x->config->hooks[HOOK_PRESTART], HOOK_PRESTART, json, err) < 0
      || hooks_run (&x->config->hooks[HOOK_CREATE_RUNTIME], HOOK_CREATE_RUNTIME, json, err) < 0)
    return -1;
  return 0;
}

/* The ids of the containers whose network and IPC namespaces this one joins: their files
   (hosts, resolv.conf, /dev/shm) are this one's too (allowedMounts {net} and {ipc}). */
static int
joined_ids (struct create_ctx *x, char ***ret_net, char ***ret_ipc, ecirun_error_t *err)
{
  const struct linux_config *lc = x->config->linux_cfg;
  struct nsjoin_owners o = { 0 };
  char **v[2];
  const enum ns_type types[2] = { NS_NETWORK, NS_IPC };

  if (lc->namespaces[NS_NETWORK].path == NULL && lc->namespaces[NS_IPC].path == NULL)
    return 0;
  if (nsjoin_find_owners (x->o->root, lc, &o, err) < 0)
    return -1;
  for (int k = 0; k < 2; k++)
    {
      size_t n = o.n[types[k]];
      v[k] = xmalloc0 ((n + 1) * sizeof (char *));
      for (size_t i = 0; i < n; i++)
        v[k][i] = xstrdup (o.m[types[k]][i].id);
    }
  nsjoin_owners_free (&o);
  *ret_net = v[0];
  *ret_ipc = v[1];
  return 0;
}

/* Answer the init's requests until it is ready to wait on exec.fifo. */
static int
drive_setup (struct create_ctx *x, ecirun_error_t *err)
{
  const struct linux_config *lc = x->config->linux_cfg;
  struct sync_msg m;
  uid_t root_uid;
  gid_t root_gid;

  if ((x->ns_new & CLONE_NEWUSER)
      && (write_id_map (x->pid, "uid_map", lc->uid_mappings, lc->n_uid_mappings, err) < 0
          || write_id_map (x->pid, "gid_map", lc->gid_mappings, lc->n_gid_mappings, err) < 0))
    return -1;
  if (cgroup_clone_fd (x->cg) < 0 && cgroup_enter (x->cg, x->pid, err) < 0)
    return -1;
  if (isolation_root_host_ids (x->pid, &root_uid, &root_gid) == 0
      && cgroup_delegate (x->cg, root_uid, root_gid, err) < 0)
    return -1;
  {
    cleanup_free char *state_root = realpath (x->o->root, NULL);
    cleanup_strv char **net_ids = NULL, **ipc_ids = NULL;
    struct mount_trees_ctx t = { .config = x->config,
                                 .rootfs = x->rootfs,
                                 .bundle = x->bundle,
                                 .id = x->o->id,
                                 .state_root = state_root ? state_root : x->o->root,
                                 .policy = &x->policy };
    if (joined_ids (x, &net_ids, &ipc_ids, err) < 0)
      return -1;
    t.net_ids = net_ids;
    t.ipc_ids = ipc_ids;
    log_msg (LOG_LEVEL_DEBUG, "create: ID maps written, checking and sending the mounts");
    if (mount_trees_send (&t, x->pid, x->sync[0], err) < 0)
      return -1;
    log_msg (LOG_LEVEL_DEBUG, "create: mounts sent");
  }
  /* Lowering it needs CAP_SYS_RESOURCE on the host, which the init does not have. */
  if (x->config->process->oom_score_adj.set)
    {
      cleanup_free char *path = xasprintf ("/proc/%d/oom_score_adj", (int)x->pid);
      cleanup_free char *v = xasprintf ("%lld", (long long)x->config->process->oom_score_adj.v);
      if (write_file_at (AT_FDCWD, path, v, strlen (v), 0, err) < 0)
        return error_wrap (err, "process.oomScoreAdj");
    }
  if (sync_send (x->sync[0], SYNC_MAPPED, NULL, -1, err) < 0)
    return -1;
  for (;;)
    {
      if (sync_recv (x->sync[0], &m, err) < 0)
        return -1;
      switch (m.stage)
        {
        case SYNC_TIMENS:
          if (write_time_offsets (x->pid, &lc->time_offsets, err) < 0
              || sync_send (x->sync[0], SYNC_TIMENS_DONE, NULL, -1, err) < 0)
            return -1;
          break;
        case SYNC_MOUNTS_DONE:
          log_msg (LOG_LEVEL_DEBUG, "create: init at %s", sync_stage_name (m.stage));
          {
            cleanup_free char *json = NULL;
            if (run_runtime_hooks (x, &json, err) < 0
                || sync_send (x->sync[0], SYNC_HOOKS_DONE, json, -1, err) < 0)
              return -1;
            break;
          }
        case SYNC_CONSOLE_FD:
          if (setup_console_fd (x->sync[0], x->console_sock, m.fd, &x->console_master, err) < 0)
            return -1;
          break;
        case SYNC_HOST_FS:
          if (isolation_send_host_mounts (x->pid, m.payload, x->sync[0], err) < 0)
            return -1;
          break;
        case SYNC_LOCK_MOUNTS:
          log_msg (LOG_LEVEL_DEBUG, "create: init at %s", sync_stage_name (m.stage));
          {
            int ns = isolation_locked_mntns (x->pid, err);
            int r = ns < 0 ? -1 : sync_send (x->sync[0], SYNC_MNTNS_FD, NULL, ns, err);
            if (ns >= 0)
              close (ns);
            if (r < 0)
              return -1;
            break;
          }
        case SYNC_SECCOMP_FD:
          {
            cleanup_free char *st = state_json_now (x, STATUS_CREATING);
            if (setup_seccomp_fd (x->sync[0], lc->seccomp, x->pid, st, m.fd, err) < 0)
              return -1;
            break;
          }
        case SYNC_VETTING_FD:
          log_msg (LOG_LEVEL_DEBUG, "create: init at %s", sync_stage_name (m.stage));
          {
            /* The sidecar takes the listener; no copy of it stays with the runtime. */
            int r = m.fd < 0 || !x->vet_mounts
                        ? make_error (err, 0, "sync: unexpected mount-vetting listener")
                        : sidecar_start (x->o->id, x->state_dir, x->sidecar_cg, x->pidfd, m.fd,
                                         &x->state.sidecar.pid, &x->sidecar_ready, err);
            if (m.fd >= 0)
              close (m.fd);
            if (r < 0)
              return -1;
            x->state.sidecar.start_time = proc_start_time (x->state.sidecar.pid, NULL);
            if (sync_send (x->sync[0], SYNC_FD_RECEIVED, NULL, -1, err) < 0)
              return -1;
            break;
          }
        default:
          {
            int r = setup_common_stage (&m, err);
            if (r != 0)
              return r > 0 ? 0 : -1;
          }
        }
    }
}

static void
create_ctx_cleanup (struct create_ctx *x, bool failed)
{
  if (failed)
    {
      ecirun_error_t e = NULL;
      if (x->pidfd >= 0)
        sys_pidfd_send_signal (x->pidfd, SIGKILL);
      if (x->pid > 0)
        waitpid (x->pid, NULL, 0);
      if (x->cg && cgroup_destroy (x->cg, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
      /* Its cgroup holds it (and its helpers), recorded pid or not. */
      if (x->sidecar_cg && cgroup_destroy (x->sidecar_cg, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
      if (x->block_held
          && idblock_release (&x->policy, x->block.index, x->o->root, x->o->id, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
      if (x->dirfd >= 0 && state_remove_dir (x->rootfd, x->o->id, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
      if (x->console_master >= 0)
        close (x->console_master);
      if (x->pidfd >= 0)
        close (x->pidfd);
    }
  for (int i = 0; i < 2; i++)
    if (x->sync[i] >= 0)
      close (x->sync[i]);
  if (x->console_sock >= 0)
    close (x->console_sock);
  if (x->dirfd >= 0)
    close (x->dirfd);
  if (x->rootfd >= 0)
    close (x->rootfd);
  isolation_joined_release (&x->joined);
  if (x->policy_loaded)
    policy_release (&x->policy);
  cgroup_free (x->cg);
  if (x->sidecar_ready >= 0)
    close (x->sidecar_ready);
  cgroup_free (x->sidecar_cg);
  free (x->state_dir);
  config_free (x->config);
  free (x->bundle);
  free (x->rootfs);
  free (x->state.created);
  free (x->state.owner);
}

int
container_create (const struct create_opts *o, struct created_container *ret, ecirun_error_t *err)
{
  struct create_ctx x = { .o = o,
                          .rootfd = -1,
                          .dirfd = -1,
                          .sync = { -1, -1 },
                          .console_sock = -1,
                          .pidfd = -1,
                          .console_master = -1,
                          .sidecar_ready = -1,
                          .joined = { .userns_fd = -1, .id_block = -1 } };
  cleanup_close int fifo_fd = -1;
  char created[64];
  int r = -1;

  if (state_validate_id (o->id, err) < 0 || fds_check_preserved (o->preserve_fds, err) < 0
      || load_bundle (&x, err) < 0)
    goto out;
  if (o->console_socket)
    {
      x.console_sock = terminal_connect_socket (o->console_socket, err);
      if (x.console_sock < 0)
        goto out;
    }
  x.rootfd = state_open_root (o->root, true, err);
  if (x.rootfd < 0)
    goto out;
  if (state_create_dir (x.rootfd, o->id, &x.dirfd, err) < 0)
    goto out;

  format_rfc3339_now (created, sizeof (created));
  x.state.id = (char *)o->id;
  x.state.bundle = x.bundle;
  x.state.rootfs = x.rootfs;
  x.state.created = xstrdup (created);
  x.state.owner = owner_name ();
  x.state.annotations = x.config->annotations;
  x.state.id_block = -1;
  log_msg (LOG_LEVEL_DEBUG, "create: bundle loaded, state directory made");
  if (save_config_copy (&x, err) < 0 || assign_ids (&x, err) < 0)
    goto out;
  log_msg (LOG_LEVEL_DEBUG, "create: ID block %lld held", (long long)x.state.id_block);
  if (apply_device_policy (&x, err) < 0)
    goto out;
  devices_set_cgroup_rules (x.config->linux_cfg);
  if (cgroup_create (x.config->linux_cfg->cgroups_path, o->id, x.config->linux_cfg->resources,
                     &x.cg, err)
      < 0)
    goto out;
  x.state.cgroup_path = (char *)cgroup_get_path (x.cg);
  log_msg (LOG_LEVEL_DEBUG, "create: cgroup %s made", x.state.cgroup_path);
  x.vet_mounts = sidecar_wanted (x.config, &x.policy);
  if (x.vet_mounts)
    {
      cleanup_free char *root = realpath (o->root, NULL);
      x.state_dir = xasprintf ("%s/%s", root ? root : o->root, o->id);
      if (sidecar_prepare (x.config, o->id, x.dirfd, &x.sidecar_cg, err) < 0)
        goto out;
      x.state.sidecar.cgroup_path = (char *)cgroup_get_path (x.sidecar_cg);
    }
  /* Recorded before the init exists, so that a create killed halfway can be deleted. */
  log_msg (LOG_LEVEL_DEBUG, "create: sidecar cgroup ready");
  if (state_write (x.dirfd, &x.state, err) < 0)
    goto out;
  if (mkfifoat (x.dirfd, "exec.fifo", 0622) < 0)
    {
      make_error (err, errno, "create exec.fifo");
      goto out;
    }
  fifo_fd = openat (x.dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
  /* mkfifo applies the umask; a container user other than root must be able to write it. */
  if (fifo_fd < 0 || fchmodat (x.dirfd, "exec.fifo", 0622, 0) < 0)
    {
      make_error (err, errno, "open exec.fifo");
      goto out;
    }
  if (chdir (x.bundle) < 0)
    {
      make_error (err, errno, "chdir to bundle `%s`", x.bundle);
      goto out;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x.sync) < 0)
    {
      make_error (err, errno, "socketpair");
      goto out;
    }
  /* The phases, in the words runc's --debug log uses (its test suite looks for them). */
  log_msg (LOG_LEVEL_DEBUG, "nsexec container setup: cloning the init of %s", o->id);
  if (spawn_init (&x, fifo_fd, err) < 0)
    goto out;
  close (x.sync[1]);
  x.sync[1] = -1;
  log_msg (LOG_LEVEL_DEBUG, "child process in init(): pid %d, setting up the container",
           (int)x.pid);
  if (drive_setup (&x, err) < 0)
    goto out;
  x.state.pid = x.pid;
  x.state.start_time = proc_start_time (x.pid, NULL);
  if (state_write (x.dirfd, &x.state, err) < 0)
    goto out;
  /* The sidecar started while the init finished its setup (and the state was written). */
  if (x.sidecar_ready >= 0
      && sidecar_wait_ready (TAKE_FD (x.sidecar_ready), x.state.sidecar.pid, err) < 0)
    goto out;
  log_msg (LOG_LEVEL_DEBUG, "init: closing the pipe to signal completion: %s is created", o->id);
  if (o->pid_file && write_pid_file (o->pid_file, x.pid, err) < 0)
    goto out;
  if (ret)
    {
      ret->pid = x.pid;
      ret->pidfd = TAKE_FD (x.pidfd);
      ret->console_master = TAKE_FD (x.console_master);
    }
  else if (x.pidfd >= 0)
    close (TAKE_FD (x.pidfd));
  r = 0;
out:
  x.state.annotations = (struct kv_list){ 0 };
  create_ctx_cleanup (&x, r < 0);
  return r;
}
