#!/usr/bin/env bats
# linux.seccomp: actions, errno values, argument conditions, bad filters.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

ARCHES='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]'

# set_seccomp DEFAULT_ACTION SYSCALLS_JSON [EXTRA_JQ]
set_seccomp() {
	update_config '.linux.seccomp = {"defaultAction": $d, "architectures": $a, "syscalls": $s}' \
		--arg d "$1" --argjson a "$ARCHES" --argjson s "$2"
}

@test "a rule denying mkdir with EPERM, default allow" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
	set_cmd 'mkdir /tmp/x; echo "mkdir=$?"; touch /tmp/file && echo touch-ok'
	ecirun run ct1
	assert_ok
	assert_out_contains "Operation not permitted" "mkdir=1" "touch-ok"
	[ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail "mkdir was not denied"
}

@test "errnoRet selects the errno" {
	# 28 is ENOSPC.
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]'
	set_cmd 'mkdir /tmp/x; echo "mkdir=$?"'
	ecirun run ct1
	assert_ok
	assert_out_contains "No space left on device" "mkdir=1"
}

@test "SCMP_ACT_ERRNO without errnoRet means EPERM" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	set_cmd 'mkdir /tmp/x; echo "mkdir=$?"'
	ecirun run ct1
	assert_ok
	assert_out_contains "Operation not permitted" "mkdir=1"
}

@test "defaultErrnoRet applies to the default action" {
	# Deny by default with EACCES (13); allow what the runtime's last steps,
	# busybox sh and its applets need - but not mkdir.
	local allowed
	allowed=$(jq -nc '[
		"read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "openat2", "close",
		"close_range", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "lseek",
		"poll", "ppoll", "select", "pselect6", "mmap", "mprotect", "munmap", "mremap", "madvise", "brk",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "sigaltstack", "ioctl",
		"access", "faccessat", "faccessat2", "pipe", "pipe2", "dup", "dup2", "dup3", "fcntl",
		"nanosleep", "clock_nanosleep", "clock_gettime", "gettimeofday", "time", "getpid", "getppid",
		"gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
		"getpgrp", "getpgid", "setpgid", "getsid", "setsid", "setgroups", "setuid", "setgid",
		"setresuid", "setresgid", "capget", "capset", "prctl", "arch_prctl", "set_tid_address",
		"set_robust_list", "get_robust_list", "rseq", "futex", "sched_yield", "sched_getaffinity",
		"getrlimit", "prlimit64", "setrlimit", "getrusage", "sysinfo", "uname", "umask",
		"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
		"waitid", "kill", "tgkill", "tkill", "getdents", "getdents64", "getcwd", "chdir", "fchdir",
		"readlink", "readlinkat", "getrandom", "epoll_create1", "epoll_ctl", "epoll_pwait",
		"epoll_wait", "socket", "connect", "sendto", "recvfrom", "fsync", "fdatasync", "getxattr",
		"lgetxattr", "fgetxattr", "utimensat", "fadvise64", "membarrier", "restart_syscall"
	]')
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "architectures": $a,
		"syscalls": [{"names": $n, "action": "SCMP_ACT_ALLOW"}]}' --argjson a "$ARCHES" --argjson n "$allowed"
	set_cmd 'mkdir /tmp/x; echo "mkdir=$?"; echo still-running'
	ecirun run ct1
	assert_ok
	assert_out_contains "Permission denied" "mkdir=1" "still-running"
}

@test "argument conditions" {
	# Deny chmod to mode 0777 (511) only.
	set_seccomp SCMP_ACT_ALLOW '[
		{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
		{"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]}]'
	set_cmd 'touch /tmp/f; chmod 755 /tmp/f; echo "chmod755=$?"; chmod 777 /tmp/f; echo "chmod777=$?"; stat -c %a /tmp/f'
	ecirun run ct1
	assert_ok
	assert_out_contains "chmod755=0" "chmod777=1" "Operation not permitted"
	assert_eq "$(tail -n1 <<<"$stdout")" 755 "mode after the denied chmod"
}

@test "argument conditions with a mask" {
	# Deny chmod when the mode has the other-write bit (02): SCMP_CMP_MASKED_EQ.
	set_seccomp SCMP_ACT_ALLOW '[
		{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 1, "value": 2, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 2, "value": 2, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]}]'
	set_cmd 'touch /tmp/f; chmod 755 /tmp/f; echo "m755=$?"; chmod 757 /tmp/f; echo "m757=$?"; chmod 700 /tmp/f; echo "m700=$?"'
	ecirun run ct1
	assert_ok
	assert_out_contains "m755=0" "m757=1" "m700=0"
}

