/* Unit tests for the config.json parser (config.c, config_resources.c) and the default spec. */
#include <config.h>
/* By path: a plain "config.h" would find autoconf's header first from this directory. */
#include "../../src/libecirun/config.h"
#include "spec.h"
#include "utils.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define BASE    "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"}, "
#define PROC_OK "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"

static struct oci_config *
parse (const char *json, ecirun_error_t *err)
{
  struct oci_config *c = NULL;
  if (config_parse (json, strlen (json), "config.json", &c, err) < 0)
    return NULL;
  return c;
}

/* The parse must fail with a one-line message that starts with the origin and contains want. */
static void
expect_error (const char *json, const char *want)
{
  ecirun_error_t err = NULL;
  struct oci_config *c = parse (json, &err);
  const char *msg = err ? err->msg : NULL;
  bool ok = c == NULL && msg && strncmp (msg, "config.json: ", 13) == 0 && strstr (msg, want)
            && strchr (msg, '\n') == NULL;

  TAP_OK (ok, "error: %s", want);
  if (!ok)
    printf ("#   got: %s\n", msg ? msg : "(no error)");
  config_free (c);
  error_release (&err);
}

static bool
has_cap (uint64_t set, int cap)
{
  return (set >> cap) & 1;
}

static void
test_default_spec (void)
{
  ecirun_error_t err = NULL;
  cleanup_free char *json = spec_generate (false);
  struct oci_config *c;

  TAP_OK (json != NULL, "spec_generate returns JSON");
  c = parse (json, &err);
  TAP_OK (c != NULL, "default spec parses%s%s", err ? ": " : "", err ? err->msg : "");
  if (c == NULL)
    return;
  TAP_STR_EQ (c->root.path, "rootfs", "spec root.path");
  TAP_OK (c->root.readonly, "spec root is readonly");
  TAP_OK (c->process && c->process->terminal, "spec process.terminal");
  TAP_OK (c->process->n_args == 1 && strcmp (c->process->args[0], "sh") == 0
              && c->process->args[1] == NULL,
          "spec args = [sh], NULL-terminated");
  TAP_OK (c->process->n_env == 2 && strncmp (c->process->env[0], "PATH=", 5) == 0, "spec env");
  TAP_OK (has_cap (c->process->capabilities.bounding, 5 /* CAP_KILL */)
              && has_cap (c->process->capabilities.ambient, 29 /* CAP_AUDIT_WRITE */)
              && c->process->capabilities.inheritable == 0,
          "spec capabilities");
  TAP_OK (c->process->n_rlimits == 1 && c->process->rlimits[0].resource == RLIMIT_NOFILE
              && c->process->rlimits[0].soft == 1024 && c->process->rlimits[0].hard == 1024,
          "spec rlimit NOFILE 1024");
  TAP_OK (c->process->no_new_privileges, "spec noNewPrivileges");
  TAP_OK (c->n_mounts == 7 && strcmp (c->mounts[2].destination, "/dev/pts") == 0
              && c->mounts[2].n_options == 6 && strcmp (c->mounts[2].options[5], "gid=5") == 0,
          "spec mounts");
  TAP_OK (c->mounts[0].options == NULL && c->mounts[0].n_options == 0, "spec /proc no options");
  TAP_OK (c->linux_cfg && c->linux_cfg->namespaces[NS_PID].present
              && c->linux_cfg->namespaces[NS_NETWORK].present
              && c->linux_cfg->namespaces[NS_MOUNT].present
              && !c->linux_cfg->namespaces[NS_USER].present
              && c->linux_cfg->namespaces[NS_PID].path == NULL,
          "spec namespaces");
  TAP_OK (c->linux_cfg->n_masked_paths == 10 && c->linux_cfg->n_readonly_paths == 5,
          "spec masked/readonly paths");
  TAP_OK (c->linux_cfg->resources && c->linux_cfg->resources->n_devices == 1
              && !c->linux_cfg->resources->devices[0].allow
              && c->linux_cfg->resources->devices[0].type == 'a'
              && c->linux_cfg->resources->devices[0].major == -1
              && strcmp (c->linux_cfg->resources->devices[0].access, "rwm") == 0,
          "spec deny-all device rule with defaults");
  config_free (c);
}

