"""Errors a service may raise, framework-free so that `domain/` packages can raise them too.

- `InputProblems`: the input is wrong; mutations turn it into `userErrors`, nothing is written.
- `PublicError`: a GraphQL error safe to show, with `extensions.code` (UNAUTHENTICATED, FORBIDDEN, ...).
Anything else is unexpected and is masked behind a correlation id (see `kit.graphql.masking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    field: tuple[str, ...]
    message: str
    code: str = "INVALID"


class InputProblems(Exception):
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def single(cls, field: Sequence[str], message: str, code: str = "INVALID") -> InputProblems:
        return cls([Problem(tuple(field), message, code)])


BAD_USER_INPUT = "BAD_USER_INPUT"


class PublicError(Exception):
    """An error whose message is meant for the client, carried with a stable `code`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
        # graphql-core copies `extensions` from the original exception into the GraphQL error.
        self.extensions = {"code": code}


def bad_user_input(message: str) -> PublicError:
    """An argument or representation the client sent that this API cannot take (not a mutation's
    input: those get userErrors)."""
    return PublicError(message, BAD_USER_INPUT)
