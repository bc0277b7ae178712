/* The FUSE server (procemul.h): the static tree of emulated files, the low-level operations,
   and the loop. Every open renders the file once into its handle, and reads at any offset are
   served from that snapshot (direct_io: the kernel neither caches the text nor trusts the
   size, so readers that stat first still read it all). */
#include <config.h>
#include "pe_server.h"
#include "policy.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The admin policy's switches are these groups, bit for bit. */
_Static_assert(POLICY_EMULATE_MEMORY == PROCEMUL_MEMORY && POLICY_EMULATE_CPU == PROCEMUL_CPU
                   && POLICY_EMULATE_UPTIME == PROCEMUL_UPTIME
                   && POLICY_EMULATE_LOADAVG == PROCEMUL_LOADAVG
                   && POLICY_EMULATE_DISKSTATS == PROCEMUL_DISKSTATS
                   && POLICY_EMULATE_SYSCTL == PROCEMUL_SYSCTL
                   && POLICY_EMULATE_SYS_KERNEL == PROCEMUL_SYS_KERNEL
                   && POLICY_EMULATE_DMI == PROCEMUL_DMI && POLICY_EMULATE_ALL == PROCEMUL_ALL,
               "policy.h and procemul.h disagree on the emulation groups");

/* ---- the static tree ---- */

enum
{
  N_FILE,
  N_DIR,
  N_SYSCTL, /* proc/sys: its own part */
};

struct node
{
  fuse_ino_t parent;
  const char *name;
  int type;
  unsigned group; /* 0: shown whatever is switched off (if anything below is shown) */
  enum pe_file file;
  mode_t mode;
};

/* ino = index + 1; parents come before their children. */
static const struct node tree[] = {
  /* 1 */ { 0, "", N_DIR, 0, 0, 0555 },
  /* 2 */ { 1, "proc", N_DIR, 0, 0, 0555 },
  /* 3 */ { 2, "meminfo", N_FILE, PROCEMUL_MEMORY, PE_FILE_MEMINFO, 0444 },
  /* 4 */ { 2, "cpuinfo", N_FILE, PROCEMUL_CPU, PE_FILE_CPUINFO, 0444 },
  /* 5 */ { 2, "stat", N_FILE, PROCEMUL_CPU, PE_FILE_STAT, 0444 },
  /* 6 */ { 2, "uptime", N_FILE, PROCEMUL_UPTIME, PE_FILE_UPTIME, 0444 },
  /* 7 */ { 2, "loadavg", N_FILE, PROCEMUL_LOADAVG, PE_FILE_LOADAVG, 0444 },
  /* 8 */ { 2, "swaps", N_FILE, PROCEMUL_MEMORY, PE_FILE_SWAPS, 0444 },
  /* 9 */ { 2, "diskstats", N_FILE, PROCEMUL_DISKSTATS, PE_FILE_DISKSTATS, 0444 },
  /* 10 */ { 2, "sys", N_SYSCTL, PROCEMUL_SYSCTL, 0, 0555 },
  /* 11 */ { 1, "sys", N_DIR, 0, 0, 0555 },
  /* 12 */ { 11, "devices", N_DIR, 0, 0, 0555 },
  /* 13 */ { 12, "system", N_DIR, PROCEMUL_CPU, 0, 0555 },
  /* 14 */ { 13, "cpu", N_DIR, PROCEMUL_CPU, 0, 0555 },
  /* 15 */ { 14, "online", N_FILE, PROCEMUL_CPU, PE_FILE_CPU_ONLINE, 0444 },
  /* 16 */ { 12, "virtual", N_DIR, PROCEMUL_DMI, 0, 0555 },
  /* 17 */ { 16, "dmi", N_DIR, PROCEMUL_DMI, 0, 0555 },
  /* 18 */ { 17, "id", N_DIR, PROCEMUL_DMI, 0, 0555 },
  /* 19 */ { 18, "product_uuid", N_FILE, PROCEMUL_DMI, PE_FILE_PRODUCT_UUID, 0400 },
  /* 20 */ { 11, "kernel", N_DIR, PROCEMUL_SYS_KERNEL, 0, 0555 },
  /* 21 */ { 20, "security", N_DIR, PROCEMUL_SYS_KERNEL, 0, 0555 },
  /* 22 */ { 20, "debug", N_DIR, PROCEMUL_SYS_KERNEL, 0, 0555 },
  /* 23 */ { 20, "tracing", N_DIR, PROCEMUL_SYS_KERNEL, 0, 0555 },
  /* 24 */ { 20, "config", N_DIR, PROCEMUL_SYS_KERNEL, 0, 0555 },
};
#define NNODES (sizeof (tree) / sizeof (tree[0]))

