"""A TCP proxy in front of a database server that can play a server restart on demand.

``outage(seconds)`` drops every open connection and refuses new ones for ``seconds``, as a
restarting server does, without touching the real server other test sessions share.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class FlakyProxy:
    """Forwards ``127.0.0.1:port`` to ``target``; ``outage`` plays a restart."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.down_until = 0.0
        self.stopped = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = self._listen()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        listener.listen(16)
        listener.settimeout(0.05)
        return listener

    def _accept_loop(self) -> None:
        while not self.stopped:
            if time.monotonic() < self.down_until:
                time.sleep(0.02)
                continue
            if self.listener.fileno() < 0:  # closed by an outage: listen again
                self.listener = self._listen()
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def outage(self, seconds: float) -> None:
        """Drop every connection now and refuse new ones (connection refused) for ``seconds``."""
        self.down_until = time.monotonic() + seconds
        self.listener.close()
        with self.lock:
            dropped, self.sockets = self.sockets, []
        for sock in dropped:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stop accepting and drop every connection."""
        self.stopped = True
        self.outage(0)
        self.thread.join(timeout=2)
