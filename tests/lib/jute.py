"""A minimal raw ZooKeeper wire client in pure Python, for compatibility tests.

It speaks the ZooKeeper 3.8 client protocol directly (see
/work/shared/reference/zookeeper-protocol.md sections 1, 2, 5 and 7): length-prefixed frames,
ConnectRequest/ConnectResponse with the trailing readOnly byte, RequestHeader/ReplyHeader, and
the jute records of every client opcode a test needs. Nothing is hidden: no retries, no
reconnects, no xid rewriting, no path checks. A test can therefore send exactly the bytes it
wants (including malformed ones) and see exactly what the server answers.

Threading: a `Connection` is used from one thread only.

Invariants the reader enforces, because a compatible server must honour them:
* replies other than pings arrive in request order (checked against the expected xid);
* notifications (xid -1) are never replies; they are queued in `Connection.events` in arrival
  order, each tagged with the number of replies read before it.
"""

import base64
import collections
import hashlib
import socket
import struct
import time

# --------------------------------------------------------------------------------------------
# Constants (zookeeper.jute, ZooDefs.OpCode, KeeperException.Code, Watcher.Event)

OP = {
    "notification": 0, "create": 1, "delete": 2, "exists": 3, "getData": 4, "setData": 5,
    "getACL": 6, "setACL": 7, "getChildren": 8, "sync": 9, "ping": 11, "getChildren2": 12,
    "check": 13, "multi": 14, "create2": 15, "reconfig": 16, "checkWatches": 17,
    "removeWatches": 18, "createContainer": 19, "deleteContainer": 20, "createTTL": 21,
    "multiRead": 22, "auth": 100, "setWatches": 101, "sasl": 102, "getEphemerals": 103,
    "getAllChildrenNumber": 104, "setWatches2": 105, "addWatch": 106, "whoAmI": 107,
    "createSession": -10, "closeSession": -11, "error": -1,
}
OP_NAME = {code: name for name, code in OP.items()}

ERR = {
    0: "OK", -1: "SYSTEMERROR", -2: "RUNTIMEINCONSISTENCY", -3: "DATAINCONSISTENCY",
    -4: "CONNECTIONLOSS", -5: "MARSHALLINGERROR", -6: "UNIMPLEMENTED", -7: "OPERATIONTIMEOUT",
    -8: "BADARGUMENTS", -12: "UNKNOWNSESSION", -13: "NEWCONFIGNOQUORUM",
    -14: "RECONFIGINPROGRESS", -100: "APIERROR", -101: "NONODE", -102: "NOAUTH",
    -103: "BADVERSION", -108: "NOCHILDRENFOREPHEMERALS", -110: "NODEEXISTS", -111: "NOTEMPTY",
    -112: "SESSIONEXPIRED", -113: "INVALIDCALLBACK", -114: "INVALIDACL", -115: "AUTHFAILED",
    -118: "SESSIONMOVED", -119: "NOTREADONLY", -120: "EPHEMERALONLOCALSESSION",
    -121: "NOWATCHER", -122: "REQUESTTIMEOUT", -123: "RECONFIGDISABLED",
    -124: "SESSIONCLOSEDREQUIRESASLAUTH", -125: "QUOTAEXCEEDED", -127: "THROTTLEDOP",
}

EVENT_NAME = {-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged",
              4: "NodeChildrenChanged", 5: "DataWatchRemoved", 6: "ChildWatchRemoved",
              7: "PersistentWatchRemoved"}

PERM_READ, PERM_WRITE, PERM_CREATE, PERM_DELETE, PERM_ADMIN = 1, 2, 4, 8, 16
PERM_ALL = 31

FLAG_PERSISTENT, FLAG_EPHEMERAL, FLAG_SEQUENTIAL, FLAG_EPHEMERAL_SEQUENTIAL = 0, 1, 2, 3
FLAG_CONTAINER, FLAG_TTL, FLAG_SEQUENTIAL_TTL = 4, 5, 6

WATCH_TYPE_CHILDREN, WATCH_TYPE_DATA, WATCH_TYPE_ANY = 1, 2, 3
ADD_WATCH_PERSISTENT, ADD_WATCH_PERSISTENT_RECURSIVE = 0, 1

XID_NOTIFICATION, XID_PING, XID_AUTH, XID_SET_WATCHES = -1, -2, -4, -8


def err_name(code):
    return ERR.get(code, f"ERR({code})")


Stat = collections.namedtuple(
    "Stat", "czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength "
            "numChildren pzxid")
