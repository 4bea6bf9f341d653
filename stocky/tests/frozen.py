"""Servers that stop answering, for the timeout tests: what an attacker of availability (or a frozen VM,
a full disk, a cut network) looks like from the app's side. The kernel accepts the TCP connection, then
nothing comes back, so only the app's own timeouts can end the wait."""

import socket
import threading
import time


class SilentServer:
    """Accepts connections on 127.0.0.1 and never sends a byte (an SMTP server that never greets)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)  # kept open, never answered

    def close(self):
        self.listener.close()
        for connection in self.accepted:
            connection.close()


class FreezableProxy:
    """A TCP proxy to `target` that forwards both ways until `freeze()`: then it stops forwarding on the
    open connections and accepts new ones without ever answering (a database server that froze)."""

    def __init__(self, target):
        self.target = target
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self):
        self.frozen.set()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.frozen.is_set():
                continue
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set() and not self.closed.is_set():
                time.sleep(0.1)  # hold what came; forward nothing
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self):
        self.closed.set()
        self.listener.close()
        for sock in self.sockets:
            sock.close()
