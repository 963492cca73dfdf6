"""A real browser for the GraphiQL tests: Debian's chromium (installed by .ci/run), driven by
Playwright for Python, with every request that leaves the router's origin blocked and recorded.

Screenshots and timings go to ARTIFACTS_DIR (default .artifacts/browser, ignored by git)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from devstack.toolchain import REPO_ROOT
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

ARTIFACTS_DIR = Path(os.environ.get("ARTIFACTS_DIR", REPO_ROOT / ".artifacts")) / "browser"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_executable() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    found = configured or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if not found:
        pytest.fail("No chromium on PATH: install Debian's `chromium` (.ci/run does) or set CHROMIUM_PATH")
    return found


# Module scope: Playwright's sync API runs an event loop in this thread while it is open, which
# would stop every asyncio test collected after the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # Root (CI, containers) cannot use chromium's user-namespace sandbox.
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        launched = playwright.chromium.launch(executable_path=chromium_executable(), args=args)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class OfflinePage:
    """A page that may talk only to `origin`: anything else is aborted and kept in `blocked`."""

    page: Page
    origin: str
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[OfflinePage]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    offline = OfflinePage(page=page, origin="")

    def only_the_router(route: Route, request: Request) -> None:
        inside = bool(offline.origin) and request.url.startswith(offline.origin)
        if inside or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            offline.blocked.append(request.url)
            route.abort()

    page.route("**/*", only_the_router)
    page.on("console", lambda note: note.type == "error" and offline.console_errors.append(note.text))
    try:
        yield offline
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
