"""N uvicorn servers (fork) sharing one listening socket: `uvicorn --workers N`, minus a pitfall.

`uvicorn --workers N` binds `socket.socket(AF_INET)`, whose `proto` is 0; asyncio only sets
TCP_NODELAY on accepted sockets whose proto is IPPROTO_TCP, so every response met Nagle + delayed
ACK: a steady ~44 ms p50 and ~350 req/s. This socket is made with IPPROTO_TCP.

    cd <project>/backend/<domain> && python uvicorn_n.py N PORT
"""

import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uvicorn  # noqa: E402

n, port = int(sys.argv[1]), int(sys.argv[2])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(2048)
sock.set_inheritable(True)
children = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        from asgi_entry import app

        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
        os._exit(0)
    children.append(pid)


def stop(*_):
    # A benchmark server: no graceful shutdown (a forked uvicorn may wait on it indefinitely).
    for c in children:
        try:
            os.kill(c, signal.SIGKILL)
        except ProcessLookupError:
            pass


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
for c in children:
    try:
        os.waitpid(c, 0)
    except ChildProcessError:
        pass
