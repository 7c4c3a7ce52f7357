"""Code blocks in the browser: the language on the block and a copy button that works from the
keyboard, announces itself and still copies where the Clipboard API is missing."""

import time

import pytest
from browser import chromium, screenshot, served
from conftest import make_site

pytestmark = pytest.mark.browser

LESSON = """\
@page home Code
@body
Text before the code.

```python
def greet(client):
    return "Hello, " + client
```

```js
const a = 1;
const b = 2;
const c = 3;
const d = 4;
const e = 5;
const f = 6;
const g = 7;
const h = 8;
const i = 9;
```
@highlight 9 only
"""
FIRST_BLOCK = 'def greet(client):\n    return "Hello, " + client'
SECOND_BLOCK = "\n".join(f"const {name} = {n};" for n, name in enumerate("abcdefghi", start=1))


@pytest.fixture(scope="module")
def code_site(tmp_path_factory):
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    site = make_site(tmp_path_factory.mktemp("code"), {"index.md": LESSON})
    out = site / "site"
    assert build_site(load_config(site / "site.yaml"), out).written
    return out


def tab_to(page, selector: str, limit: int = 30) -> None:
    """Press Tab until the element matching SELECTOR has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_copy_button_copies_the_code_from_the_keyboard_and_announces_it(code_site):
    with served(code_site) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
        page = context.new_page()
        page.goto(url + "index.html")
        labels = page.locator(".code-language").all_inner_texts()
        assert [label.lower() for label in labels] == ["python", "js"]
        screenshot(page, "code-blocks")

        tab_to(page, "button.copy-code")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "document.querySelector('body > [role=status]').textContent === 'Copied'"
        )
        assert page.evaluate("navigator.clipboard.readText()") == FIRST_BLOCK
        assert page.locator("button.copy-code").first.inner_text() == "Copied"

        # A block with folded lines copies all of its code, not the "more lines" buttons.
        page.locator("button.copy-code").nth(1).click()
        page.wait_for_function("navigator.clipboard.readText().then(t => t.startsWith('const'))")
        assert page.evaluate("navigator.clipboard.readText()") == SECOND_BLOCK


def test_copy_works_without_the_clipboard_api_from_file_url(code_site):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(
            "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
            "document.addEventListener('copy', (event) => {"
            "  const t = event.target;"
            "  window.copied = t.value.slice(t.selectionStart, t.selectionEnd); });"
        )
        page.goto((code_site / "index.html").as_uri())
        assert page.evaluate("navigator.clipboard") is None
        page.locator("button.copy-code").first.click()
        page.wait_for_function(
            "document.querySelector('body > [role=status]').textContent === 'Copied'"
        )
        assert page.evaluate("window.copied") == FIRST_BLOCK
        assert page.evaluate("document.activeElement.className") == "copy-code"


def test_code_tools_do_not_move_the_page(code_site):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.add_init_script(
            "window.cls = 0; new PerformanceObserver((list) => { for (const e of list.getEntries())"
            " window.cls += e.value; }).observe({type: 'layout-shift', buffered: true});"
        )
        # A slow script: the page paints before the tools are added.
        page.route("**/trustdocs.js", lambda route: (time.sleep(0.5), route.continue_()))
        page.goto((code_site / "index.html").as_uri())
        page.locator("button.copy-code").first.wait_for()
        page.wait_for_timeout(200)
        assert page.evaluate("window.cls") < 0.01
        button = page.locator("button.copy-code").first.bounding_box()
        first_line = page.locator("pre.highlight code").first.bounding_box()
        assert button["y"] + button["height"] <= first_line["y"] + 2  # above the code, not on it
