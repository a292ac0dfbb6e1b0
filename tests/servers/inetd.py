#!/usr/bin/python3
"""One server process per connection, as inetd or a systemd socket with Accept=yes runs it,
for tests on loopback:

    inetd.py ADDRESS PORT LOG COMMAND...

listens on ADDRESS:PORT and runs COMMAND for each connection with the connection as its
standard input and output, and its standard error appended to LOG. Prints "ready" when it
listens; on SIGTERM it stops its commands and exits.
"""

import signal
import socket
import subprocess
import sys

children = []


def stop(*_):
    for c in children:
        if c.poll() is None:
            c.terminate()
    for c in children:
        c.wait()
    sys.exit(0)


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: inetd.py ADDRESS PORT LOG COMMAND...")
    addr, port, log, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    signal.signal(signal.SIGTERM, stop)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    print("ready", flush=True)
    with open(log, "ab") as out:
        while True:
            c, _ = s.accept()
            children[:] = [p for p in children if p.poll() is None]
            children.append(subprocess.Popen(cmd, stdin=c, stdout=c, stderr=out))
            c.close()


if __name__ == "__main__":
    main()
