"""A tiny loopback TCP proxy that a test controls, to simulate network trouble.

A client connects to the proxy's port instead of the server's. The test then switches the
proxy between three modes, which is how the compatibility tests produce connection loss,
session expiry and reconnects without touching the server:

    forward    bytes are copied both ways (the default)
    blackhole  connections stay open, new ones are accepted, but every byte is dropped; the
               client and the server each see a silent peer (this is what makes a session
               expire on the server while the client still holds a socket)
    refuse     new connections are accepted and closed at once

`cut()` closes every current connection (both sides see EOF) without changing the mode.
Leaving blackhole mode always cuts, because bytes have been lost on those streams. The
control calls that cut return only once the proxy thread has closed the connections.

One background thread runs a select() loop with a 50 ms tick; `stop()` ends it within a
bounded time and closes every socket. Thread-safety: the control methods may be called from
any thread.
"""

import select
import socket
import threading

TICK_S = 0.05
UPSTREAM_CONNECT_TIMEOUT_S = 2.0


class TcpProxy:
    def __init__(self, target_port, target_host="127.0.0.1", listen_port=0):
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", listen_port))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._mode = "forward"
        self._cut_requested = False
        self._cut_done = threading.Event()
        self._pairs = {}  # socket -> its peer socket
        self._stopping = False
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, name=f"tcpproxy:{self.port}",
                                        daemon=True)
        self._thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    # ---- control (any thread)

    def forward(self):
        self._set_mode("forward", cut=self._mode == "blackhole")

    def blackhole(self):
        self._set_mode("blackhole", cut=False)

    def refuse(self):
        self._set_mode("refuse", cut=True)

    def cut(self):
        self._set_mode(None, cut=True)

    def _set_mode(self, mode, cut):
        with self._lock:
            if mode is not None:
                self._mode = mode
            if cut:
                self._cut_done.clear()
                self._cut_requested = True
        if cut:
            self._cut_done.wait(timeout=2.0)

    def connection_count(self):
        with self._lock:
            return len(self._pairs) // 2

    def stop(self):
        self._stopping = True
        self._thread.join(timeout=5.0)
        self._close_all()
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- the loop (proxy thread only)

    def _run(self):
        while not self._stopping:
            with self._lock:
                mode = self._mode
                cut, self._cut_requested = self._cut_requested, False
                sockets = list(self._pairs)
            if cut:
                self._close_all()
                sockets = []
                self._cut_done.set()
            try:
                readable, _, _ = select.select([self._listener] + sockets, [], [], TICK_S)
            except (OSError, ValueError):
                continue  # a socket was closed under us by a cut; retry on the next tick
            for sock in readable:
                if sock is self._listener:
                    self._accept(mode)
                else:
                    self._pump(sock, mode)

    def _accept(self, mode):
        try:
            client, _ = self._listener.accept()
        except (BlockingIOError, OSError):
            return
        self.accepted += 1
        if mode == "refuse":
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, UPSTREAM_CONNECT_TIMEOUT_S)
        except OSError:
            client.close()
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._pairs[client] = upstream
            self._pairs[upstream] = client

    def _pump(self, sock, mode):
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close_pair(sock)
            return
        if mode != "forward":
            return  # blackhole: swallow
        peer = self._pairs.get(sock)
        try:
            if peer is not None:
                peer.sendall(data)
        except OSError:
            self._close_pair(sock)

    def _close_pair(self, sock):
        with self._lock:
            peer = self._pairs.pop(sock, None)
            if peer is not None:
                self._pairs.pop(peer, None)
        for s in (sock, peer):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _close_all(self):
        with self._lock:
            sockets = list(self._pairs)
            self._pairs.clear()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