/* Is static node ino (1-based) served: its group is on, and for a group-less directory,
   something below it is. */
static bool
node_shown (const struct procemul_server *s, fuse_ino_t ino)
{
  const struct node *n = &tree[ino - 1];

  if (n->group)
    return (s->groups & n->group) != 0;
  for (size_t i = ino; i < NNODES; i++)
    if (tree[i].parent == ino && node_shown (s, i + 1))
      return true;
  return ino == 1;
}

static bool
static_ino (fuse_ino_t ino)
{
  return ino >= 1 && ino <= NNODES;
}

void
pe_fill_attr (struct procemul_server *s, struct stat *st, fuse_ino_t ino, mode_t mode, off_t size)
{
  memset (st, 0, sizeof (*st));
  st->st_ino = ino;
  st->st_mode = mode;
  st->st_nlink = S_ISDIR (mode) ? 2 : 1;
  st->st_uid = s->uid;
  st->st_gid = s->gid;
  st->st_size = size;
  st->st_blksize = 4096;
  st->st_atim = st->st_mtim = st->st_ctim = s->start;
}

static void
static_attr (struct procemul_server *s, fuse_ino_t ino, struct stat *st)
{
  const struct node *n = &tree[ino - 1];
  bool sys = ino >= 11;

  if (n->type == N_FILE)
    /* procfs says 0 bytes, sysfs a page: what readers of the real files are used to. */
    pe_fill_attr (s, st, ino, S_IFREG | n->mode, sys ? 4096 : 0);
  else
    pe_fill_attr (s, st, n->type == N_SYSCTL ? PE_INO_SYSCTL : ino, S_IFDIR | n->mode, 0);
}

void
pe_handle_free (struct pe_handle *h)
{
  if (h == NULL)
    return;
  free (h->data);
  if (h->fd >= 0)
    close (h->fd);
  for (size_t i = 0; i < h->nents; i++)
    free (h->ents[i].name);
  free (h->ents);
  free (h);
}

static struct pe_handle *
handle_new (int kind)
{
  struct pe_handle *h = xmalloc0 (sizeof (*h));
  h->kind = kind;
  h->fd = -1;
  return h;
}

/* ---- operations ---- */

static void
op_init (void *userdata, struct fuse_conn_info *conn)
{
  /* Small requests answered from memory: no splicing, no kernel page cache to invalidate. */
  conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE
                  | FUSE_CAP_AUTO_INVAL_DATA);
  /* O_TRUNC of a sysctl (echo 1 > file) arrives with the open, not as a setattr. */
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void
op_lookup (fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct fuse_entry_param e;
  int r;

  memset (&e, 0, sizeof (e));
  if (parent >= PE_INO_SYSCTL)
    {
      r = pe_sysctlfs_lookup (s, parent - PE_INO_SYSCTL, name, &e);
      if (r < 0)
        fuse_reply_err (req, -r);
      else
        fuse_reply_entry (req, &e);
      return;
    }
  if (static_ino (parent))
    for (size_t i = parent; i < NNODES; i++)
      if (tree[i].parent == parent && strcmp (tree[i].name, name) == 0 && node_shown (s, i + 1))
        {
          e.ino = tree[i].type == N_SYSCTL ? PE_INO_SYSCTL : i + 1;
          e.attr_timeout = e.entry_timeout = PE_STATIC_TIMEOUT;
          static_attr (s, i + 1, &e.attr);
          fuse_reply_entry (req, &e);
          return;
        }
  /* The static tree never grows: the kernel may remember that a name is not there. */
  e.ino = 0;
  e.entry_timeout = PE_STATIC_TIMEOUT;
  fuse_reply_entry (req, &e);
}

