"""Secret chats in the real TUI (`sotto` with no action, alice's profile)
against a real sottod, in tmux, with bob on the real CLI.

Checked: bob's request shows in alice's chat list with a lock and as a
request; /accept accepts it (bob's --secret-list says active); a secret
message bob sends appears in alice's open chat; text alice types and sends
with Enter reaches bob (his --history --secret); /ttl 5s shows a service
message on both sides and the timer in the list; /verify shows the same
hex fingerprint as bob's --secret-fingerprint (and the QR code's half
blocks when bob's CLI draws one); a self-destructing message disappears
from the TUI after its time; a secret message while another chat is open
rings, shows "1 new message" but never its text anywhere on screen, and
the notify command gets "New secret message" alone (no text, no name);
/close asks first and closes on the second; /decline declines a request;
/secret @carol 1m starts a chat with a timer, /ttl refuses more than 7
days; paging up through 130 more messages than fit reaches the oldest
(the TUI holds 100 at first); when the server swaps bob's published keys,
the next /secret @bob
warns loudly (status line, a kept closed chat with a warning line);
Ctrl-Q quits with status 0 and no sanitizer report; after a restart the
closed chat and its warning line are still there and alice's
--secret-list says it (text and JSON); /close on it dismisses it at once,
and --secret-list no longer says it; after a second key change, starting
a new chat with bob answers the warning."""
import os
import re
import shutil
import time

from sottotest import EX_OK, TuiScenario, describe, jsonl
from tuiscreen import Tmux, list_width, show, until

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))
LOCK = "\U0001f512"
COLS, ROWS = 100, 44


def objs(p, kind):
    return [o for o in jsonl(p) if o.get("type") == kind]


