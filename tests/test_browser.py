"""The built book in a real browser (headless Chromium through Playwright).

Needs a built book: ``make test`` builds it at smoke scale first and passes its folder in
``CGLIB_BOOK_HTML``.  Screenshots of every page go to ``test-artifacts/screenshots``.
"""
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("CGLIB_BOOK_HTML", ROOT / "_build" / "smoke" / "_build" / "html"))
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f + ".html" for f in files]


def _need_book():
    if not (HTML / "index.html").exists() or not CHROMIUM:
        why = f"no built book at {HTML}" if CHROMIUM else "chromium is not installed"
        if os.environ.get("CI"):
            pytest.fail(why + " (CI must build the book and install chromium: see .ci/run)")
        pytest.skip(why + "; run 'make test'")


@pytest.fixture(scope="module")
def server():
    _need_book()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    _need_book()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def visit(browser, url):
    """Load a page; return (page, console errors, requests that left the book's own server)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    origin = url.split("/", 3)[:3]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed request {r.url}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} for {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: outside.append(r.url) if r.url.split("/", 3)[:3] != origin
            and not r.url.startswith(("data:", "blob:")) else None)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)
    return page, errors, outside


@pytest.mark.parametrize("path", toc_pages())
def test_page_loads_clean(path, server, browser):
    page, errors, outside = visit(browser, f"{server}/{path}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (path.replace("/", "_") + ".png")), full_page=True)
    assert not errors, f"console errors on {path}: {errors}"
    assert not outside, f"{path} loaded from the network: {outside}"
    tracebacks = page.locator(".cell_output .traceback, .output.traceback, .output.error").count()
    text = page.locator("main").inner_text()
    assert tracebacks == 0 and "Traceback (most recent call last)" not in text, f"an executed cell failed on {path}"
    broken = page.evaluate("() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                           ".map(i => i.src)")
    assert not broken, f"images that did not load on {path}: {broken}"
    page.close()


def test_chapters_have_figures(server, browser):
    for path in toc_pages():
        if Path(path).name[0].isdigit():  # a chapter
            page, _, _ = visit(browser, f"{server}/{path}")
            assert page.locator("main img").count() >= 1, f"{path} shows no figure"
            page.close()


#: A reader finishes a chapter: words of a chapter page's main column, as a reader sees it (prose, code and outputs).
MAX_WORDS = 4000


@pytest.mark.parametrize("chapter", ["04_emergence", "08_beyond_the_paper"])
def test_a_chapter_is_short_enough_to_finish(chapter, server, browser):
    page, _, _ = visit(browser, f"{server}/book/{chapter}.html")
    words = len(page.locator("main").inner_text().split())
    page.close()
    assert 1000 < words <= MAX_WORDS, f"{chapter}: {words} words in its main column (at most {MAX_WORDS})"


@pytest.mark.parametrize("chapter", ["05_frequency", "02_toy_model"])
def test_sliders_change_the_picture(chapter, server, browser):
    """The sliders work in the static page: no kernel, no network, the picture follows the slider."""
    page, errors, outside = visit(browser, f"{server}/book/{chapter}.html")
    box = page.locator(".cglib-slider").first
    assert box.count() == 1, f"{chapter} shows no slider"
    sliders = box.locator("input[type=range]")
    assert sliders.count() == 3
    img = box.locator("img.cglib-slider-image")
    seen = {img.get_attribute("src")}
    for k in range(3):
        s = sliders.nth(k)
        label = box.locator("output.cglib-slider-value").nth(k)
        before_point, before_label = img.get_attribute("data-point"), label.inner_text()
        s.focus()
        key = "ArrowLeft" if int(s.get_attribute("value") or 0) == int(s.get_attribute("max")) else "ArrowRight"
        page.keyboard.press(key)  # what a reader's keyboard (or a drag) does: an 'input' event
        page.wait_for_timeout(100)
        assert img.get_attribute("data-point") != before_point, f"slider {k} did not change the panel"
        assert label.inner_text() != before_label, f"slider {k} did not change its label"
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the new panel did not load"
        seen.add(img.get_attribute("src"))
    assert len(seen) == 4, "moving each slider should show a different picture"
    assert not errors and not outside, (errors, outside)
    SHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SHOTS / f"{chapter}_slider_moved.png"))
    page.close()


WIDTHS = """() => {
  const col = document.querySelector('article.bd-article') || document.querySelector('main');
  const cs = getComputedStyle(col), r = col.getBoundingClientRect();
  const right = r.right - parseFloat(cs.paddingRight);
  const wide = [];
  for (const el of col.querySelectorAll('table, img, .cglib-slider, pre')) {
    const b = el.getBoundingClientRect();
    const what = el.tagName === 'TABLE' && el.querySelector('caption') ? el.querySelector('caption').innerText
               : (el.alt || el.innerText || '').slice(0, 60);
    if (b.width > 0 && b.right > right + 1 && el.tagName !== 'PRE') wide.push(`${el.tagName} ${Math.round(b.width)} px: ${what}`);
  }
  return {column: r.width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight), wide: wide};
}"""


@pytest.mark.parametrize("path", toc_pages())
def test_no_table_or_figure_is_wider_than_the_content_column(path, server, browser):
    """At 1280 px every table and figure fits the content column (a cut-off table hides its right-hand
    columns); the column is at least as wide as the one the figures' text check assumes."""
    from cglib.readable import COLUMN_PX
    page, _, _ = visit(browser, f"{server}/{path}")
    res = page.evaluate(WIDTHS)
    page.close()
    assert res["column"] >= COLUMN_PX - 1, f"{path}: the content column is {res['column']:.0f} px, not {COLUMN_PX}"
    assert not res["wide"], f"{path}: wider than the {res['column']:.0f} px column: {res['wide']}"
