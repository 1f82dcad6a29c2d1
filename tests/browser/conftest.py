"""Fixtures of the browser tests: Playwright driving Debian's Chromium.

The pages are served by pytest-django's ``live_server``, which makes each test
transactional: the data a test needs is created in the test through the ORM.

Without ``/usr/bin/chromium`` (``apt-get install chromium``) the tests are
skipped on a developer's machine, but fail when ``CI`` is set: there a missing
browser is a broken setup, not a choice. Deselect them with ``-m "not browser"``.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 900}
# Playwright's actions and ``expect`` wait up to this long (milliseconds).
TIMEOUT = 15_000


def _browser_missing(reason):
    if "CI" in os.environ:
        pytest.fail(f"{reason} (CI is set: the browser tests must run there)", pytrace=False)
    pytest.skip(reason)


# Playwright's sync API keeps an asyncio loop running in the main thread while
# it is started. Django then refuses ORM calls there (hence
# DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests and their database teardown),
# and asyncio.run() or async_to_sync() would fail in any test after them. So
# Playwright stops as soon as the last test that uses it is torn down, not at
# the end of the session: pytest-django runs the live-server tests (which are
# transactional) before all the tests that use no database.
_last_browser_test = pytest.StashKey[str | None]()
_stop_browser = pytest.StashKey[list]()


def pytest_collection_finish(session):
    users = [
        item.nodeid for item in session.items if "browser" in getattr(item, "fixturenames", ())
    ]
    session.config.stash[_last_browser_test] = users[-1] if users else None
    session.config.stash[_stop_browser] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if item.nodeid == item.config.stash.get(_last_browser_test, None):
            for stop in item.config.stash.get(_stop_browser, []):
                stop()


@pytest.fixture(scope="session")
def browser(pytestconfig):
    """Debian's Chromium, launched once for all the browser tests."""
    if not os.access(CHROMIUM, os.X_OK):
        _browser_missing(f"no Chromium at {CHROMIUM}: `apt-get install chromium` to run them")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[test]'", pytrace=False)

    expect.set_options(timeout=TIMEOUT)
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    stopped = []

    def stop():
        if not stopped:
            stopped.append(True)
            try:
                playwright.stop()  # closes the browser too
            finally:
                patch.undo()

    pytestconfig.stash.setdefault(_stop_browser, []).append(stop)
    try:
        yield playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
    finally:
        stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, say where the page was and keep a screenshot."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        screenshot = item.funcargs["tmp_path"] / "failure.png"
        try:
            page.screenshot(path=screenshot, full_page=True)
        except Exception as error:  # the report must not hide the failure
            screenshot = f"none ({error})"
        report.sections.append(("browser", f"page: {page.url}\nscreenshot: {screenshot}"))
    return report


@pytest.fixture
def page(browser, live_server, tmp_path):
    """A page in a fresh browser context (no cookies) on the live server.

    ``page.goto("/shop/")`` opens a path of the live server. An answer of
    the server with an HTTP 5xx status fails the test.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    server_errors = []

    def check_status(response):
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", check_status)
    yield page
    context.close()
    assert not server_errors, f"the live server answered with an error: {server_errors}"