with TuiScenario("tui-secret") as sc:
    t = sc.t
    srv = sc.srv
    alice, bob, carol = sc.people
    p = carol.run("-t", "@alice", "-m", "hi from carol")
    t.eq(p.returncode, EX_OK, "carol sends (a cloud chat)", describe(p))

    root = sc.root
    env = sc.tui_env(alice)
    notify_log = os.path.join(root, "notify.log")
    sc.write_config(alice, "[ui]\nbell = yes\n[notify]\n"
                     "command = printf '%%s\\n' \"$1\" >> %s\n" % notify_log)

    def explain(s):
        # The list and the status line matter most: those lines last.
        lw = list_width(COLS)
        return "\n".join([show(s[:-2])] +
                         ["left: |%s|" % l[:lw] for l in s[:20]] +
                         [show(s[-2:])])

    tui = Tmux(t, root, env, COLS, ROWS)
    tui.explain = explain
    screen, keys = tui.screen, tui.keys
    title, pane, type_line = tui.title, tui.pane, tui.type_line

    def wait_for(pred, what, timeout=20):
        return tui.wait_for(pred, what, timeout)

    def open_chat(name, secret):
        """Ctrl-N until the title names the chat (with a lock or not)."""
        for _ in range(8):
            s = screen()
            tt = title(s)
            if name in tt and ((LOCK in tt) == secret):
                return t.ok(True, "opened %s%s" % (
                    "secret " if secret else "", name))
            keys("C-n")
            time.sleep(0.4)
        return t.ok(False, "opened %s" % name, show(screen()))

    def bob_history():
        p = bob.run("--history", "@alice", "--secret", "--json")
        return objs(p, "secret_message") if p.returncode == EX_OK else []

    try:
        tui.start_sotto(SOTTO, alice)
        wait_for(lambda s: len(s) == ROWS and s[-2].startswith(
            " @alice | online"), "the TUI opens, online as @alice")

        # bob asks: the request shows with a lock, as a request.
        p = bob.run("--secret-start", "@alice", "--json")
        t.eq(p.returncode, EX_OK, "bob --secret-start @alice", describe(p))
        wait_for(lambda s: any(LOCK in l and "Bob" in l for l in s) and
                 any("secret chat request" in l for l in s),
                 "alice's list shows bob's request with a lock")
        open_chat("Bob", True)
        type_line("/accept")
        wait_for(lambda s: "secret chat accepted" in s[-2] or any(
            "secret chat started" in l for l in s), "/accept accepts it")
        states = until(lambda: [c.get("state") for c in objs(
            bob.run("--secret-list", "--json"), "secret_chat")] ==
            ["active"] and ["active"])
        t.eq(states, ["active"], "bob's side is active")

        # Both ways.
        p = bob.run("-t", "@alice", "--secret", "-m", "the eagle lands")
        t.eq(p.returncode, EX_OK, "bob sends a secret message", describe(p))
        wait_for(lambda s: "the eagle lands" in pane(s),
                 "it appears in alice's open secret chat")
        type_line("hello from the TUI")
        got = until(lambda: [m for m in bob_history()
                             if m.get("text") == "hello from the TUI"])
        t.ok(got and not got[0].get("out"),
             "bob's --history --secret has alice's message", got)
        wait_for(lambda s: re.search("me .*\u2713", pane(s)) is not None,
                 "alice's message has its sent mark")

        # Longer than the window the TUI holds (100): paging up reaches
        # the oldest, so older pages must have been read.
        seq = []
        for i in range(1, 131):
            seq += ["p%03d" % i, "Enter"]
        keys(*seq)
        wait_for(lambda s: "p130" in pane(s), "130 more messages sent")
        for _ in range(30):
            if "p001" in pane(screen()):
                break
            keys("PPage")
            time.sleep(0.2)
        wait_for(lambda s: "p001" in pane(s),
                 "PgUp reaches the oldest of them (older pages load)")

        # The chat's timer: a service message on both sides.
        type_line("/ttl 5s")
        wait_for(lambda s: "You set the self-destruct timer to 5s" in
                 pane(s), "/ttl 5s: a service message in alice's chat")
        wait_for(lambda s: any(LOCK + "5s" in l and "Bob" in l
                               for l in s), "the list shows the timer")
        got = until(lambda: [m for m in bob_history() if m.get("service")])
        t.ok(got and "5 s" in got[-1].get("text", ""),
             "bob has the service message", got)

        # The fingerprint: the same hex as bob's CLI shows.
        p = bob.run("--secret-fingerprint", "@alice", "--json")
        t.eq(p.returncode, EX_OK, "bob's fingerprint", describe(p))
        fb = objs(p, "secret_fingerprint")
        want = fb[0]["hex"].replace(" ", "") if fb else "?"
        pq = bob.run("--secret-fingerprint", "@alice")
        has_qr = "\u2588" in pq.stdout
        type_line("/verify")
        wait_for(lambda s: any("Secret chat with Bob" in l for l in s),
                 "/verify opens the fingerprint")
        s = screen()
        hexes = "".join(re.findall(r"\b[0-9a-f]{4}\b", "\n".join(
            l for l in s if re.search(r"([0-9a-f]{4} ){7}[0-9a-f]{4}", l))))
        t.eq(hexes, want, "the TUI shows bob's hex fingerprint", show(s))
        if has_qr:
            t.ok(sum(1 for l in s if "\u2588" in l or "\u2580" in l) >= 10,
                 "and the QR code in half blocks", show(s))
        keys("Space")
        wait_for(lambda s: not any("Secret chat with Bob" in l for l in s),
                 "any key closes it")

        # A self-destructing message: read at once (the chat is open), so
        # it counts down and disappears.
        p = bob.run("-t", "@alice", "--secret", "-m", "burn after reading")
        t.eq(p.returncode, EX_OK, "bob sends a 5 s message", describe(p))
        wait_for(lambda s: "burn after reading" in pane(s),
                 "the timed message shows")
        wait_for(lambda s: "\u231b" in pane(s), "with a countdown")
        wait_for(lambda s: "burn after reading" not in pane(s),
                 "and disappears after its time", timeout=40)

        # bob turns the timer off: a service line naming him.
        p = bob.run("--secret-ttl", "@alice", "--ttl", "0")
        t.eq(p.returncode, EX_OK, "bob turns the timer off", describe(p))
        wait_for(lambda s: "Bob turned the self-destruct timer off" in
                 pane(s), "alice's chat says bob turned it off")
        wait_for(lambda s: not any(LOCK + "5s" in l for l in s),
                 "and the list no longer shows a timer")

        # Another chat open: a secret message rings, shows as new, never
        # its text, and the notify command gets only "New secret message".
        open_chat("Carol", False)
        if os.path.exists(notify_log):
            os.unlink(notify_log)
        p = bob.run("-t", "@alice", "--secret", "-m", "top secret words")
        t.eq(p.returncode, EX_OK, "bob sends while carol's chat is open",
             describe(p))
        wait_for(lambda s: any("1 new message" in l for l in s),
                 "bob's secret chat shows one new message")
        s = screen()
        t.ok(not any("top secret" in l for l in s),
             "its text is nowhere on screen", show(s))
        until(lambda: os.path.exists(notify_log) and
              open(notify_log).read().strip())
        logged = open(notify_log).read() if os.path.exists(notify_log) \
            else None
        t.eq(logged, "New secret message\n",
             "the notify command got 'New secret message' alone")
        open_chat("Bob", True)
        wait_for(lambda s: "top secret words" in pane(s),
                 "opening the chat shows it")

        # /close asks once, closes on the second.
        type_line("/close")
        wait_for(lambda s: "again within 10 s" in s[-2],
                 "/close asks for a confirmation")
        t.eq([c.get("state") for c in objs(
            bob.run("--secret-list", "--json"), "secret_chat")],
             ["active"], "nothing closed yet")
        type_line("/close")
        wait_for(lambda s: not any(LOCK in l and "Bob" in l
                                   for l in s[:-2]),
                 "the second /close closes it here")
        gone = until(lambda: objs(bob.run("--secret-list", "--json"),
                                  "secret_chat") == [] and "gone")
        t.eq(gone, "gone", "and on bob's side")

        # /decline answers a request; /secret PEER TTL starts one with
        # a timer.
        p = bob.run("--secret-start", "@alice", "--json")
        t.eq(p.returncode, EX_OK, "bob asks again", describe(p))
        wait_for(lambda s: any("secret chat request" in l for l in s),
                 "alice sees the new request")
        open_chat("Bob", True)
        type_line("/decline")
        wait_for(lambda s: "secret chat declined" in s[-2],
                 "/decline declines it")
        gone = until(lambda: objs(bob.run("--secret-list", "--json"),
                                  "secret_chat") == [] and "gone")
        t.eq(gone, "gone", "bob's request is gone on his side")
        type_line("/secret @carol 1m")
        wait_for(lambda s: any(LOCK + "1m" in l and "Carol" in l
                               for l in s),
                 "/secret @carol 1m: a chat with carol and its timer")
        got = until(lambda: [(c.get("state"), c.get("ttl")) for c in objs(
            carol.run("--secret-list", "--json"), "secret_chat")])
        t.eq(got, [("pending-in", 60)], "carol has the request, 60 s")
        type_line("/ttl 8d")
        wait_for(lambda s: "at most 7 days" in s[-2],
                 "/ttl refuses more than 7 days")

        # A key change: alice starts a new chat from the TUI, bob accepts;
        # then the server swaps bob's published keys for its own, and the
        # next /secret @bob is a loud warning, never a silent re-key.
        type_line("/secret @bob")
        wait_for(lambda s: any("waiting for the peer" in l for l in s),
                 "/secret @bob: a pending chat with a lock")
        req = until(lambda: [c for c in objs(bob.run(
            "--secret-list", "--json"), "secret_chat")
            if c.get("state") == "pending-in"])
        t.ok(req, "bob has alice's request", req)
        p = bob.run("--secret-accept", str(req[0].get("secret_id") if req
                                           else 0))
        t.eq(p.returncode, EX_OK, "bob accepts it", describe(p))
        wait_for(lambda s: any("secret chat started" in l for l in s),
                 "alice's new chat is active")
        try:
            import nacl.public
            import nacl.signing
            have_nacl = shutil.which("sqlcipher") is not None
        except ImportError:
            have_nacl = False
        if have_nacl:
            def swap_bobs_keys():
                evil = nacl.signing.SigningKey.generate()
                spk = nacl.public.PrivateKey.generate().public_key.encode()
                sig = evil.sign(spk).signature
                srv.stop()
                out, why = srv.sql(
                    "UPDATE prekeys SET identity_key = X'%s', spk = X'%s', "
                    "spk_sig = X'%s' WHERE device_id IN (SELECT d.id FROM "
                    "devices d JOIN users u ON u.id = d.user_id WHERE "
                    "u.username = 'bob'); DELETE FROM opks WHERE "
                    "device_id IN (SELECT d.id FROM devices d JOIN users u "
                    "ON u.id = d.user_id WHERE u.username = 'bob'); "
                    "SELECT changes()" % (evil.verify_key.encode().hex(),
                                          spk.hex(), sig.hex()))
                t.ok(not why, "the server's copy of bob's keys replaced",
                     why)
                srv.start()
                wait_for(lambda s: s[-2].startswith(" @alice | online"),
                         "alice's TUI is back online", timeout=40)

            swap_bobs_keys()
            type_line("/secret @bob")
            wait_for(lambda s: "WARNING" in s[-2] and "Bob" in s[-2] and
                     "changed" in s[-2],
                     "the status line warns, naming bob")
            wait_for(lambda s: any("CLOSED: key changed" in l
                                   for l in s),
                     "the closed chat stays listed with the reason")
            open_chat("Bob", True)
            for _ in range(6):
                if "!! WARNING" in pane(screen()):
                    break
                keys("C-n")
                time.sleep(0.4)
            wait_for(lambda s: "!! WARNING" in pane(s) and
                     "identity key of Bob CHANGED" in pane(s).replace(
                         "\n", " ").replace("  ", " "),
                     "its chat shows the loud warning line")

            # The warning outlives the run.
            old_sid = req[0].get("secret_id") if req else -1
            keys("C-q")
            t.eq(tui.exit_status(), "0", "Ctrl-Q quits")
            p = alice.run("--secret-list", "--json")
            kc = objs(p, "secret_key_changed")
            t.ok(p.returncode == EX_OK and [
                (o.get("secret_id"), o.get("peer"), o.get("state"))
                for o in kc] == [(old_sid, "@bob", "closed")],
                 "after the run, --secret-list --json names the chat the "
                 "key change closed", describe(p))
            p = alice.run("--secret-list")
            t.ok(p.returncode == EX_OK and re.search(
                r"secret %s  @bob  CLOSED: key changed" % old_sid,
                p.stdout), "and so does its text", describe(p))
            tui.respawn()
            wait_for(lambda s: s[-2].startswith(" @alice | online"),
                     "the TUI is back", timeout=40)
            wait_for(lambda s: any("CLOSED: key changed" in l
                                   for l in s),
                     "after a restart the closed chat is still listed")
            dismissed = False
            for _ in range(8):
                s = screen()
                if "Bob" in title(s) and "!! WARNING" in pane(s):
                    type_line("/close")
                    if until(lambda: "dismissed" in screen()[-2] or
                             "again within" in screen()[-2], 5) and \
                            "dismissed" in screen()[-2]:
                        dismissed = True
                        break
                keys("C-n")
                time.sleep(0.4)
            t.ok(dismissed, "its warning line shows after the restart, "
                 "and /close on it dismisses it at once", show(screen()))
            wait_for(lambda s: not any("CLOSED: key changed" in l
                                       for l in s),
                     "the closed chat leaves the list")
            p = alice.run("--secret-list", "--json")
            t.ok(p.returncode == EX_OK and
                 not objs(p, "secret_key_changed"),
                 "--secret-list no longer says it", describe(p))

            # Starting a new chat with the peer answers the warning: a
            # second swap closes the pending chat with a warning, and the
            # next /secret @bob (the same keys now) clears it.
            swap_bobs_keys()
            type_line("/secret @bob")
            wait_for(lambda s: any("CLOSED: key changed" in l
                                   for l in s),
                     "a second key change: a closed chat with a warning")
            t.ok(len(objs(alice.run("--secret-list", "--json"),
                          "secret_key_changed")) == 1,
                 "--secret-list says it")
            type_line("/secret @bob")
            wait_for(lambda s: not any("CLOSED: key changed" in l
                                       for l in s),
                     "/secret @bob again: the warning is answered")
            p = alice.run("--secret-list", "--json")
            t.ok(p.returncode == EX_OK and
                 not objs(p, "secret_key_changed"),
                 "and --secret-list no longer says it", describe(p))
        else:
            t.ok(True, "# SKIP no python3-nacl or sqlcipher: key change")

        keys("C-q")
        t.eq(tui.exit_status(), "0", "Ctrl-Q quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)
    finally:
        tui.kill()
    t.done()