static void
test_rootless_spec (void)
{
  ecirun_error_t err = NULL;
  cleanup_free char *json = spec_generate (true);
  struct oci_config *c = json ? parse (json, &err) : NULL;

  TAP_OK (c != NULL, "rootless spec parses");
  if (c == NULL)
    return;
  TAP_OK (c->linux_cfg->namespaces[NS_USER].present
              && !c->linux_cfg->namespaces[NS_NETWORK].present,
          "rootless: user namespace, no network namespace");
  TAP_OK (c->linux_cfg->n_uid_mappings == 1 && c->linux_cfg->uid_mappings[0].container_id == 0
              && c->linux_cfg->uid_mappings[0].host_id == getuid ()
              && c->linux_cfg->uid_mappings[0].size == 1 && c->linux_cfg->n_gid_mappings == 1
              && c->linux_cfg->gid_mappings[0].host_id == getgid (),
          "rootless: caller's uid/gid mapped to 0");
  TAP_OK (c->linux_cfg->resources == NULL, "rootless: no resources");
  TAP_OK (strcmp (c->mounts[5].type, "none") == 0 && c->mounts[2].n_options == 5,
          "rootless: /sys bind, devpts without gid=5");
  config_free (c);
}

static const char full_config[]
    = "{\n"
      "  \"ociVersion\": \"1.1.0\",\n"
      "  \"root\": {\"path\": \"/var/lib/rootfs\", \"readonly\": false},\n"
      "  \"process\": {\n"
      "    \"terminal\": false, \"consoleSize\": {\"height\": 24, \"width\": 80},\n"
      "    \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, "
      "4294967295], \"username\": \"bob\"},\n"
      "    \"args\": [\"/bin/app\", \"--flag\"], \"env\": [\"A=1\", \"B=\"], \"cwd\": \"/work\",\n"
      "    \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\", \"CAP_CHOWN\"], \"effective\": "
      "[\"CAP_CHOWN\"], \"inheritable\": [], \"permitted\": [\"cap_chown\"], \"ambient\": []},\n"
      "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200},\n"
      "                {\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615, \"hard\": "
      "18446744073709551615}],\n"
      "    \"noNewPrivileges\": true, \"apparmorProfile\": \"prof\", \"oomScoreAdj\": -500,\n"
      "    \"selinuxLabel\": \"lbl\", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\"}\n"
      "  },\n"
      "  \"hostname\": \"box\", \"domainname\": \"example.org\",\n"
      "  \"mounts\": [{\"destination\": \"/data\", \"source\": \"/srv/data\", \"options\": "
      "[\"rbind\", \"ro\"],\n"
      "               \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": "
      "65536}],\n"
      "               \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": "
      "65536}]},\n"
      "             {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],\n"
      "  \"hooks\": {\"prestart\": [{\"path\": \"/bin/pre\", \"args\": [\"pre\", \"x\"], "
      "\"env\": [\"K=V\"], \"timeout\": 5}],\n"
      "            \"createRuntime\": [{\"path\": \"/bin/cr\"}], \"poststop\": [{\"path\": "
      "\"/bin/ps1\"}, {\"path\": \"/bin/ps2\"}]},\n"
      "  \"annotations\": {\"org.example.key\": \"value\", \"other\": \"\"},\n"
      "  \"linux\": {\n"
      "    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": "
      "\"/proc/1/ns/net\"}, {\"type\": \"mount\"}, {\"type\": \"user\"}, {\"type\": \"cgroup\"}, "
      "{\"type\": \"time\"}, {\"type\": \"ipc\", \"path\": \"\"}],\n"
      "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
      "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}, "
      "{\"containerID\": 65536, \"hostID\": 300000, \"size\": 10}],\n"
      "    \"timeOffsets\": {\"monotonic\": {\"secs\": -10, \"nanosecs\": 5}, \"boottime\": "
      "{\"secs\": 3600}},\n"
      "    \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229, "
      "\"fileMode\": 438, \"uid\": 0, \"gid\": 0}, {\"path\": \"/dev/fifo\", \"type\": \"p\"}],\n"
      "    \"cgroupsPath\": \"/ecirun/box\",\n"
      "    \"resources\": {\n"
      "      \"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": "
      "\"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\"}],\n"
      "      \"memory\": {\"limit\": 536870912, \"reservation\": 1024, \"swap\": -1, \"kernel\": "
      "0, \"kernelTCP\": 1, \"swappiness\": 60, \"disableOOMKiller\": true, \"useHierarchy\": "
      "true, \"checkBeforeUpdate\": true},\n"
      "      \"cpu\": {\"shares\": 1024, \"quota\": -1, \"burst\": 10, \"period\": 100000, "
      "\"realtimeRuntime\": 5, \"realtimePeriod\": 6, \"cpus\": \"0-3\", \"mems\": \"0\", "
      "\"idle\": 1},\n"
      "      \"pids\": {\"limit\": 100},\n"
      "      \"blockIO\": {\"weight\": 500, \"leafWeight\": 300, \"weightDevice\": [{\"major\": "
      "8, \"minor\": 0, \"weight\": 600}],\n"
      "                  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": "
      "1048576}], \"throttleWriteBpsDevice\": [],\n"
      "                  \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": "
      "100}], \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 50}]},\n"
      "      \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}],\n"
      "      \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", "
      "\"priority\": 500}]},\n"
      "      \"unified\": {\"memory.high\": \"1073741824\"},\n"
      "      \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}\n"
      "    },\n"
      "    \"rootfsPropagation\": \"rslave\",\n"
      "    \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
      "\"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
      "                \"listenerPath\": \"/run/seccomp.sock\", \"listenerMetadata\": \"meta\",\n"
      "                \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": "
      "\"SCMP_ACT_ALLOW\"},\n"
      "                             {\"names\": [\"personality\"], \"action\": "
      "\"SCMP_ACT_ERRNO\", \"errnoRet\": 38, \"args\": [{\"index\": 0, \"value\": 8, "
      "\"valueTwo\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]},\n"
      "    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},\n"
      "    \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\", "
      "\"/proc/bus\"],\n"
      "    \"mountLabel\": \"mlbl\",\n"
      "    \"personality\": {\"domain\": \"LINUX32\", \"flags\": []},\n"
      "    \"intelRdt\": {\"closID\": \"x\"}\n"
      "  },\n"
      "  \"vm\": {\"hypervisor\": {\"path\": \"/x\"}}\n"
      "}\n";

