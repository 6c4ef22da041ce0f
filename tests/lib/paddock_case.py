"""A unittest base class: a fresh paddock-server per test, in a temporary directory.

Subclasses set `extra_cfg` (zoo.cfg additions) or override `server_cfg()`, and register the
connections they open in `self.conns`, which are closed before the server stops.
"""

import tempfile
import unittest

import zkservers


class ServerTestCase(unittest.TestCase):
    extra_cfg = {"tickTime": 500}  # sessions between 1 s and 10 s
    tmp_prefix = "paddock-it-"

    def server_cfg(self):
        return self.extra_cfg

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix=self.tmp_prefix)
        self.server = zkservers.start_paddock(self.tmp.name, self.server_cfg())
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()
        self.server.stop()
        self.tmp.cleanup()
