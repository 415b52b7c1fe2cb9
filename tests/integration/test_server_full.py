"""sottod on a full filesystem under a burst of sends, with real processes
(its data directory on a small tmpfs this test mounts; it needs root, and
is skipped without):

- alice's --listen holds the connection and carries out a burst of
  scripted sends over its control socket, some before the disk fills,
  the rest while it is full;
- a secret message sent while it is full exits 75 at once and says the
  server cannot store it and that it is queued (it went out later);
- no message sottod acknowledged is lost: every send that exited 0 is in
  bob's history once the server restarts on the same data;
- the others are not acknowledged: each exits 75, says the server's disk
  is full and that the message is queued, and waits in alice's outbox;
- sottod says what happened, with the path, and keeps running;
- once there is room again the queued messages go through by themselves,
  and bob gets every message of the burst exactly once."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import itest
from itest import fill_disk, registered, stop, wait_for_ctl
from sottotest import EX_OK, EX_TEMPFAIL, Scenario, describe, objs

if os.geteuid() != 0:
    print("1..0 # SKIP mounting a tmpfs for sottod's data needs root")
    sys.exit(77)


def bob_texts(bob):
    p = bob.run("--history", "@alice", "--json", "--limit", "1000")
    return [m.get("text") for m in objs(p, "message")]


mnt = tempfile.mkdtemp(prefix="sotto-srvfull-")
r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700",
                    "tmpfs", mnt], capture_output=True, text=True)
if r.returncode != 0:
    print("1..0 # SKIP cannot mount a tmpfs: %s" % r.stderr.strip())
    os.rmdir(mnt)
    sys.exit(77)

listen = None
try:
    with Scenario("server_full") as sc:
        t = sc.t
        srv = sc.server(data=os.path.join(mnt, "data"))
        alice = registered(sc, srv, "alice")
        bob = registered(sc, srv, "bob")

        listen, _ = itest.listen(alice, json=False)
        t.ok(wait_for_ctl(alice), "alice's --listen is up")

        # A secret chat, set up before the disk fills.
        p = alice.run("--secret-start", "@bob", "--json", secrets=False)
        t.eq(p.returncode, EX_OK, "alice asks bob for a secret chat",
             describe(p))
        sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
        bob.run("--secret-list")
        p = bob.run("--secret-accept", str(sid))
        t.eq(p.returncode, EX_OK, "bob accepts", describe(p))
        end = time.time() + 20
        while time.time() < end:
            p = alice.run("--secret-list", "--json", secrets=False)
            if [c.get("state") for c in objs(p, "secret_chat")] == \
                    ["active"]:
                break
            time.sleep(0.3)
        t.eq([c.get("state") for c in objs(p, "secret_chat")], ["active"],
             "alice's side is active", describe(p))

        results = {}

        def send(text):
            results[text] = alice.run("-t", "@bob", "-m", text, "--timeout",
                                      "4", secrets=False)

        def burst(texts):
            threads = [threading.Thread(target=send, args=(x,))
                       for x in texts]
            for th in threads:
                th.start()
            for th in threads:
                th.join()

        before = ["before %d" % i for i in range(8)]
        full = ["while full %d" % i for i in range(12)]
        burst(before)
        fill_disk(os.path.join(mnt, "fill"))
        t.eq(shutil.disk_usage(mnt).free, 0, "sottod's disk is full")
        # The secret send first, while the cloud outbox is empty: what it
        # says is its own.
        secret = alice.run("-t", "@bob", "--secret", "-m", "secret while "
                           "full", "--timeout", "4", secrets=False)
        t.eq(secret.returncode, EX_TEMPFAIL, "a secret send while it is "
             "full is not acknowledged (75)", describe(secret))
        t.ok("disk is full" in secret.stderr and "queued" in secret.stderr
             and "incomplete" not in secret.stderr,
             "and says the server's disk is full and that it is queued",
             describe(secret))
        burst(full)

        acked = [x for x in before + full if results[x].returncode == EX_OK]
        queued = [x for x in before + full
                  if results[x].returncode == EX_TEMPFAIL]
        other = [(x, describe(results[x])) for x in before + full
                 if x not in acked and x not in queued]
        t.eq(other, [], "every send of the burst exited 0 or 75")
        t.ok(set(before) <= set(acked), "the sends before the disk filled "
             "were acknowledged (%d)" % len(before))
        t.ok(len(queued) > 0, "sends while it is full were not "
             "acknowledged (%d of %d)" % (len(queued), len(full)))
        said = [x for x in queued if "disk is full" not in
                results[x].stderr or "queued" not in results[x].stderr]
        t.eq(said, [], "each says the server's disk is full and that the "
             "message is queued", [describe(results[x]) for x in said[:2]])
        got, why = alice.sql("SELECT count(*) FROM outbox")
        t.eq(got, [str(len(queued))], "alice's outbox keeps what was not "
             "acknowledged", why)
        t.ok(srv.alive(), "sottod keeps running")

        def log():
            with open(srv.log) as f:
                return f.read()
        t.ok("no space left on the device holding" in log() and
             srv.data in log(), "sottod says its disk is full, with the "
             "path", log()[-2000:])
        t.eq(log().count("no space left on the device holding"), 1,
             "once for the episode, not once a request")

        # No acknowledged message was lost: what the server's database
        # holds after a SIGKILL (its disk still full).
        srv.stop(signal.SIGKILL)
        rows, err = srv.sql("SELECT text FROM messages")
        texts = rows.splitlines()
        lost = [x for x in acked if x not in texts]
        t.eq(lost, [], "no acknowledged message is lost (%d acknowledged)"
             % len(acked), err)
        t.eq([x for x in queued if x in texts], [], "and none of the "
             "others was stored")

        # Restarted on the full disk, it starts and finds it full again.
        srv.start()
        end = time.time() + 30
        while (log().count("no space left on the device holding") < 2 and
               time.time() < end):
            time.sleep(0.2)
        t.eq(log().count("no space left on the device holding"), 2,
             "sottod starts on a full disk and says it again")
        os.unlink(os.path.join(mnt, "fill"))
        end = time.time() + 60
        while time.time() < end:
            got, why = alice.sql("SELECT count(*) FROM outbox")
            if got == ["0"]:
                break
            time.sleep(0.5)
        t.eq(got, ["0"], "with room again, --listen sent what waited", why)
        texts = bob_texts(bob)
        t.eq(sorted(texts), sorted(before + full), "bob has every message "
             "of the burst exactly once")
        end = time.time() + 30
        while time.time() < end:
            p = bob.run("--history", "@alice", "--secret", "--json")
            got = [m.get("text") for m in objs(p, "secret_message")]
            if "secret while full" in got:
                break
            time.sleep(0.5)
        t.eq(got, ["secret while full"], "and the secret message, once",
             describe(p))
        t.ok("room on the disk again" in log(),
             "sottod says there is room again")
        rc = stop(listen)
        t.eq(rc, 0, "--listen ends cleanly", listen.stderr.read()[-2000:])
        listen = None
        t.done()
finally:
    if listen is not None:
        listen.kill()
        listen.wait()
    subprocess.run(["umount", "-l", mnt])
    os.rmdir(mnt)