static void
test_full_config (void)
{
  ecirun_error_t err = NULL;
  struct oci_config *c = parse (full_config, &err);
  struct process_config *p;
  struct linux_config *l;
  struct resources_config *r;

  TAP_OK (c != NULL, "full config parses (unknown fields ignored)%s%s", err ? ": " : "",
          err ? err->msg : "");
  if (c == NULL)
    return;
  p = c->process;
  l = c->linux_cfg;
  r = l->resources;
  TAP_STR_EQ (c->oci_version, "1.1.0", "ociVersion");
  TAP_OK (!c->root.readonly && strcmp (c->root.path, "/var/lib/rootfs") == 0, "root");
  TAP_OK (!p->terminal && p->console_height.set && p->console_height.v == 24
              && p->console_width.v == 80,
          "consoleSize");
  TAP_OK (p->user.uid == 1000 && p->user.gid == 1001 && p->user.umask.set && p->user.umask.v == 18
              && p->user.n_additional_gids == 2 && p->user.additional_gids[1] == UINT32_MAX
              && strcmp (p->user.username, "bob") == 0,
          "user");
  TAP_OK (p->n_args == 2 && strcmp (p->args[1], "--flag") == 0 && p->n_env == 2
              && strcmp (p->cwd, "/work") == 0,
          "args/env/cwd");
  TAP_OK (p->capabilities.present && has_cap (p->capabilities.bounding, 21)
              && has_cap (p->capabilities.bounding, 0) && p->capabilities.effective == 1
              && p->capabilities.permitted == 1 && p->capabilities.inheritable == 0,
          "capabilities (case-insensitive names)");
  TAP_OK (p->n_rlimits == 2 && p->rlimits[1].resource == RLIMIT_CORE
              && p->rlimits[1].soft == UINT64_MAX,
          "rlimits (unlimited = 2^64-1)");
  TAP_OK (p->no_new_privileges && strcmp (p->apparmor_profile, "prof") == 0 && p->oom_score_adj.set
              && p->oom_score_adj.v == -500 && strcmp (p->selinux_label, "lbl") == 0,
          "process misc");
  TAP_OK (strcmp (c->hostname, "box") == 0 && strcmp (c->domainname, "example.org") == 0,
          "hostname/domainname");
  TAP_OK (c->n_mounts == 2 && c->mounts[0].type == NULL && c->mounts[0].n_options == 2
              && c->mounts[0].n_uid_mappings == 1 && c->mounts[0].uid_mappings[0].host_id == 100000
              && c->mounts[0].gid_mappings[0].host_id == 200000
              && strcmp (c->mounts[1].type, "tmpfs") == 0,
          "mounts with idmaps");
  TAP_OK (c->hooks[HOOK_PRESTART].len == 1 && c->hooks[HOOK_PRESTART].items[0].timeout.v == 5
              && strcmp (c->hooks[HOOK_PRESTART].items[0].args[1], "x") == 0
              && c->hooks[HOOK_PRESTART].items[0].args[2] == NULL
              && c->hooks[HOOK_CREATE_RUNTIME].len == 1
              && c->hooks[HOOK_CREATE_RUNTIME].items[0].args == NULL
              && c->hooks[HOOK_START_CONTAINER].len == 0 && c->hooks[HOOK_POSTSTOP].len == 2,
          "hooks");
  TAP_STR_EQ (kv_list_get (&c->annotations, "org.example.key"), "value", "annotations");
  TAP_OK (kv_list_get (&c->annotations, "missing") == NULL && c->annotations.len == 2,
          "kv_list_get missing key");
  TAP_OK (l->namespaces[NS_NETWORK].present
              && strcmp (l->namespaces[NS_NETWORK].path, "/proc/1/ns/net") == 0
              && l->namespaces[NS_IPC].present && l->namespaces[NS_IPC].path == NULL
              && l->namespaces[NS_TIME].present && !l->namespaces[NS_UTS].present,
          "namespaces (empty path = new)");
  TAP_OK (l->n_uid_mappings == 1 && l->n_gid_mappings == 2 && l->gid_mappings[1].size == 10,
          "linux id mappings");
  TAP_STR_EQ (kv_list_get (&l->time_offsets, "monotonic"), "-10 5", "timeOffsets monotonic");
  TAP_STR_EQ (kv_list_get (&l->time_offsets, "boottime"), "3600 0", "timeOffsets boottime");
  TAP_OK (l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10
              && l->devices[0].minor == 229 && l->devices[0].file_mode.v == 0666
              && l->devices[0].uid.set && l->devices[1].type == 'p' && !l->devices[1].uid.set,
          "devices");
  TAP_STR_EQ (l->cgroups_path, "/ecirun/box", "cgroupsPath");
  TAP_OK (r && r->n_devices == 2 && r->devices[1].allow && r->devices[1].type == 'c'
              && r->devices[1].major == 1 && r->devices[1].minor == 3,
          "resources.devices");
  TAP_OK (r->memory.limit.v == 536870912 && r->memory.swap.set && r->memory.swap.v == -1
              && r->memory.kernel.set && r->memory.kernel.v == 0 && r->memory.swappiness.v == 60
              && r->memory.disable_oom_killer && r->memory.use_hierarchy
              && r->memory.check_before_update,
          "resources.memory");
  TAP_OK (r->cpu.shares.v == 1024 && r->cpu.quota.v == -1 && r->cpu.burst.v == 10
              && r->cpu.period.v == 100000 && r->cpu.realtime_runtime.v == 5
              && r->cpu.realtime_period.v == 6 && strcmp (r->cpu.cpus, "0-3") == 0
              && strcmp (r->cpu.mems, "0") == 0 && r->cpu.idle.v == 1,
          "resources.cpu");
  TAP_OK (r->pids.limit.set && r->pids.limit.v == 100, "resources.pids");
  TAP_OK (r->block_io.weight.v == 500 && r->block_io.leaf_weight.v == 300
              && r->block_io.n_weight_device == 1 && r->block_io.weight_device[0].weight.v == 600
              && !r->block_io.weight_device[0].leaf_weight.set
              && r->block_io.n_throttle_read_bps == 1
              && r->block_io.throttle_read_bps[0].rate == 1048576
              && r->block_io.n_throttle_write_bps == 0 && r->block_io.n_throttle_read_iops == 1
              && r->block_io.throttle_write_iops[0].minor == 16,
          "resources.blockIO");
  TAP_OK (r->n_hugepage_limits == 1 && strcmp (r->hugepage_limits[0].page_size, "2MB") == 0,
          "resources.hugepageLimits");
  TAP_OK (r->network.class_id.v == 1048577
              && strcmp (kv_list_get (&r->network.priorities, "eth0"), "500") == 0,
          "resources.network");
  TAP_STR_EQ (kv_list_get (&r->unified, "memory.high"), "1073741824", "resources.unified");
  TAP_STR_EQ (l->rootfs_propagation, "rslave", "rootfsPropagation");
  TAP_OK (l->seccomp && strcmp (l->seccomp->default_action, "SCMP_ACT_ERRNO") == 0
              && l->seccomp->default_errno_ret.v == 1 && l->seccomp->n_architectures == 1
              && l->seccomp->n_flags == 1
              && strcmp (l->seccomp->listener_path, "/run/seccomp.sock") == 0
              && l->seccomp->n_syscalls == 2 && l->seccomp->syscalls[0].n_names == 2
              && !l->seccomp->syscalls[0].errno_ret.set && l->seccomp->syscalls[1].errno_ret.v == 38
              && l->seccomp->syscalls[1].n_args == 1
              && l->seccomp->syscalls[1].args[0].value_two == 9
              && strcmp (l->seccomp->syscalls[1].args[0].op, "SCMP_CMP_EQ") == 0,
          "seccomp");
  TAP_STR_EQ (kv_list_get (&l->sysctl, "net.ipv4.ip_forward"), "1", "sysctl");
  TAP_OK (l->n_masked_paths == 1 && l->n_readonly_paths == 2
              && strcmp (l->mount_label, "mlbl") == 0,
          "masked/readonly paths, mountLabel");
  TAP_OK (l->personality.present && strcmp (l->personality.domain, "LINUX32") == 0
              && l->personality.n_flags == 0,
          "personality");
  config_free (c);
}

