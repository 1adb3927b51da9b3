"""The server's TLS settings, set by the product rather than left to Python's and OpenSSL's
defaults: TLS 1.2 at least, and for TLS 1.2 only forward-secret AEAD suites (docs/security.md
lists them). TLS 1.3's suites are all of that kind; OpenSSL offers its three.

uvicorn makes its SSL context in `Config.load`, in each worker process, and has no setting for
the minimum version; `ServerConfig` sets it on the context uvicorn made."""

import ssl

import uvicorn
from uvicorn.supervisors import Multiprocess

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
# Mozilla's "intermediate" list without the DHE suites (no DH parameters are configured).
CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ]
)


class ServerConfig(uvicorn.Config):
    def load(self) -> None:
        super().load()
        if self.ssl is not None:
            self.ssl.minimum_version = MINIMUM_VERSION
            self.ssl.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE


def serve(**options) -> None:
    """`uvicorn.run` with `ServerConfig`: one process, or `workers` processes on one socket."""
    config = ServerConfig(ssl_ciphers=CIPHERS, **options)
    server = uvicorn.Server(config)
    if config.workers > 1:
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run()
