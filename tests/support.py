"""Helpers shared by the tests: a free loopback port and an SMTP inbox for aiosmtpd."""

import email
import email.policy
import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def _without_faketime() -> dict:
    """The environment without libfaketime (scripts/with-future-clock): redis-server does not
    start under it. Redis keeps the real clock, which does no harm: Django's cache and huey
    give it relative time-outs only, never a date."""
    import os

    env = dict(os.environ)
    preload = [p for p in env.pop("LD_PRELOAD", "").split(":") if p and "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    return env


class RedisServer:
    """Debian's redis-server on a free loopback port, keeping nothing on disk; stopped by
    `stop()`. A test that needs shared state across processes or machines talks to it."""

    def __init__(self, directory):
        import shutil
        import subprocess
        import time

        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_without_faketime(),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def flush(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_second_factor(user):
    """Staff reach the back office only with a second factor set up (issue 21): an authenticator
    app with a known secret, so a test can compute codes for it."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, STAFF_TOTP_SECRET)
    return user
