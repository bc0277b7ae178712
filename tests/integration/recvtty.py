#!/usr/bin/env python3
"""Minimal console-socket receiver for the integration tests.

Listens on a unix socket (the runtime's --console-socket), receives the pty
master fd sent with SCM_RIGHTS, and copies everything read from it to a file.
Optionally writes INPUT to the terminal once received.

usage: recvtty.py [--pid-file F] [--out F] [--input TEXT] [--once] SOCKET
"""
import argparse
import array
import os
import socket
import sys


def recv_fd(conn):
    fds = array.array("i")
    msg, ancdata, _flags, _addr = conn.recvmsg(
        4096, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, ctype, data in ancdata:
        if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
            usable = len(data) - (len(data) % fds.itemsize)
            fds.frombytes(data[:usable])
    if not fds:
        raise RuntimeError("no fd received over the console socket")
    for extra in fds[1:]:
        os.close(extra)
    return msg, fds[0]


def copy_out(fd, out_path):
    with open(out_path, "ab", buffering=0) as out:
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                # EIO once the last slave fd is closed.
                break
            if not data:
                break
            out.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid-file")
    ap.add_argument("--out", default="/dev/null")
    ap.add_argument("--input")
    ap.add_argument("--name-file",
                    help="write the name sent with the fd (runc sends the pty path)")
    ap.add_argument("socket")
    args = ap.parse_args()

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket + ".tmp")
    srv.listen(1)
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write(str(os.getpid()))
    # Publish the socket only once it listens, so waiters can test for it.
    os.rename(args.socket + ".tmp", args.socket)

    conn, _ = srv.accept()
    msg, fd = recv_fd(conn)
    conn.close()
    srv.close()
    if args.name_file:
        with open(args.name_file, "wb") as f:
            f.write(msg)
    if args.input is not None:
        os.write(fd, args.input.encode())
    copy_out(fd, args.out)
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
