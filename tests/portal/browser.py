"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for Python) against the
live server, with a screenshot of every page the tests visit in screenshots/ (gitignored)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's servers.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# WCAG contrast of every visible text element against its nearest opaque background.
CONTRAST_JS = """
() => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (rgb) => { const c = rgb.map(channel); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => { for (; el; el = el.parentElement) { const p = parse(getComputedStyle(el).backgroundColor);
    if (p.length === 3 || (p.length === 4 && p[3] > 0.9)) return p.slice(0, 3); } return [255, 255, 255]; };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === "hidden" || style.display === "none" || !el.getClientRects().length) continue;
    if (el.closest("svg, .visually-hidden, .tip")) continue;
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${text}"`);
  }
  return failures;
}
"""

# Form controls that no label names (label[for], aria-label or aria-labelledby).
UNLABELLED_JS = """
() => [...document.querySelectorAll("input:not([type=hidden]):not([type=submit]), select, textarea")]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map(el => el.name || el.id)
"""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


class Shots:
    """Names screenshots <test>-<nn>-<what>.png in the order they are taken."""

    def __init__(self, test_name: str) -> None:
        self.prefix = slug(test_name)
        self.count = 0
        SCREENSHOTS.mkdir(exist_ok=True)

    def take(self, page, what: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{slug(what)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def chromium():
    """One browser for the session. Playwright's sync API keeps an event loop in the main thread
    while it is open; the ORM calls tests make meanwhile are still plain synchronous calls, so
    Django's async-safety guard is switched off until the browser closes."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: scripts/bootstrap.sh installs it (apt-get install chromium)"
    for stale in SCREENSHOTS.glob("*.png"):  # the folder shows this session's pages only
        stale.unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """Opens pages in fresh browser contexts (own cookies) on the live server; page errors and
    dialogs (an injected alert()) are collected in page.errors."""
    contexts, pages = [], []

    def open_page(viewport: dict = DESKTOP, **options):
        context = chromium.new_context(viewport=viewport, base_url=live_server.url, accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        pages.append(page)
        # A Content-Security-Policy violation (an inline script or style the policy blocks) is an error too.
        page.on("console", lambda message: "Content Security Policy" in message.text and page.errors.append(message.text))
        return page

    yield open_page
    for context in contexts:
        context.close()
    blocked = [error for page in pages for error in page.errors if "Content Security Policy" in error]
    assert blocked == [], f"the pages broke their Content-Security-Policy: {blocked}"


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name)


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
