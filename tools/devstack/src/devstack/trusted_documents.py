"""The trusted documents manifest: every kept contract operation under the sha256 of its text.

`make schema` writes it to schema/trusted-documents.json; the router serves those documents by id
(`documentId` or Apollo's `extensions.persistedQuery.sha256Hash`) and, with
ROUTER_TRUSTED_DOCUMENTS_ONLY=true, refuses every other document.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST_NAME = "trusted-documents.json"


def document_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_manifest(operations_dir: Path) -> dict[str, str]:
    """Kept operations only: those in operations/planned/ are not served yet."""
    documents = (path.read_text() for path in sorted(operations_dir.glob("*.graphql")))
    return {document_id(text): text for text in documents}


def render(manifest: dict[str, str]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
