"""Logs as one JSON object a line, each with the ID of the request it belongs to.

The request ID is taken from a well-formed `X-Request-ID` of the proxy in front, or made here,
and sent back in the response (core/probes.py); it reaches every log line of the request through
a context variable, which asgiref copies into the threads that run the synchronous code.

No personal data: a line holds the message (which the product's code writes without addresses,
IPs or names), and for an exception its type and where it happened, never its text, which can
quote input."""

import contextvars
import json
import logging
import traceback
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            line["request_id"] = rid
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            line["exception"] = kind.__name__
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(line, ensure_ascii=False)