static void
test_minimal (void)
{
  ecirun_error_t err = NULL;
  struct oci_config *c = parse ("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, "
                                "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", "
                                "\"user\": {\"uid\": 5}}, \"linux\": {\"seccomp\": null}}",
                                &err);

  TAP_OK (c != NULL, "minimal config parses");
  if (c == NULL)
    return;
  TAP_OK (c->process->user.uid == 5 && c->process->user.gid == 0 && c->process->env
              && c->process->env[0] == NULL && c->process->n_env == 0
              && !c->process->capabilities.present && c->process->n_rlimits == 0,
          "missing process fields default (gid 0, empty env)");
  TAP_OK (c->hostname == NULL && c->n_mounts == 0 && c->hooks[HOOK_PRESTART].len == 0
              && c->annotations.len == 0,
          "missing optional top-level sections");
  TAP_OK (c->linux_cfg && c->linux_cfg->resources == NULL && c->linux_cfg->seccomp == NULL
              && !c->linux_cfg->personality.present,
          "missing linux sections (null = absent)");
  config_free (c);

  c = parse (BASE "\"mounts\": []}", &err);
  TAP_OK (c && c->process == NULL && c->linux_cfg == NULL, "no process, no linux: NULL");
  config_free (c);
}

static void
test_errors (void)
{
  expect_error ("{\"root\": {\"path\": \"r\"}}", "config.json: ociVersion is required");
  expect_error ("{\"ociVersion\": 1, \"root\": {\"path\": \"r\"}}", "ociVersion must be a string");
  expect_error ("{\"ociVersion\": \"1.1.0\"}", "config.json: root must be an object");
  expect_error ("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"\"}}", "root.path must be");
  expect_error (BASE "\"process\": {\"cwd\": \"/\"}}",
                "config.json: process.args must be a non-empty array of strings");
  expect_error (BASE "\"process\": {\"args\": [], \"cwd\": \"/\"}}",
                "config.json: process.args must be a non-empty array of strings");
  expect_error (BASE "\"process\": {\"args\": [\"a\", 1], \"cwd\": \"/\"}}",
                "process.args must be a non-empty array of strings");
  expect_error (BASE "\"process\": {\"args\": [\"a\"]}}", "process.cwd is required");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"rel\"}}",
                "process.cwd must be an absolute path");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"env\": [\"A=1\", "
                     "\"NOEQ\"]}}",
                "process.env[1]: invalid environment variable \"NOEQ\"");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"user\": {\"uid\": -1}}}",
                "process.user.uid must be a non-negative integer");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"user\": {\"uid\": "
                     "4294967296}}}",
                "process.user.uid is out of range");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"user\": {\"gid\": "
                     "\"0\"}}}",
                "process.user.gid must be a non-negative integer");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"user\": {\"uid\": "
                     "1.5}}}",
                "process.user.uid must be a non-negative integer");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"user\": "
                     "{\"additionalGids\": [1, -2]}}}",
                "process.user.additionalGids[1] must be a non-negative integer");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"terminal\": \"yes\"}}",
                "process.terminal must be a boolean");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"capabilities\": "
                     "{\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\", \"CAP_SYS_ADMIN\", "
                     "\"CAP_FOO\"]}}}",
                "config.json: process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"capabilities\": "
                     "{\"ambient\": \"CAP_KILL\"}}}",
                "process.capabilities.ambient must be an array");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
                     "\"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}}",
                "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
                     "\"RLIMIT_NOFILE\", \"hard\": 1}]}}",
                "process.rlimits[0].soft is required");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
                     "\"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_NOFILE\", "
                     "\"soft\": 1, \"hard\": 1}]}}",
                "process.rlimits[1].type: duplicate rlimit");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
                     "\"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 1}]}}",
                "process.rlimits[0]: soft limit 2 is greater than hard limit 1");
  expect_error (BASE "\"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"oomScoreAdj\": 1001}}",
                "process.oomScoreAdj must be between -1000 and 1000");
  expect_error (BASE "\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"b\"}]}",
                "config.json: mounts[1].destination must be an absolute path");
  expect_error (BASE "\"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", 3]}]}",
                "mounts[0].options[1] must be a string");
  expect_error (BASE "\"mounts\": {}}", "config.json: mounts must be an array");
  expect_error (BASE "\"mounts\": [\"/a\"]}", "mounts[0] must be an object");
  expect_error (BASE "\"mounts\": [{\"destination\": \"/a\", \"uidMappings\": [{\"containerID\": "
                     "0, \"hostID\": 1}]}]}",
                "mounts[0].uidMappings[0].size is required");
  expect_error (BASE "\"hooks\": {\"poststart\": [{\"path\": \"/ok\"}, {\"path\": \"rel\"}]}}",
                "hooks.poststart[1].path must be an absolute path");
  expect_error (BASE "\"hooks\": {\"prestart\": [{\"path\": \"/ok\", \"timeout\": 0}]}}",
                "hooks.prestart[0].timeout must be greater than zero");
  expect_error (BASE "\"annotations\": {\"a\": 1}}", "annotations.a must be a string");
  expect_error (BASE "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, "
                     "{\"type\": \"foo\"}]}}",
                "config.json: linux.namespaces[2].type: unknown namespace type \"foo\"");
  expect_error (BASE "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
                "linux.namespaces[1].type: duplicate namespace type \"pid\"");
  expect_error (BASE "\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}}",
                "unknown namespace type \"net\"");
  expect_error (BASE "\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"x\"}]}}",
                "linux.namespaces[0].path must be an absolute path");
  expect_error (BASE "\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": "
                     "1000, \"size\": 0}]}}",
                "linux.uidMappings[0].size must be greater than zero");
  expect_error (BASE "\"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}}",
                "linux.timeOffsets.realtime: unknown clock");
  expect_error (BASE "\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", "
                     "\"major\": 1}]}}",
                "linux.devices[0].minor is required");
  expect_error (BASE "\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]}}",
                "linux.devices[0].type: unknown device type \"x\"");
  expect_error (BASE "\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}",
                "linux.resources.memory.limit must be an integer");
  expect_error (BASE "\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": "
                     "\"xyz\"}]}}}",
                "linux.resources.devices[0].access: invalid access (want some of \"rwm\")");
  {
    /* Unknown letters are ignored, as runc ignores them. */
    struct oci_config *cfg = NULL;
    ecirun_error_t e = NULL;
    static const char js[] = BASE "\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, "
                                  "\"access\": \"rwa\"}]}}}";
    int r = config_parse (js, strlen (js), "config.json", &cfg, &e);
    TAP_OK (r == 0 && strcmp (cfg->linux_cfg->resources->devices[0].access, "rw") == 0,
            "device access \"rwa\" is \"rw\"");
    error_release (&e);
    config_free (cfg);
  }
  expect_error (BASE "\"linux\": {\"resources\": {\"devices\": [{\"access\": \"r\"}]}}}",
                "linux.resources.devices[0].allow is required");
  expect_error (BASE "\"linux\": {\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": "
                     "[{\"major\": 8, \"minor\": 0}]}}}}",
                "linux.resources.blockIO.throttleReadBpsDevice[0].rate is required");
  expect_error (BASE "\"linux\": {\"resources\": {\"memory\": {\"swappiness\": 101}}}}",
                "linux.resources.memory.swappiness must be between 0 and 100");
  expect_error (BASE "\"linux\": {\"rootfsPropagation\": \"sideways\"}}",
                "linux.rootfsPropagation: unknown propagation \"sideways\"");
  expect_error (BASE "\"linux\": {\"seccomp\": {\"syscalls\": []}}}",
                "linux.seccomp.defaultAction is required");
  expect_error (BASE "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
                     "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
                     "\"args\": [{\"index\": 0, \"value\": 1}]}]}}}",
                "linux.seccomp.syscalls[0].args[0].op is required");
  expect_error (BASE "\"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": 1}}}",
                "linux.sysctl.net.ipv4.ip_forward must be a string");
  expect_error (BASE "\"linux\": {\"personality\": {\"domain\": \"WIN\"}}}",
                "linux.personality.domain: unknown domain");
  expect_error (BASE "\"linux\": []}", "config.json: linux must be an object");
}

