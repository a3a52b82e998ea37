"""A pack that never writes its port (it records its pid so the test can check it was stopped)."""

import os
import time

pid_file = os.environ.get("NO_PORT_PID_FILE")
if pid_file:
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
time.sleep(3600)
