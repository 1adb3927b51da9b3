"""Whether an error means the database had no connection to give (the pool of this process
waited CONSENTSERVE_DB_POOL_TIMEOUT in vain, or PostgreSQL refused more clients): then the answer
is 503 with Retry-After, which a client or load balancer retries, not a 500."""

from psycopg_pool import PoolTimeout

_FULL = ("too many clients already", "remaining connection slots are reserved")


def database_busy(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, PoolTimeout) or any(text in str(error) for text in _FULL):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
