"""Names are data: hostile unit names in every output format of ng.explain (issue 19, item 1)."""

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import neurograph as ng

HOSTILE = ["</script><script>alert(1)</script>", "q\"u'o", "<b>&amp;", "$x$", "a_b",
           "back\\slash", "{brace}", "a→b", "`tick`", "p|q", "%#^~", "x\ny"]
HTML_TAGS = {"div", "p", "b", "i", "h4", "table", "tr", "td", "code", "sub", "sup"}


def hostile_net(names):
    """x → each named hidden unit → o, plus a skip link x → o: a graph-engine network whose
    w[source→target] symbols and who-columns carry every name."""
    net = ng.Network()
    x = net.add_input(names[0] + "·in")
    o = net.add_node(names[1] + "·out")
    for k, name in enumerate(names[2:]):
        h = net.add_node(name)
        net.connect(x, h, weight=0.1 * (k + 1))
        net.connect(h, o, weight=-0.2 * (k + 1))
    net.connect(x, o, weight=0.3)
    return net


@pytest.fixture(scope="module")
def worked():
    net = hostile_net(HOSTILE[:2] + HOSTILE)
    return ng.explain(net, [0.5], [1], alpha=0.5, max_links=1000)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_html_has_no_injected_element_and_shows_the_names(worked, tmp_path):
    page = tmp_path / "w.html"
    frag = worked.to_html(page)
    for doc in (frag, page.read_text(encoding="utf-8")):
        p = Tags()
        p.feed(doc)
        assert {t for t, _ in p.tags} <= HTML_TAGS | {"html", "head", "meta", "title", "body"}
        assert all(attrs == [] or t in ("meta", "div") for t, attrs in p.tags)
        text = "".join(p.text)
        for name in HOSTILE:
            assert name.replace("\n", " ") in text.replace("\n", " ") or name in text, name


# LaTeX's special characters and how each may appear escaped
SPECIAL = r"[\\{}$&%#_^~]"


def text_runs(latex):
    return re.findall(r"\\text(?:bf)?\{((?:[^{}\\]|\\.)*)\}", latex)


def test_latex_escapes_every_special_character(worked):
    formulas = re.findall(r"^\$\$ (.*) \$\$$", worked.to_markdown(), re.M)
    assert len(formulas) == len(worked.equations)
    for latex in [worked.to_latex()] + [f"$${f}$$" for f in formulas]:
        # inside \text{…}: nothing special is left unescaped
        for run in text_runs(latex):
            assert not re.search(SPECIAL, run), run
        body = latex
        for esc in [r"\{", r"\}", r"\$", r"\&", r"\%", r"\#", r"\_"]:
            body = body.replace(esc, "")
        # braces balance: every { a name held is escaped
        depth = 0
        for ch in body:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0
        assert "%" not in body and "#" not in body and "~" not in body
        assert not re.search(r"\^(?!\{)", body) and not re.search(r"_(?!\{)", body)
        # & only as alignment; $ only as the display's own $$
        assert not re.search(r"(?<!\\\\ )(?<!aligned\})&(?!=|:=)", body)
        assert set(re.findall(r"\$+", body)) <= {"$$"}
        assert "\n" not in "".join(text_runs(latex))


def test_markdown_names_cannot_make_html_or_break_a_table(worked):
    md = worked.to_markdown()
    assert not re.search(r"(?<!\\)<", md)       # no tag can open: every < is \< or \lt
    assert not re.search(r"(?<!\\)\|", md)      # a | never splits a table row
    assert not re.search(r"(?<!\\)`", md)       # no code span a name could close


def test_text_keeps_names_and_one_line_per_line(worked):
    text = worked.to_text()
    assert "</script><script>alert(1)</script>" in text and "p|q" in text
    assert "x\ny" not in text and "x\\ny" in text  # a newline in a name is shown, not obeyed


def test_layered_names_in_every_format():
    net = ng.Network()
    x = net.add_input("in<&>")
    h = net.add_node("h_$1{}")
    o = net.add_node("o|`")
    net.connect(x, h, weight=0.5)
    net.connect(h, o, weight=-0.5)
    we = ng.explain(net, [1.0], [1], alpha=1.0)
    assert we.values["J"] == pytest.approx(net.cost([[1.0]], [1]))
    p = Tags()
    p.feed(we.to_html())
    assert "h_$1{}" in "".join(p.text) and {t for t, _ in p.tags} <= HTML_TAGS
    for run in text_runs(we.to_latex()):
        assert not re.search(SPECIAL, run), run
    assert np.isfinite(we.values["J"])