ACL = collections.namedtuple("ACL", "perms scheme id")
ClientInfo = collections.namedtuple("ClientInfo", "scheme user")
WatcherEvent = collections.namedtuple("WatcherEvent", "type state path")
OpResult = collections.namedtuple("OpResult", "type err value")
Reply = collections.namedtuple("Reply", "xid zxid err opcode value")
ConnectResult = collections.namedtuple(
    "ConnectResult", "protocol_version timeout session_id passwd read_only length")

OPEN_ACL_UNSAFE = [ACL(PERM_ALL, "world", "anyone")]
READ_ACL_UNSAFE = [ACL(PERM_READ, "world", "anyone")]
CREATOR_ALL_ACL = [ACL(PERM_ALL, "auth", "")]


def digest_id(user, password):
    """The digest ACL id for user:password: `user:` + base64(sha1("user:password"))."""
    raw = hashlib.sha1(f"{user}:{password}".encode()).digest()
    return f"{user}:{base64.b64encode(raw).decode()}"


def java_session_passwd(session_id):
    """ZooKeeper's session password: java.util.Random(sid ^ 0xB3415C00).nextBytes(16)."""
    mask = (1 << 48) - 1
    seed = ((session_id ^ 0xB3415C00) ^ 0x5DEECE66D) & mask
    out = bytearray()
    for _ in range(4):
        seed = (seed * 0x5DEECE66D + 0xB) & mask
        value = seed >> 16
        out += (value & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Encoding

class Encoder:
    """Appends jute primitives; `bytes()` returns the record."""

    def __init__(self):
        self._parts = []

    def int(self, v):
        self._parts.append(struct.pack(">i", v))
        return self

    def long(self, v):
        self._parts.append(struct.pack(">q", v))
        return self

    def bool(self, v):
        self._parts.append(b"\x01" if v else b"\x00")
        return self

    def buffer(self, v):
        if v is None:
            return self.int(-1)
        self.int(len(v))
        self._parts.append(bytes(v))
        return self

    def ustring(self, v):
        return self.buffer(None if v is None else v.encode("utf-8"))

    def raw(self, v):
        self._parts.append(bytes(v))
        return self

    def vector(self, items, write_item):
        if items is None:
            return self.int(-1)
        self.int(len(items))
        for item in items:
            write_item(self, item)
        return self

    def acls(self, acl_list):
        return self.vector(acl_list, lambda e, a: e.int(a.perms).ustring(a.scheme).ustring(a.id))

    def strings(self, items):
        return self.vector(items, lambda e, s: e.ustring(s))

    def bytes(self):
        return b"".join(self._parts)


def create_request(path, data=b"", acl=OPEN_ACL_UNSAFE, flags=0):
    return Encoder().ustring(path).buffer(data).acls(acl).int(flags).bytes()


def create_ttl_request(path, data=b"", acl=OPEN_ACL_UNSAFE, flags=FLAG_TTL, ttl=60000):
    return Encoder().ustring(path).buffer(data).acls(acl).int(flags).long(ttl).bytes()


def delete_request(path, version=-1):
    return Encoder().ustring(path).int(version).bytes()


def path_watch_request(path, watch=False):
    """exists / getData / getChildren / getChildren2 request."""
    return Encoder().ustring(path).bool(watch).bytes()


def path_request(path):
    """getACL / sync / getAllChildrenNumber / getEphemerals request."""
    return Encoder().ustring(path).bytes()


def set_data_request(path, data, version=-1):
    return Encoder().ustring(path).buffer(data).int(version).bytes()


def set_acl_request(path, acl, version=-1):
    return Encoder().ustring(path).acls(acl).int(version).bytes()


def check_version_request(path, version):
    return Encoder().ustring(path).int(version).bytes()


def auth_packet(scheme, auth):
    return Encoder().int(0).ustring(scheme).buffer(auth).bytes()


def add_watch_request(path, mode):
    return Encoder().ustring(path).int(mode).bytes()


def watch_type_request(path, watch_type):
    """checkWatches / removeWatches request."""
    return Encoder().ustring(path).int(watch_type).bytes()


def set_watches_request(relative_zxid, data=(), exist=(), child=()):
    return (Encoder().long(relative_zxid).strings(list(data)).strings(list(exist))
            .strings(list(child)).bytes())


def set_watches2_request(relative_zxid, data=(), exist=(), child=(), persistent=(),
                         recursive=()):
    return (Encoder().long(relative_zxid).strings(list(data)).strings(list(exist))
            .strings(list(child)).strings(list(persistent)).strings(list(recursive)).bytes())


def reconfig_request(joining=None, leaving=None, new_members=None, cur_config_id=-1):
    return (Encoder().ustring(joining).ustring(leaving).ustring(new_members)
            .long(cur_config_id).bytes())


def multi_request(ops):
    """ops: list of (opcode, request body bytes). Adds the MultiHeader framing and terminator."""
    e = Encoder()
    for opcode, body in ops:
        e.int(opcode).bool(False).int(-1).raw(body)
    return e.int(-1).bool(True).int(-1).bytes()


# --------------------------------------------------------------------------------------------
# Decoding

class DecodeError(Exception):
    pass


class Decoder:
    """Reads jute primitives from a bytes object, raising DecodeError on truncation."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise DecodeError(f"need {n} bytes at offset {self.pos}, have {len(self.data)}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def remaining(self):
        return len(self.data) - self.pos

    def int(self):
        return struct.unpack(">i", self._take(4))[0]

    def long(self):
        return struct.unpack(">q", self._take(8))[0]

    def bool(self):
        return self._take(1) != b"\x00"

    def buffer(self):
        n = self.int()
        return None if n == -1 else self._take(n)

    def ustring(self):
        b = self.buffer()
        return None if b is None else b.decode("utf-8", "surrogateescape")

    def vector(self, read_item):
        n = self.int()
        if n == -1:
            return None
        return [read_item(self) for _ in range(n)]

    def stat(self):
        return Stat(self.long(), self.long(), self.long(), self.long(), self.int(), self.int(),
                    self.int(), self.long(), self.int(), self.int(), self.long())

    def acls(self):
        return self.vector(lambda d: ACL(d.int(), d.ustring(), d.ustring()))

    def strings(self):
        return self.vector(lambda d: d.ustring())


def _decode_multi(d):
    results = []
    for _ in range(100000):
        op_type, done, err = d.int(), d.bool(), d.int()
        if done:
            return results
        results.append(OpResult(op_type, err, _decode_multi_body(d, op_type)))
    raise DecodeError("multi response without terminator")


def _decode_multi_body(d, op_type):
    if op_type == OP["error"]:
        return d.int()
    if op_type in (OP["delete"], OP["check"]):
        return None
    return RESPONSE_DECODERS[op_type](d)


RESPONSE_DECODERS = {
    OP["create"]: lambda d: d.ustring(),
    OP["create2"]: lambda d: (d.ustring(), d.stat()),
    OP["createContainer"]: lambda d: (d.ustring(), d.stat()),
    OP["createTTL"]: lambda d: (d.ustring(), d.stat()),
    OP["exists"]: lambda d: d.stat(),
    OP["setData"]: lambda d: d.stat(),
    OP["setACL"]: lambda d: d.stat(),
    OP["getData"]: lambda d: (d.buffer(), d.stat()),
    OP["reconfig"]: lambda d: (d.buffer(), d.stat()),
    OP["getACL"]: lambda d: (d.acls(), d.stat()),
    OP["getChildren"]: lambda d: d.strings(),
    OP["getChildren2"]: lambda d: (d.strings(), d.stat()),
    OP["sync"]: lambda d: d.ustring(),
    OP["getAllChildrenNumber"]: lambda d: d.int(),
    OP["getEphemerals"]: lambda d: d.strings(),
    OP["addWatch"]: lambda d: d.int(),
    OP["whoAmI"]: lambda d: d.vector(lambda e: ClientInfo(e.ustring(), e.ustring())),
    OP["multi"]: _decode_multi,
    OP["multiRead"]: _decode_multi,
}


def decode_response(opcode, body):
    """Decodes a success reply body for `opcode`; returns None for body-less replies."""
    decoder = RESPONSE_DECODERS.get(opcode)
    if decoder is None:
        return None
    d = Decoder(body)
    value = decoder(d)
    if d.remaining():
        raise DecodeError(f"{d.remaining()} trailing bytes in {OP_NAME.get(opcode)} reply")
    return value


# --------------------------------------------------------------------------------------------
# Connection

class ConnectionClosed(Exception):
    """The server closed the connection (EOF or reset)."""


class ProtocolError(Exception):
    """The server sent something a ZooKeeper client would reject."""


class Connection:
    """One TCP connection to a server. `handshake()` first, then `call()`.

    `events` collects notifications (WatcherEvent) in arrival order; `last_zxid` is the highest
    zxid seen in a normal reply (what a real client sends as lastZxidSeen / relativeZxid).
    """

    MAX_FRAME = 0xFFFFF + 1024

    def __init__(self, host, port, timeout=10.0):
        self.host, self.port = host, port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.events = []
        self.next_xid = 1
        self.last_zxid = 0
        self.session = None  # ConnectResult once handshaken
        self._buf = b""

    # ---- framing

    def send_frame(self, payload):
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n, deadline):
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout(f"timed out waiting for {n} bytes")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ConnectionClosed(str(e)) from e
            if not chunk:
                raise ConnectionClosed("EOF")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def recv_frame(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        (length,) = struct.unpack(">i", self._recv_exact(4, deadline))
        if length < 0 or length > self.MAX_FRAME:
            raise ProtocolError(f"frame length {length} out of range")
        return self._recv_exact(length, deadline)

    # ---- handshake

    def handshake(self, session_timeout_ms=30000, session_id=0, passwd=bytes(16),
                  last_zxid=0, read_only=False, trailer=True, timeout=None):
        """Sends ConnectRequest (+ readOnly byte unless trailer=False); returns ConnectResult.

        `read_only` in the result is None when the server omitted the trailer.
        """
        e = (Encoder().int(0).long(last_zxid).int(session_timeout_ms).long(session_id)
             .buffer(passwd))
        if trailer:
            e.bool(read_only)
        self.send_frame(e.bytes())
        frame = self.recv_frame(timeout)
        d = Decoder(frame)
        proto, negotiated, sid, pw = d.int(), d.int(), d.long(), d.buffer()
        ro = d.bool() if d.remaining() else None
        if d.remaining():
            raise ProtocolError(f"{d.remaining()} trailing bytes in ConnectResponse")
        self.session = ConnectResult(proto, negotiated, sid, pw, ro, len(frame))
        return self.session

    # ---- requests

    def submit(self, opcode, body=b"", xid=None):
        """Writes one request frame; returns the xid used (auto-incremented if not given)."""
        if xid is None:
            xid = self.next_xid
            self.next_xid += 1
        self.send_frame(struct.pack(">ii", xid, opcode) + body)
        return xid

    def read_reply(self, xid, opcode, timeout=None):
        """Reads frames until the reply for `xid`; notifications go to `events`.

        Ping replies are skipped unless `xid` is the ping xid. Any other reply xid is a
        ProtocolError (a Java client would drop the connection: "Xid out of order").
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        for _ in range(100000):
            frame = self.recv_frame(max(0.0, deadline - time.monotonic()))
            d = Decoder(frame)
            rxid, zxid, err = d.int(), d.long(), d.int()
            if rxid == XID_NOTIFICATION:
                self._queue_event(d, zxid, err)
                continue
            if rxid == XID_PING and xid != XID_PING:
                continue
            if rxid != xid:
                raise ProtocolError(f"reply xid {rxid} while waiting for {xid}")
            if zxid > 0 and rxid not in (XID_PING, XID_AUTH):
                self.last_zxid = max(self.last_zxid, zxid)
            body = frame[16:]
            value = decode_response(opcode, body) if err == 0 else body
            return Reply(rxid, zxid, err, opcode, value)
        raise ProtocolError("too many frames without the expected reply")

    def _queue_event(self, d, zxid, err):
        if zxid != -1 or err != 0:
            raise ProtocolError(f"notification header zxid={zxid} err={err}")
        event = WatcherEvent(d.int(), d.int(), d.ustring())
        if d.remaining():
            raise ProtocolError("trailing bytes in notification")
        self.events.append(event)

    def call(self, opcode, body=b"", xid=None, timeout=None):
        """Sends one request and returns its Reply (err != 0 → value holds the raw body)."""
        xid = self.submit(opcode, body, xid)
        return self.read_reply(xid, opcode, timeout)

    def take_events(self):
        events, self.events = self.events, []
        return events

    def wait_for_close(self, timeout=5.0):
        """True if the server closes the connection within `timeout` (frames are dropped,
        notifications kept)."""
        deadline = time.monotonic() + timeout
        try:
            for _ in range(100000):
                frame = self.recv_frame(max(0.0, deadline - time.monotonic()))
                d = Decoder(frame)
                rxid, zxid, err = d.int(), d.long(), d.int()
                if rxid == XID_NOTIFICATION:
                    self._queue_event(d, zxid, err)
        except ConnectionClosed:
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- convenience wrappers (each returns a Reply)

    def ping(self):
        return self.call(OP["ping"], b"", xid=XID_PING)

    def auth(self, scheme, auth):
        data = auth.encode() if isinstance(auth, str) else auth
        return self.call(OP["auth"], auth_packet(scheme, data), xid=XID_AUTH)

    def create(self, path, data=b"", acl=OPEN_ACL_UNSAFE, flags=0):
        return self.call(OP["create"], create_request(path, data, acl, flags))

    def create2(self, path, data=b"", acl=OPEN_ACL_UNSAFE, flags=0):
        return self.call(OP["create2"], create_request(path, data, acl, flags))

    def create_container(self, path, data=b"", acl=OPEN_ACL_UNSAFE):
        return self.call(OP["createContainer"],
                         create_request(path, data, acl, FLAG_CONTAINER))

    def create_ttl(self, path, data=b"", acl=OPEN_ACL_UNSAFE, flags=FLAG_TTL, ttl=60000):
        return self.call(OP["createTTL"], create_ttl_request(path, data, acl, flags, ttl))

    def delete(self, path, version=-1):
        return self.call(OP["delete"], delete_request(path, version))

    def exists(self, path, watch=False):
        return self.call(OP["exists"], path_watch_request(path, watch))

    def get_data(self, path, watch=False):
        return self.call(OP["getData"], path_watch_request(path, watch))

    def set_data(self, path, data, version=-1):
        return self.call(OP["setData"], set_data_request(path, data, version))

    def get_acl(self, path):
        return self.call(OP["getACL"], path_request(path))

    def set_acl(self, path, acl, version=-1):
        return self.call(OP["setACL"], set_acl_request(path, acl, version))

    def get_children(self, path, watch=False):
        return self.call(OP["getChildren"], path_watch_request(path, watch))

    def get_children2(self, path, watch=False):
        return self.call(OP["getChildren2"], path_watch_request(path, watch))

    def sync(self, path):
        return self.call(OP["sync"], path_request(path))

    def get_all_children_number(self, path):
        return self.call(OP["getAllChildrenNumber"], path_request(path))

    def get_ephemerals(self, prefix):
        return self.call(OP["getEphemerals"], path_request(prefix))

    def multi(self, ops):
        return self.call(OP["multi"], multi_request(ops))

    def multi_read(self, ops):
        return self.call(OP["multiRead"], multi_request(ops))

    def add_watch(self, path, mode):
        return self.call(OP["addWatch"], add_watch_request(path, mode))

    def remove_watches(self, path, watch_type):
        return self.call(OP["removeWatches"], watch_type_request(path, watch_type))

    def check_watches(self, path, watch_type):
        return self.call(OP["checkWatches"], watch_type_request(path, watch_type))

    def who_am_i(self):
        return self.call(OP["whoAmI"])

    def set_watches(self, relative_zxid, data=(), exist=(), child=()):
        return self.call(OP["setWatches"],
                         set_watches_request(relative_zxid, data, exist, child))

    def set_watches2(self, relative_zxid, data=(), exist=(), child=(), persistent=(),
                     recursive=()):
        return self.call(OP["setWatches2"], set_watches2_request(
            relative_zxid, data, exist, child, persistent, recursive))

    def reconfig(self, joining=None, leaving=None, new_members=None, cur_config_id=-1):
        return self.call(OP["reconfig"],
                         reconfig_request(joining, leaving, new_members, cur_config_id))

    def close_session(self):
        return self.call(OP["closeSession"])


def connect(host, port, session_timeout_ms=30000, timeout=10.0, **handshake_args):
    """Opens a connection and completes a handshake; returns the Connection."""
    conn = Connection(host, port, timeout)
    try:
        conn.handshake(session_timeout_ms, **handshake_args)
    except BaseException:
        conn.close()
        raise
    return conn


# Multi sub-operation builders: each returns (opcode, body) for multi_request().

def op_create(path, data=b"", acl=OPEN_ACL_UNSAFE, flags=0):
    return OP["create"], create_request(path, data, acl, flags)


def op_create2(path, data=b"", acl=OPEN_ACL_UNSAFE, flags=0):
    return OP["create2"], create_request(path, data, acl, flags)


def op_create_ttl(path, data=b"", acl=OPEN_ACL_UNSAFE, flags=FLAG_TTL, ttl=60000):
    return OP["createTTL"], create_ttl_request(path, data, acl, flags, ttl)


def op_create_container(path, data=b"", acl=OPEN_ACL_UNSAFE):
    return OP["createContainer"], create_request(path, data, acl, FLAG_CONTAINER)


def op_delete(path, version=-1):
    return OP["delete"], delete_request(path, version)


def op_set_data(path, data, version=-1):
    return OP["setData"], set_data_request(path, data, version)


def op_check(path, version):
    return OP["check"], check_version_request(path, version)


def op_get_data(path, watch=False):
    return OP["getData"], path_watch_request(path, watch)


def op_get_children(path, watch=False):
    return OP["getChildren"], path_watch_request(path, watch)
