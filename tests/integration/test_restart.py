"""sottod killed and restarted: the next command reconnects and is
authenticated by its device key alone; SIGTERM is a clean exit; an
unreachable server is exit 69."""
import signal
import time

from itest import registered
from sottotest import EX_OK, EX_UNAVAILABLE, Scenario, describe

with Scenario("restart") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")

    rc = srv.stop(signal.SIGKILL)
    t.eq(rc, -signal.SIGKILL, "sottod killed with SIGKILL")
    p = alice.run("--timeout", "2", "--whoami")
    t.eq(p.returncode, EX_UNAVAILABLE, "server down: exit 69", describe(p))

    srv.start()
    # The password file now holds a wrong password: it must not be needed.
    alice.set_password("definitely-not-the-password")
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "after restart: authenticated by the device key",
         describe(p))
    t.ok("alice" in p.stdout, "and it is alice", p.stdout)

    # A server that comes up while the client is retrying is reached.
    srv.stop(signal.SIGKILL)
    import subprocess
    import os
    proc = subprocess.Popen(
        [os.environ.get("SOTTO_BIN", "./sotto"), "--server", srv.addr,
         "--passphrase-file", alice.passphrase_file, "--timeout", "20",
         "--whoami"], env=alice.env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    srv.start()
    out, err = proc.communicate(timeout=60)
    t.eq(proc.returncode, EX_OK, "the client retried until the server was back",
         "stdout: %s\nstderr: %s" % (out, err))

    rc = srv.stop(signal.SIGTERM)
    t.eq(rc, 0, "SIGTERM: sottod exits 0")
    srv.start()
    rc = srv.stop(signal.SIGINT)
    t.eq(rc, 0, "SIGINT: sottod exits 0")
    t.done()