static void
test_malformed (void)
{
  expect_error ("{\n  \"ociVersion\": \"1.1.0\",\n  x: 1\n}",
                "config.json: invalid JSON at line 3, column 3: lexical error: invalid char in "
                "json text.");
  expect_error ("{\n  \"a\": 1,\n  }", "invalid JSON at line 3, column 3: parse error: invalid "
                                       "object key (must be a string)");
  expect_error ("{\"a\": [1, 2", "invalid JSON at line 1, column 12: parse error: premature EOF");
  expect_error ("", "invalid JSON at line 1, column 1: parse error: premature EOF");
  expect_error ("{} {}", "invalid JSON at line 1, column 4: parse error: trailing garbage");
  expect_error ("[1, 2]", "config.json: the top-level JSON value must be an object");

  {
    static const char nul[] = "{\"ociVersion\": \"1\"\0, \"x\": 1}";
    ecirun_error_t err = NULL;
    struct oci_config *c = NULL;
    int r = config_parse (nul, sizeof (nul) - 1, "config.json", &c, &err);
    TAP_OK (r < 0 && err && strstr (err->msg, "line 1, column 19: unexpected NUL byte"),
            "embedded NUL byte is an error, not a truncation");
    error_release (&err);
  }
  {
    /* yajl frees its tree recursively: absurd nesting is refused before parsing. */
    size_t n = 100000;
    char *deep = xmalloc0 (2 * n + 16);
    ecirun_error_t err = NULL;
    struct oci_config *c = NULL;
    int r;
    strcpy (deep, "{\"a\": ");
    memset (deep + 6, '[', n);
    memset (deep + 6 + n, ']', n);
    strcpy (deep + 6 + 2 * n, "}");
    r = config_parse (deep, strlen (deep), "config.json", &c, &err);
    TAP_OK (r < 0 && err
                && strstr (err->msg, "config.json: JSON nested deeper than 256 levels at line 1"),
            "deep nesting refused");
    error_release (&err);
    free (deep);
    deep = xstrdup (BASE "\"annotations\": {\"a\": \"[[[[\\\"[[[\"}, /* [[[{{{ */ \"x\": 1}");
    r = config_parse (deep, strlen (deep), "config.json", &c, &err);
    TAP_OK (r == 0 && c, "brackets in strings and comments are not nesting");
    config_free (c);
    c = NULL;
    free (deep);
  }
  {
    /* The input need not be NUL-terminated. */
    const char *json = BASE "\"hostname\": \"h\"}GARBAGE";
    ecirun_error_t err = NULL;
    struct oci_config *c = NULL;
    int r = config_parse (json, strlen (json) - 7, "config.json", &c, &err);
    TAP_OK (r == 0 && c && strcmp (c->hostname, "h") == 0, "length-bounded input");
    config_free (c);
    error_release (&err);
  }
}

