"""Browser journeys: Playwright (sync API) driving Debian's Chromium against Django's live server on PostgreSQL.

One browser per session, a new browser context (its own cookies) per persona per test. Every page a journey
visits goes through `Journey.visit`/`Journey.check`, which runs axe-core (tests/e2e/axe.min.js, built from the
pinned npm package by frontend/build.mjs) and fails on serious or critical violations.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with a running
# loop unless told it is safe (it is: the live server answers from its own thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
SCREENSHOTS = HERE.parent.parent / "docs" / "screenshots"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}
# Set E2E_UPDATE_SCREENSHOTS=1 to copy the key screenshots into docs/screenshots/ (committed, shown in the README).
UPDATE_DOCS = os.environ.get("E2E_UPDATE_SCREENSHOTS") == "1"
DEFAULT_TIMEOUT_MS = 15_000


def _without_known_conditional_radio_issue(violation: dict) -> dict:
    """GOV.UK Frontend's conditional radios set aria-expanded on the radio (not allowed by ARIA 1.2
    for the radio role, so axe calls it critical); the Design System keeps it on purpose, as screen
    readers announce it, and lists the axe finding as a known issue (govuk-frontend #979). Only
    that finding, on those inputs, is set aside; any other attribute on them still fails."""
    if violation["id"] != "aria-allowed-attr":
        return violation
    kept = [
        target
        for target, (html, summary) in zip(violation["nodes"], violation["details"], strict=False)
        if not (
            "govuk-radios__input" in html
            and "aria-expanded" in summary
            and summary.count("ARIA attribute is not allowed") == 1
        )
    ]
    return {**violation, "nodes": kept}


# Every axe run of the session, written to artifacts/axe-report.json at the end (pages checked, minor findings).
AXE_LOG: list[dict] = []


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure-apt.sh (installs Debian's chromium). "
            "Never `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(AXE_LOG, indent=1))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "demo_reports: the journey needs the reporting demo (prebuilt monthly reports)"
    )


@pytest.fixture
def demo_world(request, live_server, transactional_db, monkeypatch):
    """The demo world (agencies, the demo logins, 30 synthetic people) in the live server's database.

    The reporting demo builds two PDF reports (about 7 s on 2 cores); only journeys marked demo_reports get it."""
    from core.management.commands import seed_demo

    if request.node.get_closest_marker("demo_reports") is None:
        monkeypatch.setattr(
            seed_demo, "DEMO_APPS", [app for app in seed_demo.DEMO_APPS if app != "reporting"]
        )
    call_command("seed_demo", "--force", "--people", "30", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server


class AxeViolation(AssertionError):
    pass


class Journey:
    """One persona in their own browser context: sign in, visit, check accessibility, screenshot."""

    def __init__(self, browser, base_url, name):
        self.base_url = base_url
        self.name = name
        # bypass_csp lets axe be injected as a script tag; the pages' own CSP is exercised by the other tests.
        self.context = browser.new_context(
            viewport=VIEWPORT, bypass_csp=True, locale="en-GB", timezone_id="Europe/London"
        )
        self.context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text)
        )
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        self.checked: list[str] = []

    # navigation -----------------------------------------------------------------------------------------
    def url(self, path):
        return self.base_url + path

    def goto(self, path, *, check=True, expect_status=200):
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status == expect_status, (
            f"{path}: HTTP {response.status}, expected {expect_status}"
        )
        if check:
            self.check()
        return response

    def sign_in(self, username, password=None):
        self.goto("/sign-in/")
        self.page.get_by_label("Username", exact=True).fill(username)
        self.page.get_by_label("Password", exact=True).fill(password or settings.DEMO_PASSWORD)
        self.click_button("Sign in")
        assert "/sign-in/" not in self.page.url, f"sign-in as {username} failed"
        return self

    def click_button(self, name, *, check=True):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name, exact=True).click()
        if check:
            self.check()

    def click_link(self, name, *, exact=True, check=True):
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=name, exact=exact).first.click()
        if check:
            self.check()

    def success(self):
        """The success banner's text; fails at once (with the page's errors) when there is none."""
        banner = self.page.locator(".govuk-notification-banner")
        if banner.count() == 0:
            errors = self.page.locator(".govuk-error-summary")
            detail = (
                errors.inner_text()
                if errors.count()
                else self.page.locator("main").inner_text()[:500]
            )
            raise AssertionError(
                f"no success banner on {self.page.url} ({self.heading()!r}): {detail}"
            )
        return banner.first.inner_text()

    def heading(self):
        return self.page.locator("h1").first.inner_text().strip()

    # checks ---------------------------------------------------------------------------------------------
    def check(self):
        """Run axe-core on the current page; fail on serious or critical violations. CSS must have loaded."""
        page = self.page
        path = re.sub(r"^https?://[^/]+", "", page.url)
        css_ok = page.evaluate(
            "() => [...document.styleSheets].some(s => { try { return s.cssRules.length > 100 } catch (e) { return false } })"
        )
        assert css_ok, f"{path}: the GOV.UK stylesheet did not load"
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' ')),
                                           details: v.nodes.map(n => [n.html, n.failureSummary || ''])}));
        }""")
        result = [v for v in map(_without_known_conditional_radio_issue, result) if v["nodes"]]
        for violation in result:
            violation.pop("details", None)
            violation["nodes"] = violation["nodes"][:5]
        AXE_LOG.append(
            {"journey": self.name, "path": path, "title": page.title(), "violations": result}
        )
        self.checked.append(path)
        blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            raise AxeViolation(
                f"{path}: axe found {len(blocking)} serious/critical violation(s): "
                + json.dumps(blocking, indent=1)
            )
        return result

    def screenshot(self, name, *, docs=False):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.evaluate(
            "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
        )
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        if docs and UPDATE_DOCS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # docs copies are the first screen only (1280x900) in 128 colours, to keep the repository small.
            from PIL import Image

            shot = SCREENSHOTS / f"{name}.png"
            self.page.screenshot(path=str(shot), full_page=False)
            Image.open(shot).convert("RGB").quantize(
                colors=128, method=Image.Quantize.MEDIANCUT
            ).save(shot, optimize=True)
        return target

    def tab_through(self, *, max_extra=15):
        """Press Tab from the top of the page and assert focus reaches every visible interactive control.

        Radio buttons count once per group (Tab enters a group once; arrow keys move inside it)."""
        page = self.page
        total = page.evaluate("""() => {
            const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
            const visible = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
              return !el.disabled && s.visibility !== 'hidden' && s.display !== 'none' && (r.width > 0 || r.height > 0
                     || el.classList.contains('govuk-skip-link')) && !el.closest('[hidden], [inert]'); };
            const els = [...document.querySelectorAll(selector)].filter(visible);
            const seenRadio = new Set(); let n = 0;
            window.__e2eFocus = new Set();
            for (const el of els) {
              let key;
              if (el.type === 'radio') { key = 'radio:' + el.name; if (seenRadio.has(key)) { el.dataset.e2eKey = key; continue; } seenRadio.add(key); }
              else { key = 'el:' + (n++); }
              el.dataset.e2eKey = key;
            }
            window.__e2eKeys = [...new Set(els.map(el => el.dataset.e2eKey))];
            document.addEventListener('focusin', e => { if (e.target.dataset && e.target.dataset.e2eKey) window.__e2eFocus.add(e.target.dataset.e2eKey); });
            document.activeElement && document.activeElement.blur();
            return window.__e2eKeys.length;
        }""")
        page.evaluate("() => window.scrollTo(0, 0)")
        for _ in range(total + max_extra):
            page.keyboard.press("Tab")
        missing = page.evaluate("""() => window.__e2eKeys.filter(k => !window.__e2eFocus.has(k)).map(k => {
            const el = document.querySelector(`[data-e2e-key="${k}"]`);
            return `${el.tagName.toLowerCase()} ${(el.innerText || el.name || el.id || '').trim().slice(0, 40)}`; })""")
        # leave nothing focused: a focused skip link (where the Tabs may end after wrapping) shows
        # at the top and would move the page under the next click when it loses focus
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        path = re.sub(r"^https?://[^/]+", "", page.url)
        assert not missing, f"{path}: Tab never reached {missing}"
        return total

    def close(self):
        self.context.close()


@pytest.fixture
def journey(browser, demo_world):
    """journey("probation.luton") -> a signed-in Journey in its own browser context."""
    opened = []

    def make(username=None, *, name=None):
        j = Journey(browser, demo_world.url, name or username or "anonymous")
        opened.append(j)
        if username:
            j.sign_in(username)
        return j

    yield make
    for j in opened:
        j.close()


@pytest.fixture(scope="session", autouse=True)
def _clean_artifacts():
    if ARTIFACTS.exists() and os.environ.get("E2E_KEEP_ARTIFACTS") != "1":
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
    yield
