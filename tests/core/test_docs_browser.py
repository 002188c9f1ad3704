"""Swagger UI at /docs as a user sees it: headless Chromium against gunicorn.

The page runs under its Content-Security-Policy, from same-origin assets only.
The tests drive Chromium over the DevTools protocol (`--remote-debugging-pipe`,
no extra package) and read the DOM it built: the padlock of each operation,
and the request "Try it out" sends. Needs Chromium (Debian's `chromium`):
missing, the tests fail under CI and skip elsewhere.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.gunicorn import serve
from tests.fixtures.redis_db import CI

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
LOCKED = "authorization button locked"
UNLOCKED = "authorization button unlocked"
TOKEN = "token-from-the-authorize-dialog"
REQUIRED = ("GET", "/api/v1/users/me")
OPTIONAL = ("GET", "/api/v1/posts")
PUBLIC = ("GET", "/health/live")

# (method, path) -> {summary, padlock}: Swagger UI renders an operation as
# `.opblock`, its padlock as a button whose aria-label says locked or unlocked.
OPERATIONS_JS = """
Object.fromEntries(Array.from(document.querySelectorAll('.opblock')).map(op => [
  op.querySelector('.opblock-summary-method').textContent + ' '
    + op.querySelector('[data-path]').dataset.path,
  {summary: (op.querySelector('.opblock-summary-description') || {}).textContent || '',
   padlock: (op.querySelector('.authorization__btn') || {}).ariaLabel || null}]))
"""
# waitFor(find): a promise of find()'s first truthy value, polled (20 s at most).
# Scripts using it are blocks, so each evaluation declares it anew.
WAIT_FOR_JS = """const waitFor = (find) => new Promise((resolve, reject) => {
  const start = Date.now();
  (function poll() {
    const found = find();
    if (found) return resolve(found);
    if (Date.now() - start > 20000) return reject(new Error('timed out'));
    setTimeout(poll, 50);
  })();
});
"""
RENDERED_JS = "{" + WAIT_FOR_JS + "waitFor(() => document.querySelector('.opblock') !== null)}"
# Expand the operation, "Try it out", "Execute": the curl command Swagger UI shows.
TRY_IT_OUT_JS = (
    "{"
    + WAIT_FOR_JS
    + """(async (method, path) => {
  const op = Array.from(document.querySelectorAll('.opblock')).find(op =>
    op.querySelector('.opblock-summary-method').textContent == method
    && op.querySelector('[data-path]').dataset.path == path);
  if (!op.querySelector('.try-out__btn')) op.querySelector('.opblock-summary-control').click();
  const tryOut = await waitFor(() => op.querySelector('.try-out__btn'));
  if (!op.querySelector('.execute')) tryOut.click();
  const shown = op.querySelector('.curl-command');
  const before = shown ? shown.textContent : null;
  (await waitFor(() => op.querySelector('.execute'))).click();
  return await waitFor(() => {
    const curl = op.querySelector('.curl-command');
    return curl && curl.textContent != before && curl.textContent;
  });
})(ARGUMENTS)}"""
)


class Chromium:
    """Headless Chromium driven over the DevTools protocol on fds 3 and 4."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser, from_browser = os.pipe(), os.pipe()
        # Where the child expects them; above 4 first, so moving one can't clobber the other.
        ends = [os.dup2(to_browser[0], 100), os.dup2(from_browser[1], 101)]

        def use_pipes() -> None:
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            + ["--disable-background-networking", "--disable-component-update", "--no-first-run"]
            + ["--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            pass_fds=(3, 4, *ends),
            preexec_fn=use_pipes,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (to_browser[0], from_browser[1], *ends):
            os.close(fd)
        self.writer = os.fdopen(to_browser[1], "wb", buffering=0)
        self.reader = os.fdopen(from_browser[0], "rb", buffering=0)
        self.pending = b""
        self.ids = itertools.count(1)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        message_id = next(self.ids)
        message = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.pending:
                chunk = self.reader.read(65536)
                assert chunk, "Chromium closed the DevTools pipe"
                self.pending += chunk
            raw, self.pending = self.pending.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(reply["error"]["message"])
                return reply["result"]

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", url=url)["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return Page(self, session)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.writer.close()
        self.process.kill()
        self.process.wait(timeout=10)
        self.reader.close()


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser, self.session = browser, session

    def evaluate(self, expression: str):
        """The JSON value of `expression` (awaited); retried while the page (re)loads."""
        deadline = time.monotonic() + 30
        while True:
            try:
                result = self.browser.send(
                    "Runtime.evaluate",
                    self.session,
                    expression=expression,
                    awaitPromise=True,
                    returnByValue=True,
                )
            except RuntimeError as error:  # the page navigated under the call
                if "context" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
                continue
            assert "exceptionDetails" not in result, result["exceptionDetails"]
            return result["result"].get("value")

    def operations(self) -> dict[tuple[str, str], dict]:
        rendered = self.evaluate(OPERATIONS_JS)
        return {tuple(key.split(" ", 1)): value for key, value in rendered.items()}

    def authorize(self, token: str) -> None:
        """What the Authorize dialog does with a pasted token."""
        self.evaluate(f"window.ui.preauthorizeApiKey('bearerAuth', {json.dumps(token)}), true")

    def try_it_out(self, method: str, path: str) -> str:
        return self.evaluate(
            TRY_IT_OUT_JS.replace("ARGUMENTS", f"{json.dumps(method)}, {json.dumps(path)}")
        )


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Chromium]:
    binary = next(filter(None, map(shutil.which, BROWSERS)), None)
    if binary is None:
        message = "needs Chromium (apt-get install chromium)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium"))
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory) -> Iterator[str]:
    """/docs served by gunicorn in production mode, for this module."""
    with serve(tmp_path_factory.mktemp("docs")) as server:
        yield f"http://127.0.0.1:{server.port}/docs"