static void
test_long_path (void)
{
  char json[1024], key[400];
  ecirun_error_t err = NULL;
  struct oci_config *c = NULL;
  int r;

  memset (key, 'k', sizeof (key) - 1);
  key[sizeof (key) - 1] = '\0';
  snprintf (json, sizeof (json), BASE "\"annotations\": {\"%s\": 1}}", key);
  r = config_parse (json, strlen (json), "config.json", &c, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "config.json: annotations.kkk")
              && strstr (err->msg, "kkk... must be a string"),
          "overlong JSON path is truncated with \"...\"");
  error_release (&err);
}

static void
test_process_standalone (void)
{
  const char *json = "{\"terminal\": true, \"args\": [\"ps\", \"aux\"], \"cwd\": \"/tmp\", "
                     "\"env\": [\"X=1\"], \"user\": {\"uid\": 7, \"gid\": 8}, "
                     "\"capabilities\": {\"effective\": [\"CAP_NET_RAW\"]}, \"unknown\": 1}";
  struct process_config *p = NULL;
  ecirun_error_t err = NULL;
  int r;

  r = config_parse_process (json, strlen (json), "process.json", &p, &err);
  TAP_OK (r == 0 && p, "process.json parses");
  if (p)
    TAP_OK (p->terminal && p->n_args == 2 && strcmp (p->cwd, "/tmp") == 0 && p->user.uid == 7
                && p->user.gid == 8 && has_cap (p->capabilities.effective, 13),
            "process.json fields");
  process_config_free (p);
  p = NULL;

  json = "{\"args\": [], \"cwd\": \"/\"}";
  r = config_parse_process (json, strlen (json), "process.json", &p, &err);
  TAP_OK (r < 0 && p == NULL && err
              && strcmp (err->msg, "process.json: args must be a non-empty array of strings") == 0,
          "process.json errors name the bare path");
  error_release (&err);

  json = "{\"args\": [\"a\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_X\"}]}";
  r = config_parse_process (json, strlen (json), "p.json", &p, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "p.json: rlimits[0].type: unknown rlimit"),
          "process.json rlimit error");
  error_release (&err);
}

