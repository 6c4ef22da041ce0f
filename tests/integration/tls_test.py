"""TLS on secureClientPort (issue #6), end to end with kazoo and Python's ssl module.

What this proves: paddock-server reads ZooKeeper's zoo.cfg TLS keys (secureClientPort,
ssl.keyStore.*, ssl.trustStore.*, ssl.clientAuth, ssl.protocol / ssl.enabledProtocols) with PEM
files, and then
* kazoo with use_ssl and a client certificate does create/get/set, one-shot watches and
  ephemerals over TLS, and a verified certificate gives the connection the identity
  x509:<subject DN> (an x509 ACL admits that client and refuses another);
* ssl.clientAuth=need (ZooKeeper's default, left unset here) refuses a client with no
  certificate and one whose certificate comes from an untrusted CA, during the handshake;
  ssl.clientAuth=want admits a client without a certificate;
* a plain-text ZooKeeper client on the TLS port is disconnected with a log line, and neither a
  TLS session already open nor the plain clientPort is disturbed;
* without clientPort only the TLS port listens, as in ZooKeeper;
* a bad ssl.* value or an unreadable PEM file stops start-up with a message naming the key
  and the file.
The CA and certificates are made at test time with the openssl command line, in a temporary
directory; everything runs on loopback.
"""

import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import zkservers  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import NoAuthError  # noqa: E402
from kazoo.security import make_acl  # noqa: E402

LOOPBACK = "127.0.0.1"
CLIENT_DN = "CN=kazoo-client,O=Paddock Test"
DEADLINE_S = 15.0


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_pki(d):
    """A CA, a server certificate for localhost/127.0.0.1, two client certificates from the CA,
    and a rogue CA with a client certificate of its own. Returns a dict of file paths."""
    d = Path(d)
    (d / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "rogue-ca"):
        openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
                "-subj", f"/O=Paddock Test/CN={ca}", cwd=d)
    leaves = [("server", "ca", "/O=Paddock Test/CN=localhost", "server.ext"),
              ("client", "ca", "/O=Paddock Test/CN=kazoo-client", "client.ext"),
              ("other", "ca", "/O=Paddock Test/CN=other-client", "client.ext"),
              ("rogue", "rogue-ca", "/O=Paddock Test/CN=kazoo-client", "client.ext")]
    for name, ca, subj, ext in leaves:
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subj, cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", ext, cwd=d)
    # ZooKeeper's PEM key store: private key and certificate chain in one file.
    (d / "keystore.pem").write_text((d / "server.key").read_text() + (d / "server.crt").read_text())
    openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:s3cret", "-out",
            "server-enc.key", cwd=d)
    (d / "keystore-enc.pem").write_text(
        (d / "server-enc.key").read_text() + (d / "server.crt").read_text())
    return {k: str(d / v) for k, v in {
        "ca": "ca.pem", "keystore": "keystore.pem", "keystore_enc": "keystore-enc.pem",
        "client_crt": "client.crt", "client_key": "client.key",
        "other_crt": "other.crt", "other_key": "other.key",
        "rogue_crt": "rogue.crt", "rogue_key": "rogue.key"}.items()}


def tls_cfg(pki, secure_port, **extra):
    cfg = {"secureClientPort": secure_port,
           "ssl.keyStore.location": pki["keystore"],
           "ssl.keyStore.type": "PEM",
           "ssl.trustStore.location": pki["ca"],
           "ssl.trustStore.type": "PEM",
           "serverCnxnFactory": "org.apache.zookeeper.server.NettyServerCnxnFactory"}
    cfg.update(extra)
    return cfg


def connect_request_frame():
    """A ZooKeeper ConnectRequest, as a plain-text client sends it first."""
    body = struct.pack(">iqiq", 0, 0, 30000, 0) + struct.pack(">i", 16) + b"\0" * 16 + b"\0"
    return struct.pack(">i", len(body)) + body


