"""--listen and the control socket, with real sottod and sotto processes.

- --listen prints each new message once, survives a SIGKILL and restart of
  sottod by reconnecting itself, and prints later messages once;
- while it runs, a scripted command for the same profile is carried out by
  it over ctl.sock (mode 0600): the command works with no passphrase file
  and no terminal (it could not unlock the profile itself), and no second
  process unlocks the profile (the profile's log records every process
  that opens it); output, errors and exit statuses come back unchanged;
- once --listen ends, the socket is gone and the same command needs the
  passphrase again."""
import os
import signal
import stat
import subprocess
import time

import sottotest
from itest import ctl_sock, listen, printed, registered, stop, \
    wait_for_ctl
from sottotest import EX_DATAERR, EX_OK, Scenario, describe, jsonl


def opened(client):
    """How many sotto processes have unlocked this profile so far."""
    try:
        with open(os.path.join(client.profile_dir, "sotto.log")) as f:
            return sum(1 for line in f if " cli_run:" in line)
    except OSError:
        return 0


with Scenario("listen_ctl") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob = registered(sc, srv, "bob", password="bobs-password-1")

    listen_proc, lines = listen(bob)

    def messages():
        return printed(lines, "message")

    def wait_for(n, timeout=30):
        end = time.time() + timeout
        while len(messages()) < n and time.time() < end:
            time.sleep(0.05)
        return messages()

    sock = ctl_sock(bob)
    wait_for_ctl(bob)
    t.ok(os.path.exists(sock) and stat.S_ISSOCK(os.stat(sock).st_mode),
         "--listen made ctl.sock in the profile directory")
    t.eq(stat.S_IMODE(os.stat(sock).st_mode) if os.path.exists(sock)
         else None, 0o600, "with mode 0600")

    p = alice.run("-t", "@bob", "-m", "one")
    t.eq(p.returncode, EX_OK, "alice sends 'one'", describe(p))
    got = wait_for(1)
    t.eq([m.get("text") for m in got], ["one"], "--listen prints it")
    t.ok(got and got[0].get("from") == "@alice" and
         got[0].get("out") is False, "from @alice, incoming", got)

    srv.stop(signal.SIGKILL)
    time.sleep(0.5)
    srv.start()
    p = alice.run("-t", "@bob", "-m", "two")
    t.eq(p.returncode, EX_OK, "after a restart of sottod alice sends 'two'",
         describe(p))
    got = wait_for(2, 60)
    t.eq([m.get("text") for m in got], ["one", "two"],
         "--listen reconnected by itself and printed 'two' once")

    # Scripted commands for bob's profile while --listen runs.
    before = opened(bob)
    p = bob.run("-t", "@alice", "-m", "via ctl", secrets=False)
    t.eq(p.returncode, EX_OK, "bob sends with no passphrase file and no "
         "terminal: carried out by --listen", describe(p))
    p = bob.run("--history", "@alice", "--json", secrets=False)
    t.eq(p.returncode, EX_OK, "--history over the socket", describe(p))
    hist = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
    t.eq(hist, ["one", "two", "via ctl"],
         "its JSON output comes back line by line")
    p = subprocess.run(
        [sottotest.SOTTO, "-t", "@alice", "-m", "-"], env=bob.env(),
        input="from stdin\nsecond line\n", capture_output=True, text=True,
        timeout=60)
    t.eq(p.returncode, EX_OK, "-m - over the socket", describe(p))
    p = bob.run("-t", "@nobody_here", "-m", "x", secrets=False)
    t.eq(p.returncode, EX_DATAERR, "an unknown user is 65 over the socket",
         describe(p))
    t.ok("nobody_here" in p.stderr and p.stderr.startswith("sotto: "),
         "and the error line comes back", describe(p))
    p = bob.run("-t", "@alice", "-m", "with secrets")
    t.eq(p.returncode, EX_OK, "a command that could run by itself also "
         "goes to --listen", describe(p))
    t.eq(opened(bob), before,
         "no second process unlocked bob's profile for those commands")

    got = wait_for(5)
    texts = [m.get("text") for m in got]
    t.eq(texts, ["one", "two", "via ctl", "from stdin\nsecond line",
                 "with secrets"],
         "--listen printed bob's own sends too, each once")
    t.ok(len(got) == 5 and all(m.get("out") is True for m in got[2:]),
         "as outgoing messages", got)

    p = alice.run("--history", "@bob", "--json")
    texts = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
    t.eq(texts, ["one", "two", "via ctl", "from stdin\nsecond line",
                 "with secrets"], "alice has every message once")

    time.sleep(0.5)
    t.eq(len(messages()), 5, "nothing was printed twice")
    rc = stop(listen_proc)
    t.eq(rc, 0, "--listen exits 0 on SIGTERM", listen_proc.stderr.read())
    t.ok(not os.path.exists(sock), "and removes ctl.sock")

    p = bob.run("-t", "@alice", "-m", "no listener", secrets=False)
    t.ok(p.returncode != EX_OK and "passphrase" in p.stderr,
         "without --listen the same command needs the passphrase",
         describe(p))
    t.done()
