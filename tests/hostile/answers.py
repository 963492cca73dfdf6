"""What an answer of the hostile suite must never be: a 5xx, a leak of internals (an exception name, a
file path, a stack frame), or a GraphQL error without a code or with an internal one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

EXCEPTION_NAMES = (
    "Traceback|TypeError|SyntaxError|ValueError|KeyError|AttributeError|IndexError|RuntimeError|"
    "AssertionError|NameError|RangeError|ReferenceError|InvalidOperation|DecimalException|"
    "ConversionSyntax|UnicodeEncodeError|UnicodeDecodeError|ClientError|ParamValidationError|"
    "ValidationException|MemoryError|RecursionError|OverflowError|ZeroDivisionError|MoneyError|"
    "JSONDecodeError|ValidationError|botocore|pydantic"
)
LEAKS: dict[str, re.Pattern[str]] = {
    "exception name": re.compile(rf"\b({EXCEPTION_NAMES})\b"),
    "node_modules": re.compile(r"node_modules"),
    "site-packages": re.compile(r"site-packages|dist-packages"),
    "file path": re.compile(r"(file://|(/[\w.@-]+){2,}\.(py|js|mjs|cjs|ts)\b|File \"[^\"]+\", line \d+)"),
    "stack frame": re.compile(r"(^|\\n|\n)\s*at [^\n]*?:\d+(:\d+)?\)?"),
    "originalError": re.compile(r"\"(originalError|stacktrace|exception)\""),
}
INTERNAL_CODES = {"INTERNAL_SERVER_ERROR", "INTERNAL_ERROR", "UNEXPECTED_ERROR"}


def answer_problems(status: int | None, body: bytes) -> list[str]:
    """What is wrong with one answer (empty: it is clean)."""
    problems: list[str] = []
    if status is not None and status >= 500:
        problems.append(f"HTTP {status}")
    text = body.decode("utf-8", "replace")
    for name, pattern in LEAKS.items():
        match = pattern.search(text)
        if match:
            problems.append(f"leaks {name}: {match.group(0).strip()!r}")
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        for error in document.get("errors") or []:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            code = extensions.get("code") if isinstance(extensions, dict) else None
            message = str(error.get("message", ""))[:160] if isinstance(error, dict) else str(error)
            if not code:
                problems.append(f"error without extensions.code: {message!r}")
            elif code in INTERNAL_CODES:
                problems.append(f"internal error {code}: {message!r}")
    return problems


@dataclass
class Answer:
    status: int | None
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def problems(self) -> list[str]:
        return answer_problems(self.status, self.body)

    def __str__(self) -> str:
        return f"HTTP {self.status}: {self.body[:600].decode('utf-8', 'replace')}"