static void
op_getattr (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct stat st;
  int r;

  if (ino >= PE_INO_SYSCTL)
    {
      r = pe_sysctlfs_getattr (s, ino - PE_INO_SYSCTL, &st);
      if (r < 0)
        fuse_reply_err (req, -r);
      else
        fuse_reply_attr (req, &st, ino == PE_INO_SYSCTL ? PE_STATIC_TIMEOUT : PE_SYSCTL_TIMEOUT);
      return;
    }
  if (!static_ino (ino))
    {
      fuse_reply_err (req, ENOENT);
      return;
    }
  static_attr (s, ino, &st);
  fuse_reply_attr (req, &st, PE_STATIC_TIMEOUT);
}

/* A truncation that comes as a setattr (kernels without atomic O_TRUNC): sysctls ignore it. */
static void
op_setattr (fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
            struct fuse_file_info *fi)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct stat st;

  if (ino < PE_INO_SYSCTL || to_set != FUSE_SET_ATTR_SIZE || attr->st_size != 0
      || pe_sysctlfs_getattr (s, ino - PE_INO_SYSCTL, &st) < 0)
    {
      fuse_reply_err (req, EPERM);
      return;
    }
  fuse_reply_attr (req, &st, PE_SYSCTL_TIMEOUT);
}

static void
op_open (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct pe_handle *h;
  struct pe_buf b = { 0 };
  int r;

  if (ino >= PE_INO_SYSCTL)
    {
      h = handle_new (PE_H_BUF);
      r = pe_sysctlfs_open (s, ino - PE_INO_SYSCTL, fi->flags, h);
      if (r < 0)
        {
          pe_handle_free (h);
          fuse_reply_err (req, -r);
          return;
        }
    }
  else
    {
      if (!static_ino (ino) || tree[ino - 1].type != N_FILE || !node_shown (s, ino))
        {
          fuse_reply_err (req, static_ino (ino) ? EISDIR : ENOENT);
          return;
        }
      if ((fi->flags & O_ACCMODE) != O_RDONLY)
        {
          fuse_reply_err (req, EACCES);
          return;
        }
      r = pe_collect_render (s->collect, tree[ino - 1].file, &b);
      if (r < 0)
        {
          pe_buf_free (&b);
          fuse_reply_err (req, -r);
          return;
        }
      h = handle_new (PE_H_BUF);
      h->data = pe_buf_steal (&b, &h->len);
    }
  fi->fh = (uint64_t)(uintptr_t)h;
  fi->direct_io = 1;
  fi->keep_cache = 0;
  /* Nothing to do at close(2) but the (asynchronous) release: spare the reader a FLUSH. */
  fi->noflush = 1;
  if (fuse_reply_open (req, fi) == -ENOENT)
    pe_handle_free (h); /* interrupted: the kernel will not release it */
}

static void
op_read (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  struct pe_handle *h = (struct pe_handle *)(uintptr_t)fi->fh;

  if (h->kind == PE_H_FD)
    {
      char *buf = malloc (size ? size : 1);
      ssize_t n;

      if (buf == NULL)
        {
          fuse_reply_err (req, ENOMEM);
          return;
        }
      n = pread (h->fd, buf, size, off);
      if (n < 0)
        fuse_reply_err (req, errno);
      else
        fuse_reply_buf (req, buf, (size_t)n);
      free (buf);
      return;
    }
  if (off < 0 || (size_t)off >= h->len)
    {
      fuse_reply_buf (req, NULL, 0);
      return;
    }
  if (size > h->len - (size_t)off)
    size = h->len - (size_t)off;
  fuse_reply_buf (req, h->data + off, size);
}

static void
op_write (fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
          struct fuse_file_info *fi)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct pe_handle *h = (struct pe_handle *)(uintptr_t)fi->fh;
  ssize_t r = ino >= PE_INO_SYSCTL ? pe_sysctlfs_write (s, h, buf, size, off) : -EACCES;

  if (r < 0)
    fuse_reply_err (req, (int)-r);
  else
    fuse_reply_write (req, (size_t)r);
}

static void
op_release (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  pe_handle_free ((struct pe_handle *)(uintptr_t)fi->fh);
  fuse_reply_err (req, 0);
}

