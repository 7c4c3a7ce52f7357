"""markdown/tables.py: every table scrolls inside a focusable, named region; no header cell is empty."""

from bs4 import BeautifulSoup
from page_body import render_body

GRID = """\
| | Trusts us | Doubts us |
| --- | --- | --- |
| Graham | yes | no |

Text between.

| Week | Owner |
| --- | --- |
| 1 | Aisha |
"""


def test_each_table_sits_in_a_keyboard_focusable_region_with_its_own_name():
    soup = BeautifulSoup(render_body(GRID).html, "html.parser")
    tables = soup.find_all("table")
    assert len(tables) == 2
    regions = [table.parent for table in tables]
    for region in regions:
        assert "table-wrap" in region["class"]
        assert region["role"] == "region"
        assert region["tabindex"] == "0"
    labels = [region["aria-label"] for region in regions]
    assert all(label.startswith("Table") for label in labels)
    assert len(set(labels)) == 2, "two regions with one name cannot be told apart"


def test_an_empty_header_cell_becomes_a_data_cell_and_named_headers_stay():
    soup = BeautifulSoup(render_body(GRID).html, "html.parser")
    first_row = soup.find("thead").find("tr")
    cells = [(cell.name, cell.get_text()) for cell in first_row.find_all(["th", "td"])]
    assert cells == [("td", ""), ("th", "Trusts us"), ("th", "Doubts us")]
    assert all(th.get_text().strip() for th in soup.find_all("th"))


def test_a_table_inside_a_list_is_wrapped_too():
    body = render_body("- item\n\n  | a | b |\n  | - | - |\n  | 1 | 2 |\n")
    soup = BeautifulSoup(body.html, "html.parser")
    assert soup.find("li").select_one("div.table-wrap > table") is not None


def test_a_row_with_more_cells_than_the_header_is_a_warning_at_the_first_lost_cell():
    """GFM drops a row's cells past the header's: an afterthought in a third column, or a `|`
    inside a cell's code, which splits the cell. Each such row is a warning, where the lost
    text starts."""
    body = render_body(
        "| option | meaning |\n|---|---|\n| `-a` | all | (since v2) |\n"
        "| `a|b` | either \\| or |\n| x |\n| y | z | |\n\n> | a | b |\n> |---|---|\n> | 1 | 2 | 3 | 4 |\n"
    )
    found = [(d.line, d.col, d.message) for d in body.diagnostics]  # `| y | z | |` loses nothing
    one, two = "the last 1 is not shown", "the last 2 are not shown"
    assert found == [
        (5, 16, f"this row has 3 cells and the header 2: {one}"),
        (6, 11, f"this row has 3 cells and the header 2: {one}"),
        (12, 13, f"this row has 4 cells and the header 2: {two}"),
    ]
    assert "(since v2)" not in body.html  # dropped, as GFM says: the warning is what changed
