"""A small client of the Chrome DevTools protocol over ``--remote-debugging-pipe``.

Chromium reads commands from its file descriptor 3 and writes answers and events to 4, as JSON
messages ended by a NUL byte: no port, no websocket library, nothing that a firewall or another
process can see. Only what the browser check needs: open a tab, send a command, collect events.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The machine's documented headless flags, and no way out: every host name resolves to
# nothing and every proxied request goes to a closed local port, so a page that tries the
# network fails (and the check sees the request) without any traffic leaving the machine.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost", "--proxy-server=http://127.0.0.1:9",
         "--allow-file-access-from-files", "--remote-debugging-pipe")


class Browser:
    """A headless Chromium driven through its DevTools pipe; use :func:`launch`."""

    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int):
        self.proc = proc
        self._out = to_browser
        self._in = from_browser
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, timeout: float) -> dict[str, Any] | None:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._in], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium closed its DevTools pipe (exit {self.proc.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            answer = self._read(max(left, 0.0)) if left > 0 else None
            if answer is None:
                raise TimeoutError(f"{method}: no answer in {timeout} s")
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        """The next event named ``method`` (earlier events are kept)."""
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} in {timeout} s")
            event = self._read(left)
            if event is not None:
                self.events.append(event)

    def drain(self, seconds: float) -> None:
        """Collect the events of the next ``seconds`` (late console messages, requests)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            event = self._read(left)
            if event is not None:
                self.events.append(event)


@contextmanager
def launch(executable: str, width: int = 1280, height: int = 900) -> Iterator[Browser]:
    """Start Chromium with a fresh profile; yield a :class:`Browser`; stop it and remove the profile."""
    profile = tempfile.mkdtemp(prefix="wsaudit-chromium-")
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()

    def pipes_at_3_and_4() -> None:  # in the child, before exec: the descriptors Chromium uses
        # first out of the way (either pipe may already sit at 3 or 4), close-on-exec
        read_end = fcntl.fcntl(to_r, fcntl.F_DUPFD_CLOEXEC, 10)
        write_end = fcntl.fcntl(from_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.dup2(read_end, 3)  # dup2 makes 3 and 4 inheritable; every other descriptor is not
        os.dup2(write_end, 4)

    args = [executable, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]
    proc = subprocess.Popen(args, preexec_fn=pipes_at_3_and_4, close_fds=False,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_r)
    os.close(from_w)
    try:
        yield Browser(proc, to_w, from_r)
    finally:
        try:
            os.write(to_w, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its handle
            proc.wait()
        os.close(to_w)
        os.close(from_r)
        shutil.rmtree(profile, ignore_errors=True)
