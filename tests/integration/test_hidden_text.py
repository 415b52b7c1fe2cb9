"""Names that cannot hide text, with real processes:

- sottod refuses U+2028, U+2029 and each code point of the Bidi_Control
  set (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) in a group
  title and in a display name, as it refuses controls, with an error that
  says what was wrong (65), and keeps nothing of the refused request;
- message text may hold them (it is text, not a name), but the command
  line drops them from everything it prints, plain and --json, and turns
  the two separators into line breaks in message text, as the TUI does."""
from itest import registered
from sottotest import EX_DATAERR, EX_OK, Scenario, describe, objs

HIDDEN = ["\u2028", "\u2029", "\u061c", "\u200e", "\u200f", "\u202a",
          "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
          "\u2068", "\u2069"]
BIDI = HIDDEN[2:]


def clean(s):
    return not any(ch in s for ch in HIDDEN)


with Scenario("hidden_text") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob = registered(sc, srv, "bob")

    # ------------------------------------------------ titles and names
    refused = []
    for ch in HIDDEN:
        p = alice.run("--create-group", "pay%sto" % ch, "--members", "@bob")
        if p.returncode != EX_DATAERR or not (
                "separator" in p.stderr or "bidirectional" in p.stderr):
            refused.append((hex(ord(ch)), describe(p)))
    t.ok(not refused, "a title with any of the 14 code points is refused "
         "(65) and the error names it", refused)
    p = alice.run("--list-chats", "--json")
    t.eq(objs(p, "chat"), [], "no group was made", describe(p))

    carol = sc.client("carol", srv)
    p = carol.run("--register", "carol", "--display-name", "Ca\u202erol")
    t.eq(p.returncode, EX_DATAERR, "a display name with U+202E is refused",
         describe(p))
    t.ok("bidirectional" in p.stderr, "the error says why", p.stderr)
    p = carol.run("--register", "carol", "--display-name",
                  "Carol\u2028Admin")
    t.eq(p.returncode, EX_DATAERR, "a display name with U+2028 is refused",
         describe(p))
    t.ok("separator" in p.stderr, "the error says why", p.stderr)
    p = carol.run("--register", "carol", "--display-name", "Carol \u0627")
    t.eq(p.returncode, EX_OK, "the same account with an Arabic letter in "
         "its name is made (nothing was kept of the refused ones)",
         describe(p))

    # ------------------------------------------------ what the CLI prints
    text = "one\u2028two\u2029three " + "".join(BIDI) + "end"
    p = bob.run("-t", "@alice", "-m", text)
    t.eq(p.returncode, EX_OK, "message text may hold them", describe(p))
    p = alice.run("--history", "@bob")
    t.eq(p.returncode, EX_OK, "alice's --history", describe(p))
    t.ok(clean(p.stdout), "plain --history prints none of them",
         ascii(p.stdout))
    t.ok("one\ntwo\nthree end" in p.stdout, "the separators are line "
         "breaks, the marks are gone", ascii(p.stdout))
    p = alice.run("--history", "@bob", "--json")
    msgs = objs(p, "message")
    t.eq([m.get("text") for m in msgs], ["one\ntwo\nthree end"],
         "--json gives the text without them", describe(p))

    t.done()
