"""What the Python benches share; import it before sottotest. It puts
tests/ on sys.path (sottotest, noiseclient) and picks the sottod to run:
$SOTTOD_BIN, else ./sottod (run from the build directory), else
build/sottod beside bench/."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
if "SOTTOD_BIN" not in os.environ:
    for cand in (os.path.join(os.getcwd(), "sottod"),
                 os.path.join(here, "..", "build", "sottod")):
        if os.access(cand, os.X_OK):
            os.environ["SOTTOD_BIN"] = os.path.abspath(cand)
            break

import sottotest  # noqa: E402

sottotest.SOTTOD = os.environ.get("SOTTOD_BIN", sottotest.SOTTOD)