static void
test_resources_standalone (void)
{
  const char *json = "{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": -1}, "
                     "\"devices\": [{\"allow\": true}], \"cpu\": {\"cpus\": \"1\"}}";
  struct resources_config *r = NULL;
  ecirun_error_t err = NULL;
  int ret;

  ret = config_parse_resources (json, strlen (json), "resources.json", &r, &err);
  TAP_OK (ret == 0 && r, "resources.json parses");
  if (r)
    {
      TAP_OK (r->memory.limit.set && r->memory.limit.v == 1048576 && !r->memory.swap.set
                  && !r->memory.swappiness.set && r->pids.limit.v == -1 && !r->cpu.shares.set
                  && strcmp (r->cpu.cpus, "1") == 0,
              "resources: set and unset values");
      TAP_OK (r->n_devices == 1 && r->devices[0].allow && r->devices[0].type == 'a'
                  && r->devices[0].major == -1 && r->devices[0].minor == -1
                  && r->devices[0].access == NULL,
              "resources: device rule defaults (a, -1, -1, all access)");
      TAP_OK (r->n_hugepage_limits == 0 && r->block_io.n_weight_device == 0 && r->unified.len == 0
                  && !r->network.class_id.set,
              "resources: absent sections empty");
    }
  resources_config_free (r);
  r = NULL;

  json = "{\"cpu\": {\"shares\": -2}}";
  ret = config_parse_resources (json, strlen (json), "resources.json", &r, &err);
  TAP_OK (ret < 0 && r == NULL && err
              && strstr (err->msg, "resources.json: cpu.shares must be a non-negative integer"),
          "resources.json errors name the bare path");
  error_release (&err);
}

