"""A pack that writes something other than a port first (e.g. a stray print)."""

import time

print("hello from a chatty pack", flush=True)
time.sleep(3600)
