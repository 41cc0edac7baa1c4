"""A local GCP for the quickstart: starts the Compute emulator (tests/emulators/gcp_compute.py) on a
free 127.0.0.1 port with one project and one VPC network, prints `ENDPOINT PID` (ENDPOINT is the
Compute v1 base URL, what MULTICLOUD_GCP_ENDPOINT takes) and leaves it running (the caller stops it).

Usage: local_gcp.py EMULATOR DISCOVERY PROJECT TOKEN NETWORK LOG"""

import subprocess
import sys
import time


def main() -> None:
    emulator, discovery, project, token, network, log_path = sys.argv[1:7]
    # Its output goes to the log rather than a pipe: this helper exits while the emulator keeps
    # running, and a write to a pipe nobody reads would fail.
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, emulator, "--port", "0", "--discovery", discovery, "--project", project,
             "--token", token, "--network", network],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            url = next((line.split()[1] for line in f if line.startswith("LISTENING ")), None)
        if url:
            break
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            sys.exit(f"the GCP emulator did not start; see {log_path}")
        time.sleep(0.1)
    print(url + "/compute/v1", proc.pid)


if __name__ == "__main__":
    main()
