"""What no answer of the router may show."""

from __future__ import annotations

import re

# Stack frames, file paths, exception class names and exception fields. "Syntax Error:" is the
# GraphQL spec's own wording for a document that does not parse, not an exception.
LEAK = re.compile(
    r"node_modules|\bat [\w$.<>]+ \(|\n\s+at |(?<!Syntax )Error:|\b(?:Type|Syntax|Range|Reference|URI)Error\b"
    r"|GenericFailure|originalError|stack|/work/|/gateway/|\.[cm]?[jt]s:\d+",
    re.IGNORECASE,
)


def assert_clean(body: str) -> None:
    assert LEAK.search(body) is None, body
