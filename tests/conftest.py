"""What every test shares."""

from __future__ import annotations

import signal

# A suite started with SIGINT ignored (say, as a background job of a shell without job
# control) would pass that on to every process it starts: the Ctrl-C tests would then wait for
# an interruption that never comes. A handler of our own is not inherited across exec, so the
# processes the tests start get the default again.
signal.signal(signal.SIGINT, signal.default_int_handler)