static void
dir_add (struct pe_handle *h, const char *name, fuse_ino_t ino, mode_t type)
{
  h->ents = xrealloc (h->ents, (h->nents + 1) * sizeof (*h->ents));
  h->ents[h->nents].name = xstrdup (name);
  h->ents[h->nents].ino = ino;
  h->ents[h->nents].type = type;
  h->nents++;
}

static void
op_opendir (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct procemul_server *s = fuse_req_userdata (req);
  struct pe_handle *h = handle_new (PE_H_DIR);
  int r = 0;

  if (ino >= PE_INO_SYSCTL)
    r = pe_sysctlfs_opendir (s, ino - PE_INO_SYSCTL, h);
  else if (!static_ino (ino) || tree[ino - 1].type != N_DIR)
    r = -ENOTDIR;
  else
    {
      dir_add (h, ".", ino, S_IFDIR);
      dir_add (h, "..", tree[ino - 1].parent ? tree[ino - 1].parent : 1, S_IFDIR);
      for (size_t i = ino; i < NNODES; i++)
        if (tree[i].parent == ino && node_shown (s, i + 1))
          dir_add (h, tree[i].name, tree[i].type == N_SYSCTL ? PE_INO_SYSCTL : i + 1,
                   tree[i].type == N_FILE ? S_IFREG : S_IFDIR);
    }
  if (r < 0)
    {
      pe_handle_free (h);
      fuse_reply_err (req, -r);
      return;
    }
  fi->fh = (uint64_t)(uintptr_t)h;
  if (fuse_reply_open (req, fi) == -ENOENT)
    pe_handle_free (h);
}

static void
op_readdir (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  struct pe_handle *h = (struct pe_handle *)(uintptr_t)fi->fh;
  char *buf = malloc (size ? size : 1);
  size_t used = 0;

  if (buf == NULL)
    {
      fuse_reply_err (req, ENOMEM);
      return;
    }
  for (size_t i = off < 0 ? 0 : (size_t)off; i < h->nents; i++)
    {
      struct stat st = { .st_ino = h->ents[i].ino, .st_mode = h->ents[i].type };
      size_t n
          = fuse_add_direntry (req, buf + used, size - used, h->ents[i].name, &st, (off_t)(i + 1));
      if (n > size - used)
        break;
      used += n;
    }
  fuse_reply_buf (req, buf, used);
  free (buf);
}

static void
op_releasedir (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  pe_handle_free ((struct pe_handle *)(uintptr_t)fi->fh);
  fuse_reply_err (req, 0);
}

static const struct fuse_lowlevel_ops ops = {
  .init = op_init,
  .lookup = op_lookup,
  .getattr = op_getattr,
  .setattr = op_setattr,
  .open = op_open,
  .read = op_read,
  .write = op_write,
  .release = op_release,
  .opendir = op_opendir,
  .readdir = op_readdir,
  .releasedir = op_releasedir,
};

/* ---- the server ---- */

