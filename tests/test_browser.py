"""Every page of the website, opened as a reader opens it: in a real browser with no internet.

The site built for test_site.py (``tests/book_build.py``, once per run) is served by a local HTTP
server on 127.0.0.1 and every page is opened in headless Chromium (Debian's ``chromium``, driven
by Playwright's Python package through ``executable_path``; Playwright's own browser downloads are
never used). Every request not addressed to that server is blocked and recorded, as on a train
or behind a classroom firewall. Each page is checked for:

- no console error, uncaught exception or failed (4xx/5xx) request;
- no request outside the local server;
- math rendered: MathJax containers in every ``.math`` element, no MathJax error, no raw ``\\(``;
- every animation's Play button advances its frames, and a frame is as wide as the text column;
- every solution dropdown opens when clicked;
- no horizontal overflow: the main column does not scroll sideways, no content is cut off
  (at 1280 px and again at a phone's 400 px).

The last test opens a chapter of the runnable-book archive in JupyterLab (with jupyterlab-myst),
as a self-study reader does, and checks what it renders: glued numbers in the text, exercise and
proof boxes, math, solutions folded.

Screenshots go to ``test-artefacts/browser/`` and ``test-artefacts/jupyterlab/`` (git-ignored).
The tests are skipped, with a message, when no Chromium is installed (``.ci/run`` installs it).
"""
import functools
import http.server
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from book_build import ARTEFACTS, ROOT as ROOT_NOTEBOOKS, site

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}
NARROW = {"width": 400, "height": 800}  # a phone: the overflow check is repeated at this width
SCREENSHOTS = ("intro.html", "chapters/01_gradient_descent.html",
               "chapters/04d_visualising_choosing.html", "exercises/01_gradient_descent.html",
               "glossary.html")


def _chromium():
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    return shutil.which("chromium")


@dataclass
class PageReport:
    page: str
    errors: list = field(default_factory=list)        # console errors, exceptions, failed requests
    external: list = field(default_factory=list)      # blocked requests to other hosts
    math: dict = field(default_factory=dict)
    raw_tex: list = field(default_factory=list)
    overflow: dict = field(default_factory=dict)
    overflow_narrow: dict = field(default_factory=dict)
    animations: list = field(default_factory=list)    # one dict per animation
    dropdowns: list = field(default_factory=list)     # one dict per solution dropdown


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# In the page: every .math element rendered by MathJax, no error, no TeX left in the text
# (delimiters \( \) \[ \] $$, a $ before a command, or a command such as \theta).
MATH_JS = r"""() => {
  const math = [...document.querySelectorAll('.math')];
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const walker = document.createTreeWalker(document.querySelector('article') || document.body,
                                           NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(skip)) continue;
    const m = n.textContent.match(/\\\(|\\\)|\\\[|\\\]|\$\$|\$\\|\\[a-zA-Z]{2,}/);
    if (m) raw.push(n.textContent.trim().slice(0, 80));
  }
  return {elements: math.length,
          rendered: math.filter(e => e.querySelector('mjx-container')).length,
          containers: document.querySelectorAll('mjx-container').length,
          errors: (window.MathJax && MathJax.startup && MathJax.startup.document
                   ? Array.from(MathJax.startup.document.math)
                       .filter(m => m.typesetRoot && m.typesetRoot.querySelector('mjx-merror'))
                       .map(m => JSON.stringify(m.math).slice(0, 80))  // the TeX source
                   : []),
          error_count: document.querySelectorAll('mjx-merror').length,
          mathjax: !!document.querySelector('script[src*="mathjax"]'),
          raw: raw};
}"""

# Horizontal overflow of the page and of the main column; elements whose visible content is cut
# off by an `overflow: hidden` box (a scrolling box is fine; MathJax's zero-height assistive MathML,
# which widens scrollWidth without being seen, is not content).
OVERFLOW_JS = """() => {
  const main = document.querySelector('.bd-article-container') || document.querySelector('main');
  const cut = [];
  for (const e of (main ? main.querySelectorAll('*') : [])) {
    const s = getComputedStyle(e);
    if (!(s.overflowX === 'hidden' || s.overflowX === 'clip') || e.scrollWidth <= e.clientWidth + 1
        || e.clientWidth === 0) continue;
    const box = e.getBoundingClientRect();
    let right = box.left;
    for (const d of e.querySelectorAll('*')) {
      if (d.closest('mjx-assistive-mml')) continue;
      let scrolls = false;  // reachable by scrolling a box inside e (MathJax's own container)
      for (let a = d.parentElement; a && a !== e; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; }
      }
      if (scrolls) continue;
      const r = d.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) right = Math.max(right, r.right);
    }
    if (right > box.right + 2)
      cut.push(e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ': ' +
               e.textContent.trim().slice(0, 40) + ' (' + Math.round(right - box.right) + ' px)');
  }
  return {page: [document.documentElement.scrollWidth, window.innerWidth],
          main: main ? [main.scrollWidth, main.clientWidth] : null, cut: cut.slice(0, 5)};
}"""