static void
test_load_file (void)
{
  char path[] = "/tmp/ecirun-test-config-XXXXXX";
  const char *json = BASE PROC_OK "}";
  const char *bad = "{\"ociVersion\": \"1\",\n \"root\": {\"path\": 1}}";
  struct oci_config *c = NULL;
  ecirun_error_t err = NULL;
  int fd, r;

  /* TAP_OK evaluates its condition twice: no side effects inside it. */
  fd = mkstemp (path);
  r = fd >= 0 ? write_all (fd, json, strlen (json)) : -1;
  TAP_OK (r == 0, "write temp config");
  if (fd >= 0)
    close (fd);
  r = config_load_file (path, &c, &err);
  TAP_OK (r == 0 && c && c->process && strcmp (c->process->cwd, "/") == 0, "config_load_file");
  config_free (c);
  c = NULL;
  error_release (&err);

  r = write_file_at (AT_FDCWD, path, bad, strlen (bad), 0600, &err);
  TAP_OK (r == 0, "rewrite temp config");
  r = config_load_file (path, &c, &err);
  TAP_OK (r < 0 && err && strncmp (err->msg, path, strlen (path)) == 0
              && strstr (err->msg, ": root.path must be a string"),
          "config_load_file: the path is the origin");
  error_release (&err);

  unlink (path);
  r = config_load_file (path, &c, &err);
  TAP_OK (r < 0 && c == NULL && err && err->errnum == ENOENT, "config_load_file: missing file");
  error_release (&err);
}

static void
test_names (void)
{
  TAP_OK (ns_type_from_name ("network") == NS_NETWORK && ns_type_from_name ("net") == -1
              && ns_type_from_name ("time") == NS_TIME,
          "ns_type_from_name");
  TAP_STR_EQ (ns_type_proc_name (NS_NETWORK), "net", "ns_type_proc_name network");
  TAP_STR_EQ (ns_type_proc_name (NS_MOUNT), "mnt", "ns_type_proc_name mount");
  TAP_STR_EQ (ns_type_name (NS_CGROUP), "cgroup", "ns_type_name");
  TAP_OK (ns_type_clone_flag (NS_USER) == CLONE_NEWUSER && ns_type_clone_flag (NS_TIME) == 0x80
              && ns_type_clone_flag (NS_MOUNT) == CLONE_NEWNS,
          "ns_type_clone_flag");
  TAP_OK (rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME
              && rlimit_from_name ("RLIMIT_CPU") == RLIMIT_CPU
              && rlimit_from_name ("rlimit_nofile") == -1,
          "rlimit_from_name");
  TAP_STR_EQ (rlimit_name (RLIMIT_MSGQUEUE), "RLIMIT_MSGQUEUE", "rlimit_name");
  TAP_OK (rlimit_name (16) == NULL && rlimit_name (-1) == NULL, "rlimit_name out of range");
  TAP_STR_EQ (hook_kind_name (HOOK_CREATE_CONTAINER), "createContainer", "hook_kind_name");
}

int
main (void)
{
  test_default_spec ();
  test_rootless_spec ();
  test_full_config ();
  test_minimal ();
  test_errors ();
  test_malformed ();
  test_long_path ();
  test_process_standalone ();
  test_resources_standalone ();
  test_load_file ();
  test_names ();
  return tap_done ();
}