def wait_for(predicate, what, timeout=DEADLINE_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class TlsServerTest(unittest.TestCase):
    """One server with both ports; ssl.clientAuth unset, so ZooKeeper's default (need)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-tls-")
        cls.pki = make_pki(Path(cls.tmp.name))
        cls.secure_port = zkservers.free_port()
        cls.server = zkservers.start_paddock(Path(cls.tmp.name) / "server",
                                             tls_cfg(cls.pki, cls.secure_port))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.stop()
            c.close()

    def kazoo(self, cert="client", port=None, start=True, timeout=10):
        kw = {}
        if cert is not None:
            kw = {"certfile": self.pki[f"{cert}_crt"], "keyfile": self.pki[f"{cert}_key"]}
        c = KazooClient(hosts=f"{LOOPBACK}:{port or self.secure_port}", use_ssl=True,
                        ca=self.pki["ca"], verify_certs=True, timeout=10, **kw)
        self.clients.append(c)
        if start:
            c.start(timeout=timeout)
        return c

    def plain_kazoo(self):
        c = KazooClient(hosts=self.server.connect_string, timeout=10)
        self.clients.append(c)
        c.start(timeout=10)
        return c

    def test_kazoo_create_get_set_watch_and_ephemeral_over_tls(self):
        zk = self.kazoo()
        zk.create("/tls/a", b"one", makepath=True)
        self.assertEqual(zk.get("/tls/a")[0], b"one")
        fired = threading.Event()
        events = []
        zk.get("/tls/a", watch=lambda e: (events.append(e), fired.set()))
        stat = zk.set("/tls/a", b"x" * 300000)  # several TLS records each way
        self.assertEqual(stat.version, 1)
        self.assertTrue(fired.wait(DEADLINE_S), "data watch did not fire over TLS")
        self.assertEqual(events[0].type, "CHANGED")
        self.assertEqual(zk.get("/tls/a")[0], b"x" * 300000)
        zk.create("/tls/eph", b"", ephemeral=True)
        plain = self.plain_kazoo()
        self.assertIsNotNone(plain.exists("/tls/eph"))
        zk.stop()
        wait_for(lambda: plain.exists("/tls/eph") is None, "ephemeral deleted on close")

    def test_verified_certificate_is_the_x509_identity_in_acls(self):
        zk = self.kazoo()
        acl = make_acl("x509", CLIENT_DN, all=True)
        zk.create("/x509-only", b"secret", acl=[acl])
        self.assertEqual(zk.get("/x509-only")[0], b"secret")
        self.assertEqual(zk.get_acls("/x509-only")[0][0].id.id, CLIENT_DN)
        other = self.kazoo(cert="other")
        with self.assertRaises(NoAuthError):
            other.get("/x509-only")
        with self.assertRaises(NoAuthError):
            self.plain_kazoo().get("/x509-only")

    def tls_handshake(self, cert):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.pki["ca"])
        if cert is not None:
            ctx.load_cert_chain(self.pki[f"{cert}_crt"], self.pki[f"{cert}_key"])
        raw = socket.create_connection((LOOPBACK, self.secure_port), timeout=DEADLINE_S)
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(connect_request_frame())
            return s.recv(4)  # the ConnectResponse's length prefix

    def test_need_refuses_a_client_without_certificate_or_with_an_untrusted_one(self):
        self.assertEqual(len(self.tls_handshake("client")), 4, "trusted client served")
        for cert in (None, "rogue"):
            with self.subTest(cert=cert):
                with self.assertRaises((ssl.SSLError, ConnectionError)):
                    data = self.tls_handshake(cert)
                    if data == b"":
                        raise ConnectionError("closed")
        with self.assertRaises(Exception):
            self.kazoo(cert=None, timeout=3)
        self.assertTrue(self.server.is_running())
        wait_for(lambda: "handshake_done=false" in Path(self.server.output_path).read_text(),
                 "a log line for the refused handshake")

    def test_plaintext_client_on_tls_port_fails_cleanly(self):
        zk = self.kazoo()
        zk.create("/before", b"1")
        with socket.create_connection((LOOPBACK, self.secure_port), timeout=DEADLINE_S) as s:
            s.sendall(connect_request_frame())
            got = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            # At most a TLS alert record (content type 21), never a ZooKeeper reply.
            self.assertTrue(got == b"" or got[0] == 21, got[:16])
        log = Path(self.server.output_path).read_text()
        self.assertIn("tls connection closed", log)
        self.assertEqual(zk.get("/before")[0], b"1", "the TLS session was disturbed")
        plain = self.plain_kazoo()
        self.assertEqual(plain.get("/before")[0], b"1", "the plain port was disturbed")
        self.assertTrue(self.server.is_running())


class ClientAuthWantTest(unittest.TestCase):
    """ssl.clientAuth=want with TLSv1.3 only and no clientPort: only the TLS port listens."""

    def test_want_admits_anonymous_clients_on_a_tls_only_server(self):
        with tempfile.TemporaryDirectory(prefix="paddock-tls-want-") as tmp:
            pki = make_pki(tmp)
            secure_port = zkservers.free_port()
            plain_port = zkservers.free_port()
            data = Path(tmp) / "data"
            data.mkdir()
            cfg = {"dataDir": str(data), "clientPortAddress": LOOPBACK,
                   "admin.enableServer": "false", "ssl.clientAuth": "want",
                   "ssl.protocol": "TLSv1.3"}
            cfg.update(tls_cfg(pki, secure_port, **{"ssl.keyStore.location": pki["keystore_enc"],
                                                     "ssl.keyStore.password": "s3cret"}))
            cfg_path = Path(tmp) / "zoo.cfg"
            zkservers.write_cfg(cfg_path, cfg)
            out = open(Path(tmp) / "server.out", "wb")
            proc = subprocess.Popen([zkservers.paddock_binary(), str(cfg_path)], cwd=tmp,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                zk = KazooClient(hosts=f"{LOOPBACK}:{secure_port}", use_ssl=True, ca=pki["ca"],
                                 verify_certs=True, timeout=10)
                deadline = time.monotonic() + DEADLINE_S
                while True:
                    try:
                        zk.start(timeout=2)
                        break
                    except Exception:
                        self.assertIsNone(proc.poll(), (Path(tmp) / "server.out").read_text())
                        if time.monotonic() > deadline:
                            raise
                zk.create("/anonymous", b"ok")
                self.assertEqual(zk.get("/anonymous")[0], b"ok")
                zk.stop()
                zk.close()
                with self.assertRaises(OSError):
                    socket.create_connection((LOOPBACK, plain_port), timeout=2)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                out.close()


class BadConfigTest(unittest.TestCase):
    """A bad ssl.* value or file stops start-up, naming the key and the file."""

    def run_server(self, tmp, cfg):
        data = Path(tmp) / "data"
        data.mkdir(exist_ok=True)
        full = {"dataDir": str(data), "clientPort": zkservers.free_port(),
                "clientPortAddress": LOOPBACK, "admin.enableServer": "false"}
        full.update(cfg)
        cfg_path = Path(tmp) / "zoo.cfg"
        zkservers.write_cfg(cfg_path, full)
        p = subprocess.run([zkservers.paddock_binary(), str(cfg_path)], cwd=tmp,
                           capture_output=True, timeout=DEADLINE_S, text=True)
        return p.returncode, p.stdout + p.stderr

    def test_bad_values_and_files_name_the_key_and_file(self):
        with tempfile.TemporaryDirectory(prefix="paddock-tls-bad-") as tmp:
            pki = make_pki(tmp)
            port = zkservers.free_port()
            missing = str(Path(tmp) / "no-such-keystore.pem")
            cases = [
                ({"ssl.keyStore.location": missing}, ["ssl.keyStore.location", missing]),
                ({"ssl.trustStore.location": missing}, ["ssl.trustStore.location", missing]),
                ({"ssl.keyStore.location": pki["ca"]}, ["ssl.keyStore.location", pki["ca"]]),
                ({"ssl.keyStore.location": pki["keystore_enc"], "ssl.keyStore.password": "bad"},
                 ["ssl.keyStore.location", pki["keystore_enc"]]),
                ({"ssl.keyStore.type": "JKS"}, ["ssl.keyStore.type", "JKS"]),
                ({"ssl.clientAuth": "sometimes"}, ["ssl.clientAuth", "sometimes"]),
                ({"ssl.protocol": "SSLv3"}, ["ssl.protocol", "SSLv3"]),
                ({"ssl.ciphersuites": "TLS_NO_SUCH_SUITE"}, ["ssl.ciphersuites"]),
                ({"ssl.keyStore.location": ""}, ["ssl.keyStore.location", "secureClientPort"]),
            ]
            for override, expected in cases:
                with self.subTest(override=override):
                    rc, output = self.run_server(tmp, tls_cfg(pki, port, **override))
                    self.assertNotEqual(rc, 0, output)
                    for word in expected:
                        self.assertIn(word, output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