@test "SCMP_ACT_KILL kills the offending process" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]'
	# A subshell, so the shell that reports survives.
	set_cmd '(mkdir /tmp/x); echo "sub=$?"'
	ecirun run ct1
	assert_ok
	# 128 + SIGSYS (31)
	assert_out_contains "sub=159"
}

@test "an unknown action fails create with a clear error" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]'
	ecirun create ct1
	assert_fail
	assert_out_contains "SCMP_ACT_BOGUS"
	ecirun list -q
	refute_out_contains ct1
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT not empty: $(ls -A "$ROOT")"
}

@test "an unknown default action fails create" {
	set_seccomp SCMP_ACT_NOPE '[]'
	ecirun create ct1
	assert_fail
	assert_out_contains "SCMP_ACT_NOPE"
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT not empty: $(ls -A "$ROOT")"
}

@test "an unknown comparison operator fails create" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_WHAT"}]}]'
	ecirun create ct1
	assert_fail
	assert_out_contains "SCMP_CMP_WHAT"
}

@test "the filter is in place for the workload (Seccomp: 2)" {
	set_seccomp SCMP_ACT_ALLOW '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	set_cmd 'grep -E "^Seccomp:" /proc/self/status'
	ecirun run ct1
	assert_ok
	assert_out_match 'Seccomp:[[:space:]]+2'
}

@test "a profile that refuses close_range (runtime-tools', older Kubernetes ones) still starts the container" {
	# ecirun 97248e4 failed every such container with "close_range: Operation not permitted"
	# (it closed its descriptors with close_range after loading the filter); runc falls back.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["close_range"], "action": "SCMP_ACT_ERRNO"}]}
		| .process.noNewPrivileges = false'
	set_cmd 'ls /proc/self/fd | wc -l'
	ecirun run ct1
	assert_ok
	# stdin, stdout, stderr and the directory ls reads: nothing of the runtime's.
	assert_out_eq 4
	assert_nothing_left
}

# The names of this host's syscalls numbered below $1, as a JSON array (libseccomp's table).
syscall_names_below() {
	python3 -c '
import ctypes, ctypes.util, json, sys
l = ctypes.CDLL(ctypes.util.find_library("seccomp"))
l.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
l.seccomp_arch_native.restype = ctypes.c_uint32
a = l.seccomp_arch_native()
names = []
for i in range(int(sys.argv[1])):
    p = l.seccomp_syscall_resolve_num_arch(a, i)
    if p:
        names.append(ctypes.string_at(p).decode())
print(json.dumps(names))' "$1"
}

@test "a syscall newer than every one the profile names gets ENOSYS, not the default EPERM" {
	# runc's rule (its seccomp.bats "-ENOSYS handling"): programs probe new syscalls (clone3,
	# close_range, openat2) and fall back on ENOSYS, not on EPERM. ecirun 97248e4 gave EPERM.
	requires root
	command -v gcc >/dev/null || skip "no gcc to build the probe"
	printf '%s\n' '#include <errno.h>' '#include <stdio.h>' '#include <unistd.h>' \
		'int main (void) { long r = syscall (1000); printf ("1000: %ld %d\n", r, r < 0 ? errno : 0);' \
		'  r = syscall (435 /* clone3, not in the profile */, NULL, 0); printf ("clone3: %d\n", r < 0 ? errno : 0); return 0; }' \
		>"$BATS_TEST_TMPDIR/probe.c"
	gcc -static -O1 -o "$BUNDLE/rootfs/probe" "$BATS_TEST_TMPDIR/probe.c" || skip "no static libc"
	local names
	names=$(syscall_names_below 435)
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
		"architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": $n, "action": "SCMP_ACT_ALLOW"}]}
		| .process.args = ["/probe"]' --argjson n "$names"
	ecirun run ct1
	assert_ok
	# ENOSYS is 38: above the profile's newest syscall (434) and unknown to the kernel alike.
	assert_out_contains "1000: -1 38" "clone3: 38"
	assert_nothing_left
}

@test "the container's filter is in place for its startContainer hooks (noNewPrivileges)" {
	# runc loads it before them (its seccomp.bats "startContainer hook"); ecirun 97248e4 ran
	# them unfiltered.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
			"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
		| .process.noNewPrivileges = true
		| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /hook-made"]}]'
	ecirun run ct1
	assert_fail
	assert_out_contains "startContainer"
	[ ! -e "$BUNDLE/rootfs/hook-made" ] || fail "the hook's mkdir got past the filter"
	assert_nothing_left
}
