"""Browser and OS family of a user agent (ua-parser, as the access log does).

Parsing costs about a millisecond; visitors send few distinct user agents, so the families are
cached per string and the hot path parses each one once per process."""

from functools import lru_cache

from ua_parser import parse_os, parse_user_agent

MAX_AGENT = 512


@lru_cache(maxsize=4096)
def families(user_agent: str) -> tuple[str, str]:
    """(browser family, OS family); empty strings when nothing is known."""
    if not user_agent:
        return "", ""
    agent = parse_user_agent(user_agent)
    system = parse_os(user_agent)
    return (agent.family if agent else "")[:100], (system.family if system else "")[:100]
