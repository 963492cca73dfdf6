"""The per-request context: a fresh set of DataLoaders for every GraphQL request.

Loaders cache for one request only, so batching never serves one client another's stale data.
"""

from __future__ import annotations

from strawberry.fastapi import BaseContext
from ulid import ULID

from kit.core.errors import PublicError
from kit.core.principal import UNAUTHENTICATED, Principal


class RequestContext(BaseContext):
    """Base for every subgraph's context; a subgraph subclasses it and adds its loaders."""

    def __init__(self) -> None:
        super().__init__()
        self.request_id = str(ULID())
        self.principal: Principal | None = None  # set by the app from the verified token

    @property
    def caller(self) -> Principal:
        """Who is asking. Always set behind `kit.web.authentication`; the check guards a wiring slip."""
        if self.principal is None:
            raise PublicError("Authentication is required.", UNAUTHENTICATED)
        return self.principal