def _check_animations(page, report):
    players = page.locator(".animation")
    for i in range(players.count()):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        img, slider = player.locator("img"), player.locator("input.anim-slider")
        widths = player.evaluate("""e => [e.querySelector('img').getBoundingClientRect().width,
            e.closest('article').getBoundingClientRect().width]""")
        before = (img.get_attribute("src"), slider.input_value())
        player.locator("button[title=Play]").click()
        try:
            page.wait_for_function(
                "([el, v]) => el.value !== v", arg=[slider.element_handle(), before[1]], timeout=5000)
        except Exception:  # noqa: BLE001 - reported below as "did not advance"
            pass
        page.wait_for_timeout(300)
        after = (img.get_attribute("src"), slider.input_value())
        player.locator("button[title=Pause]").click()
        report.animations.append({"index": i, "frame_before": before[1], "frame_after": after[1],
                                  "image_changed": before[0] != after[0],
                                  "frame_width": widths[0], "column_width": widths[1]})


def _check_dropdowns(page, report):
    boxes = page.locator("div.solution.dropdown")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        content = box.locator("section").first
        hidden_before = not content.is_visible()
        box.locator("button.toggle-button").first.click()
        try:
            content.wait_for(state="visible", timeout=3000)
        except Exception:  # noqa: BLE001 - reported below as "did not open"
            pass
        report.dropdowns.append({"index": i, "folded_at_first": hidden_before,
                                 "opens": content.is_visible()})


