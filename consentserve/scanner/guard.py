"""Which addresses a scan may reach. A customer gives us a URL; the browser that visits it must
not become a door into our own network (R-SEC: server-side request forgery).

Every host is resolved here, and refused when any of its addresses is not a public unicast
address: private (RFC 1918, unique local), loopback, link-local (the cloud metadata service at
169.254.169.254 among them), carrier-grade NAT, multicast, reserved, unspecified, and IPv6 forms
that embed such an IPv4 address. The proxy (proxy.py) connects to exactly the address checked
here, so a name that resolves to something else a moment later (DNS rebinding) changes nothing.
"""

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
# Names that must never be resolved through the public DNS anyway.
_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})


class ScanRefused(ValueError):
    """A URL or host the scanner will not visit; the message says why, for the customer."""


def address_public(address: str) -> bool:
    """Whether `address` is a global unicast address, one a scan may connect to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1, 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_public(str(embedded))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


@dataclass
class Guard:
    """The rules of one scan. `resolve` overrides the DNS for some hosts (host → address, like
    curl's --resolve); its answers are checked like any other. With `allow_private` (only the
    command line's --allow-private, for tests and self-hosted sites) the scanned site itself and
    the hosts named in `resolve` may have private addresses; every other host must still be
    public, so even then a page cannot steer the browser to the rest of the network."""

    allow_private: bool = False
    resolve: dict[str, str] = field(default_factory=dict)
    site_host: str = ""
    # Only the site and the hosts in `resolve`: a scan of a fixture that reaches nothing else.
    offline: bool = False

    @classmethod
    def for_url(
        cls,
        url: str,
        allow_private: bool = False,
        resolve: dict | None = None,
        offline: bool = False,
    ):
        host = (urlsplit(url.strip()).hostname or "") if "://" in url else ""
        resolve = {k.lower(): v for k, v in (resolve or {}).items()}
        return cls(allow_private, resolve, host, offline)

    def private_allowed(self, host: str) -> bool:
        return self.allow_private and (host == self.site_host or host in self.resolve)

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for `host`, all of them allowed; ScanRefused otherwise."""
        host = host.strip("[]").lower().rstrip(".")
        if not host:
            raise ScanRefused("The address has no host name.")
        if host in _METADATA_NAMES:
            raise ScanRefused(f"{host} is not a public host.")
        if host in self.resolve:
            found = [self.resolve[host]]
        elif self.offline and host != self.site_host:
            raise ScanRefused(f"{host} is not reached by an offline scan.")
        else:
            try:
                ipaddress.ip_address(host)
                found = [host]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except (socket.gaierror, UnicodeError) as error:
                    raise ScanRefused(f"{host} could not be resolved.") from error
                found = list(dict.fromkeys(info[4][0] for info in infos))
        if not found:
            raise ScanRefused(f"{host} could not be resolved.")
        if not self.private_allowed(host):
            # All or nothing: a name with one private answer among public ones is refused, or
            # the browser could be steered to the private one.
            refused = [a for a in found if not address_public(a)]
            if refused:
                raise ScanRefused(f"{host} resolves to a non-public address ({refused[0]}).")
        return found

    def url(self, url: str) -> tuple[str, int, list[str]]:
        """Host, port and allowed addresses of `url`; ScanRefused for anything but http(s) to a
        host that resolves to allowed addresses."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as error:
            raise ScanRefused("This is not a valid URL.") from error
        if parts.scheme not in SCHEMES:
            raise ScanRefused("Only http and https addresses can be scanned.")
        if parts.username or parts.password:
            raise ScanRefused("An address with a user name or password cannot be scanned.")
        host = parts.hostname or ""
        port = port or (443 if parts.scheme == "https" else 80)
        return host, port, self.addresses(host, port)
