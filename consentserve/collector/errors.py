"""The collector's answers to bad input: one status and a stable code per class of error, each
with an English sentence for the developer who reads the network panel. The codes are part of
the contract (README.md)."""


class Rejected(Exception):  # noqa: N818 - a request is rejected, not an error of ours
    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