@pytest.fixture
def docs(browser, docs_url) -> Page:
    """/docs in a new tab, once Swagger UI rendered the operations (nobody authorized)."""
    page = browser.open(docs_url)
    page.evaluate(RENDERED_JS)
    return page


def test_swagger_ui_renders_every_operation_under_its_policy(docs):
    operations = docs.operations()
    assert {REQUIRED, OPTIONAL, PUBLIC, ("POST", "/api/v1/auth/login")} <= operations.keys()


def test_before_authorizing_no_padlock_is_closed(docs):
    """No token is sent yet: the padlock is open whether the operation needs a
    token or only accepts one; public operations have none."""
    operations = docs.operations()

    assert operations[REQUIRED]["padlock"] == UNLOCKED
    assert operations[OPTIONAL]["padlock"] == UNLOCKED
    assert operations[PUBLIC]["padlock"] is None
    assert [key for key, op in operations.items() if op["padlock"] == LOCKED] == []


def test_after_authorizing_every_padlock_is_closed(docs):
    docs.authorize(TOKEN)
    operations = docs.operations()

    assert operations[REQUIRED]["padlock"] == LOCKED
    assert operations[OPTIONAL]["padlock"] == LOCKED
    assert operations[PUBLIC]["padlock"] is None
    assert [key for key, op in operations.items() if op["padlock"] == UNLOCKED] == []


def test_the_token_is_sent_exactly_when_the_padlock_is_closed(docs):
    assert docs.operations()[OPTIONAL]["padlock"] == UNLOCKED
    assert "Authorization" not in docs.try_it_out(*OPTIONAL)

    docs.authorize(TOKEN)

    assert docs.operations()[OPTIONAL]["padlock"] == LOCKED
    assert f"-H 'Authorization: Bearer {TOKEN}'" in docs.try_it_out(*OPTIONAL)


def test_optional_token_operations_say_so_in_their_summary(docs):
    operations = docs.operations()
    assert operations[OPTIONAL]["summary"].endswith("token optional")
    assert "token optional" not in operations[REQUIRED]["summary"]
