"""axe-core finds no accessibility violation on the pages a learner meets, in both colour schemes,
on a desktop and on a phone."""

import shutil

import pytest
from browser import chromium, failed_requests, screenshot, served
from conftest import REPO

pytestmark = pytest.mark.browser

SHOWCASE = """\
@page client-trust/showcase Reference Card
@parent client-trust 99
@outline 2
@description Code, tables, callouts, checks and answers, as one lesson.

@body
## Code

```python
# Comments, strings, numbers and keywords: every colour of the code styles is read against
# the code's background and a marked line's.
@dataclass
def greet(client: str, times: int = 3) -> str:
    '''Say hello.'''
    return f"Hello, {client}" * times  # a trailing comment
```
@highlight 5-6

```js
// a comment
const note = /trust/g.test("it's " + `${1 + 2.5}`); /* block */
export default class Card extends HTMLElement { static tag = 'td-card'; }
```
@highlight 2

```css
/* a comment */
.card:hover > a[href^="http"] { color: #0a0; margin: 0 auto !important; }
```

```html
<!-- a comment -->
<a href="x.html" class="btn" data-n='1'>&amp; link</a>
```

```bash
# a comment
export NAME="trust" && echo "$NAME" | grep -c 'x' > /dev/null 2>&1
```

## A wide table

| Week | Owner | Deliverable | Review | Sign-off | Notes for the steering committee |
| --- | --- | --- | --- | --- | --- |
| 1 | Aisha | Discovery workshop summary | Dana | Luis | Confirm scope and the list of integrations before any estimate |
| 2 | Sam | Checkout designs | Ruth | Karim | Designs include the accessibility review and the error states |

## Callouts

> [!NOTE]
> Notes add context.

> [!TIP]
> Tips make a task easier.

> [!IMPORTANT]
> Important points are needed to succeed.

> [!WARNING]
> Warnings need attention now.

> [!CAUTION]
> Cautions warn of risky outcomes.

> A quotation, set apart.

## Checks

::: check Which channel suits serious bad news?

- [ ] Email.
  Easy to send, but the client cannot react or ask questions.
- [x] A call or a meeting.
  The client can react, and you can agree the next steps together.
:::

::: check What would you do?
The client's sponsor leaves the meeting before the plan is agreed.

::: answer
Send a short summary and ask for explicit agreement.
:::

<details>
<summary>A model answer</summary>

Say it early, with options.

</details>
"""

PAGES = {
    "home": "index.html",
    "lesson": "client-trust/communication.html",
    "reference": "client-trust/showcase.html",
    "print": "print.html",
    "404": "404.html",
}
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """The bundled course and one reference lesson, built once for this module."""
    from trustdocs.build import build_site
    from trustdocs.config import load_config

    folder = tmp_path_factory.mktemp("a11y")
    shutil.copy(REPO / "site.yaml", folder / "site.yaml")
    shutil.copytree(REPO / "content", folder / "content")
    (folder / "content" / "client-trust" / "showcase.md").write_text(SHOWCASE, encoding="utf-8")
    out = folder / "out"
    assert build_site(load_config(folder / "site.yaml"), out).written
    return out


def axe_violations(page) -> list[str]:
    """axe-core's violations on PAGE, one readable line per rule."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_no_axe_violations(course_site, scheme, device):
    width, height = VIEWPORTS[device]
    found = {}
    with served(course_site) as url, chromium() as browser:
        for name, path in PAGES.items():
            page = browser.new_page(
                viewport={"width": width, "height": height},
                color_scheme=scheme,
                is_mobile=device == "phone",
            )
            failures = failed_requests(page)
            page.goto(url + path)
            page.wait_for_load_state("load")
            if name == "reference":  # a wrong answer shows the checks' feedback colours too
                page.get_by_label("Email.").check()
                page.get_by_role("button", name="Check answer").click()
                page.locator(".check-result.is-wrong").wait_for()
            violations = axe_violations(page)
            if violations:
                found[name] = violations
            assert failures == [], f"{name}: failed requests {failures}"
            if name in ("reference", "print"):  # the print page is too long to take whole
                screenshot(page, f"a11y-{name}-{device}-{scheme}", full_page=name != "print")
            page.close()
    assert found == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_with_search_results_open(course_site, scheme):
    with served(course_site) as url, chromium() as browser:
        for width, height in VIEWPORTS.values():
            page = browser.new_page(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            page.goto(url + PAGES["lesson"])
            page.locator("#search-input").fill("trust")
            page.locator("#search-results li").first.wait_for()
            page.keyboard.press("ArrowDown")
            assert axe_violations(page) == []
            page.close()
