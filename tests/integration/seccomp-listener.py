#!/usr/bin/env python3
"""Minimal seccomp agent for linux.seccomp.listenerPath, for the integration tests.

Listens on a unix socket, accepts one connection from the runtime, receives the
seccomp notify fd (SCM_RIGHTS) and the JSON container process state sent with it,
checks that state, writes it to --payload, then either
  --close          closes the listener at once (trapped syscalls must then fail), or
  --errno N        answers every notification with -N until no task uses the filter,
                   appending "nr=<syscall number> pid=<pid>" lines to --log.

usage: seccomp-listener.py [--pid-file F] --payload F [--metadata S] [--id ID]
                           [--close | --errno N] [--log F] SOCKET
Exits non-zero (and says why on stderr) when the payload is not what it should be.
"""
import argparse
import array
import fcntl
import json
import os
import select
import socket
import struct
import sys

# struct seccomp_notif: u64 id, u32 pid, u32 flags, struct seccomp_data
# (int nr, u32 arch, u64 instruction_pointer, u64 args[6]).
NOTIF_FMT = "=QIIiIQ6Q"
NOTIF_SIZE = struct.calcsize(NOTIF_FMT)
# struct seccomp_notif_resp: u64 id, s64 val, s32 error, u32 flags.
RESP_FMT = "=QqiI"
RESP_SIZE = struct.calcsize(RESP_FMT)


def iowr(nr, size):
    # _IOWR(SECCOMP_IOC_MAGIC '!', nr, size) on the generic ioctl layout (x86, arm64, ...).
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr


IOCTL_NOTIF_RECV = iowr(0, NOTIF_SIZE)
IOCTL_NOTIF_SEND = iowr(1, RESP_SIZE)


def recv_payload(conn):
    fds = array.array("i")
    data = b""
    while True:
        msg, ancdata, _flags, _addr = conn.recvmsg(
            65536, socket.CMSG_SPACE(16 * fds.itemsize))
        for level, ctype, cdata in ancdata:
            if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
                usable = len(cdata) - (len(cdata) % fds.itemsize)
                fds.frombytes(cdata[:usable])
        if not msg:
            break
        data += msg
        try:
            json.loads(data)
            break
        except ValueError:
            continue
    return data, list(fds)


def check_payload(raw, args):
    problems = []
    try:
        p = json.loads(raw)
    except ValueError as e:
        return None, ["payload is not JSON (%s): %r" % (e, raw)]
    if not isinstance(p, dict):
        return p, ["payload is not a JSON object: %r" % raw]
    if p.get("fds") != ["seccompFd"]:
        problems.append('"fds" is %r, expected ["seccompFd"]' % p.get("fds"))
    if args.metadata is not None and p.get("metadata") != args.metadata:
        problems.append('"metadata" is %r, expected %r' % (p.get("metadata"), args.metadata))
    st = p.get("state")
    if not isinstance(st, dict):
        problems.append('"state" is not an object: %r' % st)
    elif args.id is not None and st.get("id") != args.id:
        problems.append('"state.id" is %r, expected %r' % (st.get("id"), args.id))
    return p, problems


def serve(fd, errno_val, log_path):
    log = open(log_path, "a", buffering=1) if log_path else None
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        events = poller.poll()
        ev = events[0][1] if events else 0
        if ev & select.POLLIN:
            buf = bytearray(NOTIF_SIZE)
            try:
                fcntl.ioctl(fd, IOCTL_NOTIF_RECV, buf, True)
            except OSError:
                # ENOENT: the task went away between poll and recv.
                continue
            nid, pid, _flags, nr = struct.unpack(NOTIF_FMT, bytes(buf))[:4]
            if log:
                log.write("nr=%d pid=%d\n" % (nr, pid))
            resp = bytearray(struct.pack(RESP_FMT, nid, 0, -errno_val, 0))
            try:
                fcntl.ioctl(fd, IOCTL_NOTIF_SEND, resp, True)
            except OSError:
                pass
        elif ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
            # No task uses the filter any more.
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid-file")
    ap.add_argument("--payload", required=True)
    ap.add_argument("--metadata")
    ap.add_argument("--id")
    ap.add_argument("--close", action="store_true")
    ap.add_argument("--errno", type=int, default=1)
    ap.add_argument("--log")
    ap.add_argument("socket")
    args = ap.parse_args()

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bind under a temporary name: the socket appears only once it listens.
    srv.bind(args.socket + ".tmp")
    srv.listen(1)
    os.rename(args.socket + ".tmp", args.socket)
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())

    conn, _ = srv.accept()
    raw, fds = recv_payload(conn)
    conn.close()
    srv.close()
    with open(args.payload + ".tmp", "wb") as f:
        f.write(raw)
    os.rename(args.payload + ".tmp", args.payload)

    _p, problems = check_payload(raw, args)
    if len(fds) != 1:
        problems.append("expected exactly one fd, got %d" % len(fds))
    if problems:
        for fd in fds:
            os.close(fd)
        for pr in problems:
            print("seccomp-listener: " + pr, file=sys.stderr)
        return 1
    if args.close:
        os.close(fds[0])
        return 0
    serve(fds[0], args.errno, args.log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