/* The container's namespace of type `type` ("user"), or -1 when it is the server's own. */
static int
foreign_ns (pid_t pid, const char *type)
{
  char path[64];
  struct stat a, b;
  int fd;

  snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)pid, type);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  snprintf (path, sizeof (path), "/proc/self/ns/%s", type);
  if (fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static bool
pidfd_alive (int pidfd)
{
  return syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

void
procemul_server_free (struct procemul_server *s)
{
  if (s == NULL)
    return;
  if (s->se)
    fuse_session_destroy (s->se); /* closes fuse_fd */
  else if (s->fuse_fd >= 0)
    close (s->fuse_fd);
  if (s->stop_efd >= 0)
    close (s->stop_efd);
  if (s->nsfd_user >= 0)
    close (s->nsfd_user);
  if (s->nsfd_pid >= 0)
    close (s->nsfd_pid);
  pe_collect_free (s->collect);
  pe_sysctlfs_free (s);
  pe_sysctl_store_release (&s->store);
  free (s);
}

int
procemul_server_new (const struct procemul_config *cfg, int fuse_fd, struct procemul_server **ret,
                     ecirun_error_t *err)
{
  struct procemul_server *s = xmalloc0 (sizeof (*s));
  struct pe_collect_config cc = cfg->cgroup;
  unsigned long long start_ticks;
  char fdname[32];
  char *argv[] = { (char *)"procemul", NULL };
  struct fuse_args args = FUSE_ARGS_INIT (1, argv);
  bool zombie;

  s->fuse_fd = fuse_fd;
  s->stop_efd = s->nsfd_user = s->nsfd_pid = s->sysfd = -1;
  s->pidfd = cfg->init_pidfd;
  s->init_pid = cfg->init_pid;
  s->uid = cfg->uid;
  s->gid = cfg->gid;
  s->groups = cfg->groups & PROCEMUL_ALL;
  clock_gettime (CLOCK_REALTIME, &s->start);

  /* The container booted when its init started; the pidfd proves the pid still names it. */
  start_ticks = proc_start_time (cfg->init_pid, &zombie);
  if (start_ticks == 0 || !pidfd_alive (cfg->init_pidfd))
    {
      make_error (err, ESRCH, "proc-emul: the container's init (pid %d)", (int)cfg->init_pid);
      goto fail;
    }
  cc.start_ns = start_ticks * (1000000000ull / (unsigned long long)sysconf (_SC_CLK_TCK));
  cc.id = cfg->id;
  s->nsfd_user = foreign_ns (cfg->init_pid, "user");
  s->nsfd_pid = foreign_ns (cfg->init_pid, "pid");
  if (!pidfd_alive (cfg->init_pidfd))
    {
      make_error (err, ESRCH, "proc-emul: the container's init (pid %d)", (int)cfg->init_pid);
      goto fail;
    }
  if (pe_collect_new (&cc, &s->collect, err) < 0)
    goto fail;
  if ((s->groups & PROCEMUL_SYSCTL) && pe_sysctlfs_init (s, cfg->host_sysctl, err) < 0)
    goto fail;
  s->stop_efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  atomic_init (&s->stopping, false);
  atomic_init (&s->running, false);
  if (s->stop_efd < 0)
    {
      make_error (err, errno, "proc-emul: eventfd");
      goto fail;
    }
  s->se = fuse_session_new (&args, &ops, sizeof (ops), s);
  fuse_opt_free_args (&args);
  if (s->se == NULL)
    {
      make_error (err, 0, "proc-emul: fuse_session_new failed");
      goto fail;
    }
  /* libfuse takes "/dev/fd/N" as an already mounted /dev/fuse. */
  snprintf (fdname, sizeof (fdname), "/dev/fd/%d", fuse_fd);
  if (fuse_session_mount (s->se, fdname) < 0)
    {
      make_error (err, 0, "proc-emul: fuse_session_mount %s failed", fdname);
      goto fail;
    }
  *ret = s;
  return 0;

fail:
  procemul_server_free (s);
  return -1;
}

void
procemul_server_stop (struct procemul_server *s)
{
  uint64_t one = 1;
  ssize_t n;

  atomic_store (&s->stopping, true);
  n = write (s->stop_efd, &one, sizeof (one));
  (void)n;
  if (atomic_load (&s->running))
    pthread_kill (s->thread, PROCEMUL_WAKE_SIGNAL);
}

/* Serve on the container's CPUs (called by the serving thread only): its readers wake the server
   where they run (a wake-up on an idle other CPU costs several times a FUSE round trip on a VM),
   and a container reading in a tight loop spends its own CPUs. Failures (a sidecar confined
   elsewhere) are harmless. */
static void
pin_to_container (struct procemul_server *s)
{
  struct pe_cpuview v;
  cpu_set_t set;
  bool any = false;

  if (pe_collect_cpuview (s->collect, &v) < 0)
    return;
  CPU_ZERO (&set);
  for (unsigned c = pe_cpuset_next (&v.allowed, 0); c < PE_MAX_CPUS && c < CPU_SETSIZE;
       c = pe_cpuset_next (&v.allowed, c + 1))
    {
      CPU_SET (c, &set);
      any = true;
    }
  if (any && !CPU_EQUAL (&set, &s->pinned))
    {
      if (pthread_setaffinity_np (s->thread, sizeof (set), &set) == 0)
        s->pinned = set;
    }
}

static void
on_wake (int sig)
{
  (void)sig;
}

/* The ticker: a load sample every 5 s, whether or not anyone reads; and, once stopping, a
   wake-up signal to the serving thread until it has left its read (the signal may land
   between its check of the flag and the read). */
static void *
ticker (void *arg)
{
  struct procemul_server *s = arg;

  while (atomic_load (&s->running))
    {
      uint64_t wait_ns = 50000000u, v;
      struct pollfd p = { .fd = s->stop_efd, .events = POLLIN };
      ssize_t n;

      if (atomic_load (&s->stopping))
        pthread_kill (s->thread, PROCEMUL_WAKE_SIGNAL);
      else if (s->groups & PROCEMUL_LOADAVG)
        wait_ns = pe_collect_load_sample (s->collect);
      else
        wait_ns = 3600000000000ull;
      poll (&p, 1, (int)(wait_ns / 1000000u) + 1);
      n = read (s->stop_efd, &v, sizeof (v)); /* non-blocking: drain the wake-up */
      (void)n;
    }
  return NULL;
}

int
procemul_server_run (struct procemul_server *s, ecirun_error_t *err)
{
  struct fuse_buf buf = { .mem = NULL };
  struct sigaction sa = { .sa_handler = on_wake }; /* no SA_RESTART: read returns EINTR */
  sigset_t wake;
  pthread_t tick;
  time_t last_pin;
  int ret = 0, r;

  /* /proc/sys/net, kernel.hostname, kernel.shm* follow the reader's namespaces: this thread's. */
  if (setns (s->pidfd, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
    return make_error (err, errno,
                       "proc-emul: enter the network, IPC and UTS namespaces of the "
                       "container's init");
  sigemptyset (&sa.sa_mask);
  sigaction (PROCEMUL_WAKE_SIGNAL, &sa, NULL);
  sigemptyset (&wake);
  sigaddset (&wake, PROCEMUL_WAKE_SIGNAL);
  pthread_sigmask (SIG_UNBLOCK, &wake, NULL);
  s->thread = pthread_self ();
  CPU_ZERO (&s->pinned);
  pin_to_container (s);
  {
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC_COARSE, &now);
    last_pin = now.tv_sec;
  }
  atomic_store (&s->running, true);
  if ((r = pthread_create (&tick, NULL, ticker, s)) != 0)
    {
      atomic_store (&s->running, false);
      return make_error (err, r, "proc-emul: start the ticker thread");
    }

  while (!atomic_load (&s->stopping))
    {
      r = fuse_session_receive_buf (s->se, &buf);
      if (r == -EINTR || r == -EAGAIN)
        continue;
      if (r == 0 || r == -ENODEV)
        break; /* unmounted */
      if (r < 0)
        {
          ret = make_error (err, -r, "proc-emul: read /dev/fuse");
          break;
        }
      /* A cpuset can change (update --cpuset-cpus): follow it, every few seconds of serving.
         The collector is this thread's only. */
      {
        struct timespec now;
        clock_gettime (CLOCK_MONOTONIC_COARSE, &now);
        if (now.tv_sec - last_pin >= 5)
          {
            pin_to_container (s);
            last_pin = now.tv_sec;
          }
      }
      fuse_session_process_buf (s->se, &buf);
      if (fuse_session_exited (s->se))
        break;
    }
  atomic_store (&s->running, false);
  procemul_server_stop (s); /* wakes the ticker */
  pthread_join (tick, NULL);
  free (buf.mem);
  return ret;
}

int
procemul_mount (const char *target, uid_t uid, gid_t gid, ecirun_error_t *err)
{
  char opts[256];
  int fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return make_error (err, errno, "proc-emul: open /dev/fuse");
  snprintf (opts, sizeof (opts),
            "fd=%d,rootmode=40555,user_id=%u,group_id=%u,allow_other,default_permissions", fd,
            (unsigned)uid, (unsigned)gid);
  if (mount ("procemul", target, "fuse.procemul", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
    {
      int e = errno;
      close (fd);
      return make_error (err, e, "proc-emul: mount fuse on `%s`", target);
    }
  return fd;
}
