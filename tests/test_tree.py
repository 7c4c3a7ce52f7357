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
    assert problems == [] and tree.root == "two"
