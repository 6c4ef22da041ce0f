"""The live sessions page in a real browser: Debian's Chromium, headless, on loopback.

What this proves: the page served at /sessions, rendered by Chromium with its JavaScript,
shows every live session (its id, client address, timeout, liveness, ephemerals, data and
child watches) and the sessions that ended, each with its reason: one closed by its client
and one expired after its silence. The page updates itself: while Chromium keeps it open it
fetches the sessions feed again and again (counted by the server's own admin metrics). A
screenshot of the page is a PNG of the requested size that is not blank: it holds many
colours, among them the header's, the green liveness bar of the live session and the badges of
both end reasons.

How: sessions are made with the raw wire client (tests/lib/jute.py); Chromium runs with
--dump-dom and --screenshot, a fresh profile and --virtual-time-budget so that the page's
fetches complete before the snapshot; the PNG is decoded here with zlib. Every step is
bounded in time; Chromium's whole process group is killed if it overruns.
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import adminlib  # noqa: E402
import jute  # noqa: E402
import zkservers  # noqa: E402

CHROMIUM = os.environ.get("PADDOCK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_TIMEOUT_S = 90
WIDTH, HEIGHT = 1200, 800

# Colours of the page's CSS (sessions_page.cc).
HEADER = (0x1F, 0x3A, 0x5F)
LIVE_BAR = (0x2E, 0x9E, 0x5B)
CLOSED_BADGE = (0x2E, 0x7D, 0xD6)
EXPIRED_BADGE = (0xD6, 0x45, 0x45)


def run_chromium(args, profile):
    """Runs headless Chromium; returns (returncode, stdout). Kills its process group on timeout."""
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", *args]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=CHROMIUM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate(timeout=10)
        raise AssertionError(f"chromium did not finish within {CHROMIUM_TIMEOUT_S} s")
    return p.returncode, out.decode("utf-8", "replace")


def decode_png(data):
    """Decodes an 8-bit, non-interlaced RGB or RGBA PNG; returns (width, height, rows of
    (r, g, b) tuples)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(kind, line, prev, channels)
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        prev = line
    return width, height, rows


def unfilter(kind, line, prev, bpp):
    if kind == 0:
        return
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            pred = a
        elif kind == 2:
            pred = b
        elif kind == 3:
            pred = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        line[i] = (line[i] + pred) & 0xFF


def has_colour(counts, rgb, tolerance=6, at_least=20):
    """True if at least `at_least` pixels are within `tolerance` of `rgb` in every channel."""
    n = 0
    for colour, count in counts.items():
        if all(abs(colour[i] - rgb[i]) <= tolerance for i in range(3)):
            n += count
    return n >= at_least


class SessionsPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CHROMIUM, os.X_OK):
            raise RuntimeError(f"chromium not found at {CHROMIUM} (scripts/setup.sh installs it)")
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-page-")
        cls.server = zkservers.start_paddock(cls.tmp.name + "/server", {"tickTime": 1000})
        cls.admin = cls.server.admin_port
        cls.conns = []
        cls.make_sessions()

    @classmethod
    def tearDownClass(cls):
        cls.stop_pinging.set()
        cls.pinger.join(10)
        for c in cls.conns:
            c.close()
        cls.server.stop()
        cls.tmp.cleanup()

    @classmethod
    def connect(cls, timeout_ms):
        c = jute.connect("127.0.0.1", cls.server.port, session_timeout_ms=timeout_ms)
        cls.conns.append(c)
        return c

    @classmethod
    def make_sessions(cls):
        # Live: an ephemeral, a data watch and a child watch, kept alive by pings.
        cls.live = cls.connect(20000)
        cls.live.create("/page-dir")
        cls.live.create("/page-eph", b"x", flags=jute.FLAG_EPHEMERAL)
        cls.live.get_data("/page-eph", watch=True)
        cls.live.get_children("/page-dir", watch=True)
        cls.stop_pinging = threading.Event()
        cls.pinger = threading.Thread(target=cls.ping_live, daemon=True)
        cls.pinger.start()
        # Ended: one closed by its client, one expired after 2 s of silence.
        closed = cls.connect(20000)
        closed.create("/page-closed", flags=jute.FLAG_EPHEMERAL)
        closed.close_session()
        expired = cls.connect(2000)
        cls.ids = {name: f"0x{c.session.session_id:x}"
                   for name, c in (("live", cls.live), ("closed", closed), ("expired", expired))}
        zkservers.wait_until(lambda: any(e["session_id"] == cls.ids["expired"] for e in
                                         adminlib.command(cls.admin, "sessions")["ended"]),
                             15, interval=0.2, what="the short session's expiry")

    @classmethod
    def ping_live(cls):
        while not cls.stop_pinging.wait(2.0):
            try:
                cls.live.ping()
            except (OSError, jute.ConnectionClosed, jute.ProtocolError):
                return

    def page_url(self):
        return f"http://127.0.0.1:{self.admin}/sessions"

    def feed_requests(self):
        m = adminlib.parse_prometheus(adminlib.http_get(self.admin, "/metrics")[2])
        return adminlib.metric(m, "paddock_admin_requests_total", command="sessions") or 0

    def test_rendered_page_lists_live_and_ended_sessions_and_keeps_polling(self):
        before = self.feed_requests()
        with tempfile.TemporaryDirectory(prefix="paddock-chromium-") as profile:
            rc, dom = run_chromium(["--virtual-time-budget=6000", "--dump-dom",
                                    self.page_url()], profile)
        self.assertEqual(rc, 0)
        polled = self.feed_requests() - before
        # The served HTML holds no session: everything below was fetched and drawn by the script.
        served = adminlib.http_get(self.admin, "/sessions")[2]
        self.assertNotIn(self.ids["live"], served)
        self.assertIn(f'data-session="{self.ids["live"]}"', dom)
        self.assertIn("127.0.0.1:", dom)
        self.assertIn("/page-eph", dom)
        self.assertIn("/page-dir (children)", dom)
        self.assertIn("20.0 s", dom)  # the negotiated timeout
        self.assertIn(self.ids["closed"], dom)
        self.assertIn("closed by the client", dom)
        self.assertIn(self.ids["expired"], dom)
        self.assertRegex(dom, r"expired after \d+ ms of silence")
        # The status line reports the last successful update, not an error.
        self.assertRegex(dom, r'<span id="status"[^>]*>updated \d\d:\d\d:\d\d UTC')
        self.assertGreaterEqual(polled, 3, "the page did not keep fetching its feed")

    def test_screenshot_is_the_requested_size_and_shows_the_page(self):
        with tempfile.TemporaryDirectory(prefix="paddock-chromium-") as profile:
            shot = Path(profile) / "sessions.png"
            rc, _ = run_chromium(["--virtual-time-budget=4000", "--hide-scrollbars",
                                  f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}",
                                  self.page_url()], profile)
            self.assertEqual(rc, 0)
            self.assertTrue(shot.exists(), "no screenshot written")
            data = shot.read_bytes()
            keep = os.environ.get("PADDOCK_KEEP_SCREENSHOT")
            if keep:
                Path(keep).write_bytes(data)
        width, height, rows = decode_png(data)
        self.assertEqual((width, height), (WIDTH, HEIGHT))
        counts = {}
        for row in rows:
            for px in row:
                counts[px] = counts.get(px, 0) + 1
        dominant = max(counts.values()) / (width * height)
        self.assertGreater(len(counts), 50, "too few colours: a blank page?")
        self.assertLess(dominant, 0.95, "one colour covers the page")
        self.assertTrue(has_colour(counts, HEADER, at_least=width * 20), "no header")
        self.assertTrue(has_colour(counts, LIVE_BAR), "no liveness bar of a live session")
        self.assertTrue(has_colour(counts, CLOSED_BADGE), "no 'closed' badge")
        self.assertTrue(has_colour(counts, EXPIRED_BADGE), "no 'expired' badge")


if __name__ == "__main__":
    unittest.main(verbosity=2)
