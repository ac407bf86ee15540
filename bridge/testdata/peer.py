#!/usr/bin/python3
"""A STUI peer on Debian's libzmq (python3-zmq), for bridge's interop tests and benchmarks.

It proves that the Go client speaks real ZeroMQ: a libzmq REP socket that answers every
command with its success vector from testdata/protocol (id replaced, timestamp fresh), and
Unauthorized or UnknownCommand as a STUI server would. It is not a STUI server.

usage: /usr/bin/python3 peer.py --vectors DIR --token TOKEN [--port N]

It prints "ready tcp://127.0.0.1:PORT" once bound, and exits when its stdin closes.
"""
import argparse, datetime, json, os, sys, threading, time

import zmq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    answers = {}
    for cmd in os.listdir(args.vectors):
        path = os.path.join(args.vectors, cmd, "success.json")
        if os.path.exists(path):
            with open(path) as f:
                answers[cmd] = json.load(f)["response"]

    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 0)
    if args.port:
        sock.bind("tcp://127.0.0.1:%d" % args.port)
    else:
        sock.bind("tcp://127.0.0.1:*")
    print("ready", sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()

    while True:
        body = sock.recv()
        start = time.monotonic()
        try:
            req = json.loads(body)
            rid = req.get("id", "")
        except ValueError:
            req, rid = None, ""
        if req is None or not isinstance(req, dict):
            resp = error(rid, "InvalidRequest", "The request is not a JSON object.")
        elif req.get("token") != args.token:
            resp = error(rid, "Unauthorized", "The token is missing or wrong.")
        elif req.get("command") not in answers:
            resp = error(rid, "UnknownCommand", "Unknown command %s." % req.get("command"),
                         {"command": str(req.get("command"))})
        else:
            resp = dict(answers[req["command"]])
            resp["id"] = rid
        resp["timestamp"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        resp["duration_ms"] = round((time.monotonic() - start) * 1000, 3)
        sock.send(json.dumps(resp).encode())


def error(rid, typ, msg, details=None):
    e = {"type": typ, "message": msg}
    if details is not None:
        e["details"] = details
    return {"version": 1, "id": rid, "status": "error", "error": e}


if __name__ == "__main__":
    main()
