"""The Debian package and the installed library (issue #15, "Installing and running it").

What this proves, from the build tree in $PADDOCK_BUILD_DIR, without installing anything on the
system:
* `cpack -G DEB` builds paddock_<version>_<arch>.deb holding the binaries, libpaddock (shared
  with its SONAME, and static), the headers, the CMake package, paddock.pc, the systemd unit and
  /etc/paddock/zoo.cfg as a conffile; its Depends names the shared libraries' packages
  (dpkg-shlibdeps) and passwd; its postinst creates the paddock user and /var/lib/paddock.
* The shared library holds the client and nothing of the server's or the tests'.
* paddock-server, unpacked with `dpkg-deb -x` into a scratch root and started on the shipped
  zoo.cfg (only dataDir and the ports changed), answers ruok and srvr.
* The unit file passes `systemd-analyze verify` (skipped, saying so, without systemd-analyze).
* A consumer project builds against `cmake --install build --prefix <scratch>` with
  find_package(Paddock) (shared and static) and with pkg-config, and each program writes and
  reads a znode on that server.
Bounded: every command has a timeout; the whole test takes well under three minutes.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import zkservers  # noqa: E402

BUILD = Path(os.environ.get("PADDOCK_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))
VERSION = os.environ.get("PADDOCK_VERSION", "")
CONSUMER = Path(__file__).resolve().parent / "consumer"


def run(argv, timeout=120, **kw):
    """Runs argv; on a non-zero exit raises AssertionError with its output."""
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout,
                       **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {r.returncode}\n"
                             f"--- stdout\n{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-4000:]}")
    return r.stdout


def shipped_cfg_for_test(shipped, data_dir, port, admin_port):
    """The package's zoo.cfg with dataDir and the ports moved to scratch values."""
    moved = {"dataDir": data_dir, "clientPort": port, "admin.serverPort": admin_port}
    lines = []
    for line in shipped.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"{key}={moved.pop(key)}" if key in moved else line)
    if moved:
        raise AssertionError(f"shipped zoo.cfg lacks {sorted(moved)}")
    return "\n".join(lines + ["clientPortAddress=127.0.0.1"]) + "\n"


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-pkg-")
        cls.dir = Path(cls.tmp.name)
        run(["cpack", "-G", "DEB", "--config", BUILD / "CPackConfig.cmake", "-B", cls.dir / "out"],
            cwd=BUILD, timeout=150)
        debs = list((cls.dir / "out").glob("*.deb"))
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb from cpack, found {debs}")
        cls.deb = debs[0]
        cls.root = cls.dir / "root"
        run(["dpkg-deb", "-x", cls.deb, cls.root])
        cls.prefix = cls.dir / "installed"
        run(["cmake", "--install", BUILD, "--prefix", cls.prefix])
        cls.server = cls.start_unpacked_server()

    @classmethod
    def start_unpacked_server(cls):
        port, admin_port = zkservers.free_port(), zkservers.free_port()
        data = cls.dir / "data"
        data.mkdir()
        cfg = cls.dir / "zoo.cfg"
        shipped = (cls.root / "etc/paddock/zoo.cfg").read_text()
        cfg.write_text(shipped_cfg_for_test(shipped, data, port, admin_port))
        server = zkservers.ServerProcess(
            "paddock", [cls.root / "usr/bin/paddock-server", cfg], cls.dir, port, 15)
        return server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def test_deb_name_and_control_fields(self):
        self.assertRegex(self.deb.name, rf"^paddock_{re.escape(VERSION)}_[a-z0-9]+\.deb$")
        info = run(["dpkg-deb", "-I", self.deb])
        depends = run(["dpkg-deb", "-f", self.deb, "Depends"]).strip()
        print(f"Depends: {depends}")
        for package in ("libc6", "libstdc++6", "libuv1", "libssl3", "libspdlog", "passwd"):
            self.assertRegex(depends, rf"(^|, ){re.escape(package)}", f"Depends: {depends}")
        self.assertIn("conffiles", info)
        self.assertEqual(self.control_file("conffiles").split(), ["/etc/paddock/zoo.cfg"])
        postinst = self.control_file("postinst")
        self.assertIn("useradd --system", postinst)
        self.assertIn("/var/lib/paddock", postinst)

    def control_file(self, name):
        control = self.dir / "control"
        if not control.exists():
            run(["dpkg-deb", "-e", self.deb, control])
        return (control / name).read_text()

    def test_deb_contents(self):
        listing = run(["dpkg-deb", "-c", self.deb])
        names = {line.split()[-1] if " -> " not in line else line.split()[-3]
                 for line in listing.splitlines()}
        lib = "./usr/" + self.libdir()
        want = ["./usr/bin/paddock-server", "./usr/bin/paddock-cli", "./usr/bin/paddock-admin",
                "./usr/bin/paddock-bench",
                f"{lib}/libpaddock.so.{VERSION}", f"{lib}/libpaddock.so.0", f"{lib}/libpaddock.so",
                f"{lib}/libpaddock.a", "./usr/include/paddock/client.h",
                "./usr/include/paddock/types.h", "./usr/include/paddock/recipes.h",
                f"{lib}/cmake/Paddock/PaddockConfig.cmake",
                f"{lib}/cmake/Paddock/PaddockConfigVersion.cmake",
                f"{lib}/cmake/Paddock/PaddockTargets.cmake", f"{lib}/pkgconfig/paddock.pc",
                "./lib/systemd/system/paddock.service", "./etc/paddock/zoo.cfg",
                "./usr/share/doc/paddock/README.md",
                "./usr/share/doc/paddock/monitoring/paddock-dashboard.json",
                "./usr/share/doc/paddock/monitoring/paddock-alerts.yml"]
        missing = [w for w in want if w not in names]
        self.assertEqual(missing, [], f"missing from the package:\n{listing}")

    def libdir(self):
        pcs = list(self.root.glob("usr/**/pkgconfig/paddock.pc"))
        self.assertEqual(len(pcs), 1, pcs)
        return str(pcs[0].parent.parent.relative_to(self.root / "usr"))

    def test_shared_library_has_its_soname_and_only_client_code(self):
        lib = self.root / "usr" / self.libdir() / f"libpaddock.so.{VERSION}"
        dynamic = run(["readelf", "-d", lib])
        self.assertIn("Library soname: [libpaddock.so.0]", dynamic)
        symbols = run(["nm", "-D", "--defined-only", "-C", lib])
        self.assertIn("paddock::NewClient", symbols)
        for foreign in ("paddock::server::", "paddock::testing::", "paddock::statemachine::",
                        "paddock::consensus::", "paddock::session::", "testing::Test"):
            self.assertNotIn(foreign, symbols, f"libpaddock.so exports {foreign} symbols")

    def test_unpacked_server_answers_ruok_and_srvr(self):
        version = run([self.root / "usr/bin/paddock-server", "--version"])
        self.assertTrue(version.startswith(f"paddock-server {VERSION} (git "), version)
        self.assertEqual(zkservers.four_letter_word(self.server.port, "ruok"), "imok")
        srvr = zkservers.four_letter_word(self.server.port, "srvr")
        self.assertIn("Mode: standalone", srvr)

    def test_unit_file_passes_systemd_analyze_verify(self):
        unit = (self.root / "lib/systemd/system/paddock.service").read_text()
        for line in ("User=paddock", "ExecStart=/usr/bin/paddock-server /etc/paddock/zoo.cfg",
                     "ProtectSystem=strict", "ReadWritePaths=/var/lib/paddock",
                     "NoNewPrivileges=true", "PrivateTmp=true", "Restart=on-failure"):
            self.assertIn(line + "\n", unit)
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            print("SKIP: systemd-analyze not found (package systemd); unit file not verified")
            self.skipTest("systemd-analyze not found (package systemd)")
        # verify checks that ExecStart's program exists: point it at the unpacked one.
        checked = self.dir / "verify" / "paddock.service"
        checked.parent.mkdir(exist_ok=True)
        checked.write_text(unit.replace("ExecStart=/usr/bin/paddock-server",
                                        f"ExecStart={self.root}/usr/bin/paddock-server"))
        r = subprocess.run([analyze, "verify", "--man=no", checked], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""),
                         "systemd-analyze verify complained")

    def test_consumer_builds_with_find_package_shared_and_static(self):
        build = self.dir / "consumer-cmake"
        run(["cmake", "-S", CONSUMER, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
             f"-DCMAKE_PREFIX_PATH={self.prefix}"])
        run(["cmake", "--build", build], timeout=150)
        shared = build / "consumer_shared"
        self.assertIn(str(self.prefix), run(["ldd", shared]).split("libpaddock.so.0 => ")[1]
                      .split()[0], "consumer_shared does not load the installed libpaddock")
        self.assertNotIn("libpaddock", run(["ldd", build / "consumer_static"]))
        for program in ("consumer_shared", "consumer_static"):
            run([build / program, f"127.0.0.1:{self.server.port}", f"/find-package-{program}"])

    def test_consumer_builds_with_pkg_config(self):
        env = dict(os.environ, PKG_CONFIG_PATH=str(self.prefix / self.libdir() / "pkgconfig"))
        self.assertEqual(run(["pkg-config", "--modversion", "paddock"], env=env).strip(), VERSION)
        flags = run(["pkg-config", "--cflags", "--libs", "paddock"], env=env).split()
        run(["pkg-config", "--static", "--libs", "paddock"], env=env)
        program = self.dir / "consumer_pkg_config"
        run(["c++", "-std=c++20", "-O1", CONSUMER / "main.cc", "-o", program, *flags],
            timeout=150)
        env["LD_LIBRARY_PATH"] = str(self.prefix / self.libdir())
        run([program, f"127.0.0.1:{self.server.port}", "/pkg-config"], env=env)


if __name__ == "__main__":
    unittest.main(verbosity=2)
