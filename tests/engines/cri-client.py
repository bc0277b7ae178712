#!/usr/bin/python3
"""A minimal CRI client (runtime.v1 RuntimeService over containerd's gRPC socket), enough to run
a pod sandbox and a container in it, as the kubelet would. The few messages it needs are encoded
by hand (protobuf wire format; field numbers of k8s.io/cri-api's api.proto), so only Debian's
python3-grpcio is needed, no generated code.

  cri-client.py SOCK version
  cri-client.py SOCK runp NAME HANDLER NETWORK(pod|node)       -> pod sandbox id
  cri-client.py SOCK create POD_ID NAME IMAGE PRIVILEGED(0|1) CMD...  -> container id
  cri-client.py SOCK start ID | stop ID | rm ID | status ID | stopp POD_ID | rmp POD_ID

Errors: the gRPC status details on stderr, exit 1.
"""
import json
import sys

import grpc

SERVICE = "/runtime.v1.RuntimeService/"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, value):
    """One field: int -> varint, bytes/str -> length-delimited, bool -> varint."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint((num << 3) | 2) + varint(len(value)) + value


def msg(*fields):
    return b"".join(field(n, v) for n, v in fields if v is not None)


def decode(buf):
    """{field number: [values]} (varints as int, length-delimited as bytes)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def sandbox_config(name, network):
    mode = {"pod": 0, "container": 1, "node": 2}[network]
    ns = msg((1, mode), (2, 1), (3, 0))  # network, pid CONTAINER, ipc POD
    sec = msg((1, ns))
    linux = msg((2, sec))
    meta = msg((1, name), (2, name + "-uid"), (3, "default"), (4, 0))
    return msg((1, meta), (2, name), (8, linux))


def call(chan, method, req):
    f = chan.unary_unary(SERVICE + method, request_serializer=lambda b: b,
                         response_deserializer=lambda b: b)
    return decode(f(req, timeout=120))


def first_str(d, num):
    return d.get(num, [b""])[0].decode()


def main(argv):
    sock, cmd, args = argv[1], argv[2], argv[3:]
    chan = grpc.insecure_channel("unix://" + sock)
    try:
        if cmd == "version":
            r = call(chan, "Version", msg((1, "v1")))
            print(first_str(r, 2), first_str(r, 3), first_str(r, 4))
        elif cmd == "runp":
            name, handler, network = args
            r = call(chan, "RunPodSandbox", msg((1, sandbox_config(name, network)), (2, handler)))
            print(first_str(r, 1))
        elif cmd == "create":
            pod, name, image, privileged = args[:4]
            cmdline = args[4:]
            sec = msg((2, privileged == "1"))
            cfg = msg((1, msg((1, name))), (2, msg((1, image))),
                      *[(3, c) for c in cmdline], (11, name + ".log"), (15, msg((2, sec))))
            # The sandbox config the kubelet sends again (network from the pod: POD).
            r = call(chan, "CreateContainer",
                     msg((1, pod), (2, cfg), (3, sandbox_config(pod[:12], "pod"))))
            print(first_str(r, 1))
        elif cmd == "start":
            call(chan, "StartContainer", msg((1, args[0])))
        elif cmd == "stop":
            call(chan, "StopContainer", msg((1, args[0]), (2, 1)))
        elif cmd == "rm":
            call(chan, "RemoveContainer", msg((1, args[0])))
        elif cmd == "status":
            r = call(chan, "ContainerStatus", msg((1, args[0]), (2, True)))
            st = decode(r[1][0])
            info = {}
            for e in r.get(2, []):
                kv = decode(e)
                info[first_str(kv, 1)] = first_str(kv, 2)
            pid = json.loads(info.get("info", "{}")).get("pid", 0)
            state = ["CREATED", "RUNNING", "EXITED", "UNKNOWN"][st.get(3, [0])[0]]
            print(state, pid)
        elif cmd == "stopp":
            call(chan, "StopPodSandbox", msg((1, args[0])))
        elif cmd == "rmp":
            call(chan, "RemovePodSandbox", msg((1, args[0])))
        else:
            print("unknown command " + cmd, file=sys.stderr)
            return 2
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