def _visit(context, origin, page_name, report):
    page = context.new_page()
    page.on("console", lambda m: report.errors.append(f"console.{m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: report.errors.append(f"uncaught: {e}"))
    page.on("response", lambda r: report.errors.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    page.goto(f"{origin}/{page_name}", wait_until="load")
    if page_name == "index.html":  # a redirect to intro.html
        page.wait_for_url("**/intro.html", timeout=10000)
        page.wait_for_load_state("load")
    mathjax = page.evaluate("(document.querySelector('script[src*=\"mathjax\"]') || {}).src || ''")
    if mathjax.startswith(origin + "/"):  # (one from another host is blocked and never loads)
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("MathJax.startup.promise")
    report.math = page.evaluate(MATH_JS)
    report.raw_tex = report.math.pop("raw")
    report.overflow = page.evaluate(OVERFLOW_JS)
    if page_name in SCREENSHOTS:
        ARTEFACTS.joinpath("browser").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTEFACTS / "browser" / (page_name.replace("/", "__") + ".png"))
    _check_animations(page, report)
    if page_name in SCREENSHOTS and report.animations:
        page.locator(".animation").first.screenshot(
            path=ARTEFACTS / "browser" / (page_name.replace("/", "__") + ".animation.png"))
    _check_dropdowns(page, report)
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(300)
    report.overflow_narrow = page.evaluate(OVERFLOW_JS)
    page.wait_for_timeout(200)  # let late console messages arrive
    page.close()


def _blocker(origin, record):
    """A route handler: requests to ``origin`` go through, every other one is recorded and aborted."""
    def route(r):
        if r.request.url.startswith(origin + "/"):
            r.continue_()
        else:
            record.append(r.request.url)
            r.abort()
    return route


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium installed: the browser test needs Debian's chromium "
                    "(apt-get install -y chromium; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -r requirements.txt")
    build = site(tmp_path_factory, "full")
    if not (build.html / "intro.html").is_file():
        pytest.fail(f"the site was not built (see test_site.py):\n{build.log[-3000:]}")
    handler = functools.partial(_Quiet, directory=str(build.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            for name in build.pages():
                report = results[name] = PageReport(name)
                # A fresh context per page: an empty cache and localStorage, as a first visit.
                context = browser.new_context(viewport=VIEWPORT, service_workers="block")
                context.route("**/*", _blocker(origin, report.external))
                try:
                    _visit(context, origin, name, report)
                except Exception as exc:  # noqa: BLE001 - a page that cannot be checked fails below
                    report.errors.append(f"the check itself failed: {exc!r}")
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def test_every_page_was_opened(reports):
    print(f"{len(reports)} pages; math elements rendered: "  # shown with pytest -rA
          f"{sum(r.math.get('rendered', 0) for r in reports.values())}; animations: "
          f"{sum(len(r.animations) for r in reports.values())}; solution dropdowns: "
          f"{sum(len(r.dropdowns) for r in reports.values())}; blocked requests: "
          f"{sum(len(r.external) for r in reports.values())}; console errors: "
          f"{sum(len(r.errors) for r in reports.values())}")
    assert len(reports) >= 15, f"only {len(reports)} pages: {sorted(reports)}"
    assert "intro.html" in reports and "glossary.html" in reports


def test_no_console_error(reports):
    bad = {p: r.errors for p, r in reports.items() if r.errors}
    assert not bad, f"console errors, exceptions or failed requests: {bad}"


def test_no_request_leaves_the_local_server(reports):
    bad = {p: r.external for p, r in reports.items() if r.external}
    assert not bad, f"requests to other hosts (blocked): {bad}"


def test_math_is_rendered(reports):
    pages_with_math = {p: r.math for p, r in reports.items() if r.math.get("elements")}
    assert len(pages_with_math) >= 8, f"math found on only {sorted(pages_with_math)}"
    bad = {p: m for p, m in pages_with_math.items()
           if not m["mathjax"] or m["rendered"] != m["elements"] or m["errors"] or m["error_count"]}
    assert not bad, f"pages whose math is not (all) rendered by MathJax: {bad}"
    raw = {p: r.raw_tex[:3] for p, r in reports.items() if r.raw_tex}
    assert not raw, f"raw TeX left in the text: {raw}"


def test_animations_play_at_the_column_width(reports):
    players = [(p, a) for p, r in reports.items() for a in r.animations]
    assert players, "no animation found on any page"
    stuck = [(p, a) for p, a in players if a["frame_before"] == a["frame_after"] or not a["image_changed"]]
    assert not stuck, f"Play did not advance the frames: {stuck}"
    narrow = [(p, a) for p, a in players if a["frame_width"] < 0.9 * a["column_width"]]
    assert not narrow, f"animation frames narrower than the text column: {narrow}"


def test_solution_dropdowns_open(reports):
    boxes = [(p, d) for p, r in reports.items() for d in r.dropdowns]
    assert len(boxes) >= 40, f"only {len(boxes)} solution dropdowns found"
    bad = [(p, d) for p, d in boxes if not (d["folded_at_first"] and d["opens"])]
    assert not bad, f"solution dropdowns not folded at first or not opening: {bad}"


def _overflows(o):
    return o["page"][0] > o["page"][1] or (o["main"] and o["main"][0] > o["main"][1] + 1) or o["cut"]


def test_no_horizontal_overflow(reports):
    bad = {p: r.overflow for p, r in reports.items() if _overflows(r.overflow)}
    assert not bad, f"pages wider than the window, main column overflowing, or content cut: {bad}"


def test_no_horizontal_overflow_on_a_phone(reports):
    bad = {p: r.overflow_narrow for p, r in reports.items() if _overflows(r.overflow_narrow)}
    assert not bad, f"at {NARROW['width']} px: pages or main column overflowing, or content cut: {bad}"


# ---------------------------------------------------------------------------------------------
# JupyterLab: what a self-study reader sees after unpacking the runnable-book archive


LAB_NOTEBOOK = "chapters/01_gradient_descent.ipynb"
LAB_SETTINGS = {  # a quiet, fully rendered notebook: no news pop-up, every cell in the DOM
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_report(tmp_path_factory):
    """JupyterLab (with jupyterlab-myst) opens a chapter of the archive; what does it render?"""
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    import zipfile

    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium installed: the JupyterLab check needs Debian's chromium")
    try:
        import jupyterlab_myst  # noqa: F401
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"{exc.name} is missing: pip install -r requirements.txt")
    build = site(tmp_path_factory, "full")
    base = tmp_path_factory.mktemp("jupyterlab")
    with zipfile.ZipFile(build.html / "gradient-descent-executed.zip") as zf:
        zf.extractall(base)
    book = base / "gradient-descent-executed"
    for name, value in LAB_SETTINGS.items():
        path = base / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"))
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={book}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=book)
    report = {"errors": [], "external": []}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(origin + "/api", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})

            context.route("**/*", _blocker(origin, report["external"]))
            page = context.new_page()
            page.on("pageerror", lambda e: report["errors"].append(f"uncaught: {e}"))
            page.goto(f"{origin}/lab/tree/{LAB_NOTEBOOK}")
            page.wait_for_selector(".jp-MarkdownCell .myst", timeout=60000)
            page.wait_for_timeout(3000)  # let every markdown cell render
            report.update(page.evaluate("""() => {
              const md = [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')];
              const text = md.map(c => c.querySelector('.jp-RenderedMarkdown, .myst')
                                     ? c.innerText : '').join('\\n');
              const sol = [...document.querySelectorAll('.jp-MarkdownCell details')]
                .filter(d => d.innerText.trim().startsWith('Solution'));
              return {markdown_cells: md.length,
                      rendered: md.filter(c => c.querySelector('.myst')).length,
                      raw_roles: (text.match(/\\{(glue|exercise|solution|prf:|cite|doc|numref)[^}]*\\}/g) || []),
                      exercises: document.querySelectorAll('.jp-MarkdownCell aside.myst-exercise').length,
                      solutions: sol.length,
                      solutions_open: sol.filter(d => d.open).length,
                      proofs: document.querySelectorAll('.jp-MarkdownCell .myst-proof').length,
                      warnings: document.querySelectorAll('.jp-MarkdownCell .myst-admonition-warning').length,
                      math: document.querySelectorAll('.jp-MarkdownCell .katex').length,
                      math_errors: document.querySelectorAll('.jp-MarkdownCell .katex-error').length};
            }"""))
            ARTEFACTS.joinpath("jupyterlab").mkdir(parents=True, exist_ok=True)
            first = page.locator(".jp-MarkdownCell details").first
            first.scroll_into_view_if_needed()
            page.screenshot(path=ARTEFACTS / "jupyterlab" / "solution_folded.png")
            first.locator("summary").click()
            page.wait_for_timeout(300)
            report["solution_opens"] = first.evaluate("d => d.open")
            page.screenshot(path=ARTEFACTS / "jupyterlab" / "solution_open.png")
            page.locator(".jp-MarkdownCell").nth(3).scroll_into_view_if_needed()
            page.screenshot(path=ARTEFACTS / "jupyterlab" / "glued_numbers.png")
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    nb = json.loads((book / LAB_NOTEBOOK).read_text(encoding="utf-8"))
    markdown = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                         for c in nb["cells"] if c["cell_type"] == "markdown")
    source = json.loads((ROOT_NOTEBOOKS / LAB_NOTEBOOK).read_text(encoding="utf-8"))
    source_md = "\n".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "markdown")
    report["expected"] = {
        "markdown_cells": sum(c["cell_type"] == "markdown" for c in nb["cells"]),
        "exercises": len(re.findall(r"^`{3,}\{exercise\}", markdown, re.M)),
        "solutions": len(re.findall(r"^`{3,}\{solution\}", markdown, re.M)),
        "proofs": len(re.findall(r"^`{3,}\{prf:", markdown, re.M)),
        "glue_in_source": len(re.findall(r"\{glue:text\}", source_md)),
    }
    return report


def test_jupyterlab_renders_the_chapter_as_the_website_does(lab_report):
    """Numbers in the text, exercises and proofs in boxes, math rendered, solutions folded."""
    r, want = lab_report, lab_report["expected"]
    assert want["glue_in_source"] > 0, "the chapter chosen for this check glues no number"
    assert r["rendered"] == r["markdown_cells"] == want["markdown_cells"], r
    glue = [role for role in r["raw_roles"] if role.startswith("{glue")]
    assert not glue, f"glue roles shown raw in JupyterLab: {glue[:5]}"
    assert [role for role in r["raw_roles"] if role.startswith(("{exercise", "{solution", "{prf"))] == []
    assert r["exercises"] == want["exercises"] > 0, r
    assert r["solutions"] == want["solutions"] > 0, r
    assert r["solutions_open"] == 0, "solutions are shown unfolded in JupyterLab"
    assert r["solution_opens"], "a folded solution does not open when its summary is clicked"
    assert r["proofs"] >= want["proofs"] > 0, r
    assert r["math"] > 100 and r["math_errors"] == 0, r
    assert not r["errors"], r["errors"]
    assert not r["external"], f"JupyterLab requested other hosts: {r['external']}"
