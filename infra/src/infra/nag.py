"""cdk-nag (AwsSolutionsChecks) on the whole app; every acknowledged finding carries its reason.

An unacknowledged finding fails synthesis: the validation plugin interrupts `app.synth()`, so
`cdk synth` exits non-zero and the report is in cdk.out/validation-report.json.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"


def apply(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str, *findings: str) -> None:
    """Acknowledge `rule` (e.g. "IAM5") on `scope` and everything below it.

    A rule that reports several findings per resource (IAM5: one per wildcard) is acknowledged
    finding by finding, e.g. `acknowledge(role, "IAM5", "...", "Resource::*")`.
    """
    if not reason.strip():
        raise ValueError(f"acknowledging {rule} needs a reason")
    ids = [f"{PACK}-{rule}[{finding}]" for finding in findings] or [f"{PACK}-{rule}"]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=f"{PACK}::{id_}", reason=reason) for id_ in ids))
