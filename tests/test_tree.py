"""tree.py: the course tree from @parent."""

from trustdocs.source import PageSource
from trustdocs.tree import build_course_tree


def page(name, parent=None, order=None, hide=False):
    return PageSource(
        path=f"{name}.md",
        rel_path=f"{name}.md",
        name=name,
        title=name.upper(),
        parent=parent,
        order=order,
        hide=hide,
        tag_lines={"parent": 2, "page": 1},
    )


def test_children_ordered_by_order_then_name_then_unordered_by_name():
    tree, problems = build_course_tree(
        [
            page("r"),
            page("z", "r", 1),
            page("a", "r", 1),
            page("m", "r"),
            page("b", "r"),
            page("c", "r", 0),
        ]
    )
    assert problems == []
    assert tree.children_of("r") == ("c", "a", "z", "b", "m")


def test_reading_order_previous_next_and_breadcrumbs():
    tree, _ = build_course_tree(
        [page("r"), page("a", "r", 1), page("a1", "a", 1), page("b", "r", 2)]
    )
    assert tree.reading_order == ("r", "a", "a1", "b")
    assert tree.previous_of("b") == "a1" and tree.next_of("a1") == "b"
    assert tree.previous_of("r") is None and tree.next_of("b") is None
    assert tree.ancestors_of("a1") == ("r", "a")


def test_hidden_subtree_leaves_sidebar_and_reading_order():
    tree, _ = build_course_tree(
        [page("r"), page("a", "r", 1, hide=True), page("a1", "a", 1), page("b", "r", 2)]
    )
    assert tree.reading_order == ("r", "b")
    assert tree.children_of("r") == ("b",)
    assert "a1" in tree.hidden


def test_unknown_parent_with_suggestion():
    _, problems = build_course_tree([page("home"), page("x", "hmoe", 1)])
    assert problems[0].message == "unknown parent 'hmoe'"
    assert "home" in problems[0].hint and problems[0].line == 2


def test_cycle_is_reported_with_its_members():
    _, problems = build_course_tree([page("r"), page("a", "b"), page("b", "a")])
    assert len(problems) == 2
    assert all("parent cycle: a -> b -> a" in p.message for p in problems)


def test_several_roots_is_an_error_unless_root_is_configured():
    _, problems = build_course_tree([page("one"), page("two")])
    assert len(problems) == 2 and "several pages have no @parent: one, two" in problems[0].message
    tree, problems = build_course_tree([page("one"), page("two")], configured_root="two")
    assert tree.root == "two"  # and the other page is outside the course: said (test below)
    assert [(p.severity, p.path) for p in problems] == [("warning", "one.md")]


def test_a_chain_of_5000_pages_has_depths_and_ancestors_without_walking_it_per_page():
    chain = [page("p0")] + [page(f"p{i}", f"p{i - 1}") for i in range(1, 5000)]
    tree, problems = build_course_tree(chain)
    assert problems == []
    assert tree.depth_of("p0") == 0 and tree.depth_of("p4999") == 4999
    assert tree.first_ancestors_of("p4999") == tuple(f"p{i}" for i in range(32))
    assert tree.first_ancestors_of("p5") == ("p0", "p1", "p2", "p3", "p4")
    assert tree.nearest_ancestors_of("p4999", 3) == ("p4996", "p4997", "p4998")
    assert tree.nearest_ancestors_of("p1", 3) == ("p0",)
    assert tree.ancestors_of("p4999")[-1] == "p4998" and len(tree.ancestors_of("p4999")) == 4999
    assert tree.reading_order[-1] == "p4999"


def test_a_hide_chain_of_1100_pages_hides_every_page_below_it():
    chain = [page("p0"), page("p1", "p0", hide=True)]
    chain += [page(f"p{i}", f"p{i - 1}", hide=True) for i in range(2, 1100)]
    tree, problems = build_course_tree(chain)
    assert problems == []
    assert tree.hidden == frozenset(f"p{i}" for i in range(1, 1100))
    assert tree.reading_order == ("p0",)


def test_a_long_parent_cycle_is_listed_shortened():
    cycle = [page("r")] + [page(f"c{i}", f"c{(i + 1) % 20}") for i in range(20)]
    _, problems = build_course_tree(cycle)
    assert len(problems) == 20
    assert problems[0].message == (
        "parent cycle: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> … -> c19 -> c0 (20 pages)"
    )


def test_a_page_without_parent_beside_the_root_is_a_warning_unless_hidden():
    """Built and linkable, but in no sidebar, previous/next or print page: said, at its @page
    line; a page kept apart on purpose says so with @hide, and hears nothing."""
    pages = [page("r"), page("a", "r", 1), page("orphan"), page("apart", hide=True)]
    tree, problems = build_course_tree(pages, "r")
    assert "orphan" not in tree.reading_order
    assert [(p.path, p.line, p.severity) for p in problems] == [("orphan.md", 1, "warning")]
    assert problems[0].message.startswith("page 'orphan' has no @parent: it is built, but outside")
    assert "@hide" in problems[0].hint


def test_a_root_that_is_no_page_is_told_at_the_line_that_names_it(tmp_path, trustdocs):
    """`root: nothere` on line 4 of site.yaml is an error there, with the closest page's name,
    not at the file's first line."""
    from conftest import make_site

    site = make_site(
        tmp_path, {"home.md": "@page home Home\n@body\nx\n"}, "title: T\n\n\nroot: hom\n"
    )
    run = trustdocs(site, "check")
    assert run.code == 1
    assert "site.yaml:4:1: error: root page 'hom' does not exist (did you mean 'home'?)" in run.err
