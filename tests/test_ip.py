"""T1: IP truncation vectors."""

import pytest

from consentserve.privacy.ip import InvalidIPAddress, truncate_ip


@pytest.mark.parametrize(
    ("raw", "truncated"),
    [
        ("141.0.144.226", "141.0.144.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("::ffff:141.0.144.226", "141.0.144.0"),
        ("10.0.0.255", "10.0.0.0"),
        ("2001:db8:85a3:ffff::1", "2001:db8:85a3::"),
        ("::1", "::"),
    ],
)
def test_truncate_ip_t1_vectors(raw, truncated):
    assert truncate_ip(raw) == truncated


@pytest.mark.parametrize("bad", ["", "not-an-ip", "256.1.1.1", "1.2.3"])
def test_truncate_ip_rejects_non_addresses(bad):
    with pytest.raises(InvalidIPAddress):
        truncate_ip(bad)
