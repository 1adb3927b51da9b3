"""IP truncation as Google Analytics did it (REQUIREMENTS T1).

IPv4 keeps its /24, IPv6 its /48; an IPv4-mapped IPv6 address is treated as the IPv4 address
it carries. The result is pseudonymous, not anonymous (R-B1-3): never call it anonymous data.
"""

import ipaddress


class InvalidIPAddress(ValueError):
    pass


def truncate_ip(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError as exc:
        raise InvalidIPAddress(f"not an IP address: {address!r}") from exc
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
