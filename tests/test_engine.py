"""The engine on its own: parsing failures, suppressions, scopes, positions, the prefilter's blanking."""

from __future__ import annotations

import dataclasses
import textwrap

import libcst as cst
import pytest

from perflint import Settings, lint_source
from perflint.engine import batched, syntax
from perflint.engine.lint import ERROR_CODE, enabled_checks
from perflint.engine.prefilter import plan
from perflint.rules.registry import builtin_rules
from perflint.types import Location

SLOW = "for i in range(len(nums)):\n    total += nums[i]\n"
ALL = Settings(select=tuple(spec.code for spec in builtin_rules()))


def findings(source: str, **changes: object) -> list[tuple[int, str]]:
    settings = dataclasses.replace(Settings(select=("PFL101",)), **changes)
    result = lint_source(textwrap.dedent(source), "t.py", settings)
    assert result.error is None, result.error
    return [(finding.start.row, finding.code) for finding in result.findings]


def test_syntax_error_is_a_file_error_with_the_parsers_line() -> None:
    result = lint_source("x = 1\ndef f(:\n    pass\n", "bad.py", ALL)
    assert result.error is not None
    assert result.error.code == ERROR_CODE
    assert result.error.start.row == 2
    assert "SyntaxError" in result.error.message
    assert result.findings == ()


def test_undecodable_bytes_are_a_file_error() -> None:
    result = lint_source(b"# -*- coding: ascii -*-\nx = '\xff'\n", "bad.py", ALL)
    assert result.error is not None and "decode" in result.error.message


@pytest.mark.parametrize("depth", [1000, 50000])
def test_deeply_nested_file_is_an_error_not_a_crash(depth: int) -> None:
    # The deep expression shares a function with the candidate, so libcst must read it.
    body = "x = " + "+".join(["a"] * depth) + "\n" + SLOW
    source = "def f(nums, total, a):\n" + textwrap.indent(body, "    ")
    result = lint_source(source, "deep.py", ALL)
    assert result.error is not None and "nested too deeply" in result.error.message
    # 50,000 levels: CPython refuses the file; 1,000: CPython compiles it, libcst cannot.
    assert result.error.name == ("file-error" if depth > 10_000 else "parser-limit")


def test_deep_code_no_rule_needs_is_not_an_error() -> None:
    source = "x = " + "+".join(["a"] * 1000) + "\n" + SLOW
    result = lint_source(source, "deep.py", ALL)
    assert result.error is None
    assert [finding.code for finding in result.findings] == ["PFL101"]


def test_koi8_r_bytes_are_decoded_per_pep_263() -> None:
    source = "# -*- coding: koi8-r -*-\nnums = 'привет'\n" + SLOW
    result = lint_source(source.encode("koi8-r"), "k.py", Settings(select=("PFL101",)))
    assert result.error is None
    assert [finding.start.row for finding in result.findings] == [3]


@pytest.mark.parametrize(
    "comment",
    ["# noqa", "# noqa: PFL101", "# noqa:PFL102,PFL101", "# perflint: ignore[PFL101]", "# NOQA"],
)
def test_suppression_on_the_reported_line(comment: str) -> None:
    source = f"for i in range(len(nums)):  {comment}\n    total += nums[i]\n"
    assert findings(source) == []


@pytest.mark.parametrize("comment", ["# noqa: PFL102", "# perflint: ignore[PFL201]", "# noqa: E501"])
def test_suppression_of_other_codes_keeps_the_finding(comment: str) -> None:
    source = f"for i in range(len(nums)):  {comment}\n    total += nums[i]\n"
    assert findings(source) == [(1, "PFL101")]


@pytest.mark.parametrize(
    "binding",
    [
        "range = my_range",
        "from numpy import range",
        "import range",
        "def range(n): ...",
        "class len: ...",
        "for len in funcs: pass",
        "with open(p) as range: pass",
    ],
)
def test_shadowed_builtin_at_module_level(binding: str) -> None:
    source = f"{binding}\ndef f(nums):\n    total = 0\n" + textwrap.indent(SLOW, "    ")
    assert findings(source) == []


def test_shadowing_in_a_sibling_function_does_not_count() -> None:
    source = """\
    def g(range):
        return range
    def f(nums):
        total = 0
        for i in range(len(nums)):
            total += nums[i]
    """
    assert findings(source) == [(5, "PFL101")]


def test_shadowing_in_an_enclosing_function_counts() -> None:
    source = """\
    def outer(len):
        def f(nums):
            for i in range(len(nums)):
                print(nums[i])
        return f
    """
    assert findings(source) == []


def test_class_attribute_does_not_shadow_inside_methods() -> None:
    source = """\
    class A:
        range = 3
        def f(self, nums):
            for i in range(len(nums)):
                print(nums[i])
    """
    assert findings(source) == [(4, "PFL101")]


def test_positions_are_one_based_with_exclusive_end() -> None:
    result = lint_source("def f(nums):\n    for i in range(len(nums)):\n        print(nums[i])\n", "t.py", Settings(select=("PFL101",)))
    (finding,) = result.findings
    assert (finding.start.row, finding.start.column) == (2, 5)
    assert (finding.end.row, finding.end.column) == (2, 30)


def test_fix_keeps_crlf_newlines() -> None:
    source = "words = ('a', 'b')\r\nfor i in range(len(words)):\r\n    print(words[i])\r\n"
    result = lint_source(source, "t.py", Settings(select=("PFL101",), fix=True))
    assert result.fixed == 1
    assert result.fixed_source == "words = ('a', 'b')\r\nfor word in words:\r\n    print(word)\r\n"


def test_blanking_keeps_lines_and_module_facts() -> None:
    source = textwrap.dedent(
        """\
        import os

        @decorator
        def unrelated():
            global range
            range = lambda n: []

        class Holder:
            def other(self):
                return 1
            def method(self, nums):
                for i in range(len(nums)):
                    print(nums[i])
        """
    )
    checks = enabled_checks(Settings(select=("PFL101",)))
    work = plan(source, syntax.read(source, "t.py", want_ast=True), checks)
    # libcst sees the class alone, without its other method.
    assert [type(statement.node).__name__ for statement in work.statements] == ["ClassDef"]
    assert [statement.first for statement in work.statements] == [8]
    assert work.statements[0].hidden == (0,)
    assert work.hidden is not None
    assert [binding.kind for binding in work.hidden.bindings["range"]] == ["assign"]
    assert work.hidden.declared == {"range"}
    # ``range`` is rebound at module level by the hidden function: no finding either way.
    assert findings(source) == findings(source, prefilter=False) == []


def test_comprehension_iterable_counts_in_the_enclosing_scope() -> None:
    # ``[x for x in x]`` reads the function's ``x``: the loop variable is used after the loop.
    source = """\
    def f(data):
        out = []
        for x in data:
            out.append(x + 1)
        return [x for x in x]
    """
    result = lint_source(textwrap.dedent(source), "t.py", Settings(select=("PFL201",), target_version="py312"))
    assert result.findings == ()
    unrelated = source.replace("[x for x in x]", "[y for y in other]")
    result = lint_source(textwrap.dedent(unrelated), "t.py", Settings(select=("PFL201",), target_version="py312"))
    assert [finding.code for finding in result.findings] == ["PFL201"]


@pytest.mark.parametrize(
    ("line", "start", "end", "content", "expected"),
    [
        ("k in d.keys()and x", 6, 14, "d", "d "),  # `k in d and x`
        ("a if c else(b)", 12, 15, "y", " y"),  # `else y`, not `elsey`
        ("x = a.b", 5, 8, "a", "a"),  # nothing to fuse with
        ("f(a)or(b)", 1, 5, "g", "g "),  # `gor` would be one name
        ("f(a)+(b)", 1, 5, "g", "g"),  # `+` ends a token by itself
        ("notx", 4, 4, "", ""),  # an insertion of nothing
        ("not(x)in y", 4, 7, "", " "),  # deleting `(x)` must not make `notin`
    ],
    ids=["after", "before", "apart", "name-call", "punctuation", "empty", "deletion"],
)
def test_edits_never_fuse_tokens(line: str, start: int, end: int, content: str, expected: str) -> None:
    from perflint.engine.traversal import _edit

    edit = _edit([line], Location(1, start), Location(1, end), content)
    assert edit.content == expected
    fixed = line[: start - 1] + edit.content + line[end - 1 :]
    assert fixed.replace(" ", "") == (line[: start - 1] + content + line[end - 1 :]).replace(" ", "")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_class_whose_last_method_is_left_out_gives_the_next_statement_nothing(newline: str) -> None:
    # Found by the fuzz test: the lines after the kept method (a blank line, a comment) lead
    # the method left out after it, not the module-level loop after the class.
    source = textwrap.dedent(
        """\
        class A:
            def kept(self, d):
                for k in d.keys():
                    pass

        # about the next one
            def left_out(self):
                return 1
        for k in self.keys():
            pass
        """
    ).replace("\n", newline)
    on = lint_source(source, "t.py", ALL)
    off = lint_source(source, "t.py", dataclasses.replace(ALL, prefilter=False))
    assert [f.code for f in on.findings] == ["PFL102", "PFL102"]
    assert on.findings == off.findings
    assert on.findings[1].flagged_code == f"for k in self.keys():{newline}    pass{newline}"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize(
    "between",
    ["\n", "\n\n# about the loop\n", "        # the method's\n\n    # the class's\n\n"],
    ids=["blank", "comment", "footers"],
)
def test_the_lines_after_a_class_whose_last_method_is_left_out_lead_the_next_statement(
    newline: str, between: str
) -> None:
    # Found by the long fuzz run (CRLF): the blank line between such a class and the loop
    # after it was lost with the prefilter (the loop's flagged code did not start with it).
    source = (
        "class A:\n    def kept(self, d):\n        for k in d.keys():\n            pass\n"
        "    def left_out(self):\n        return 1\n"
        + between
        + "for k in self.keys():\n    pass\n"
    ).replace("\n", newline)
    on = lint_source(source, "t.py", ALL)
    off = lint_source(source, "t.py", dataclasses.replace(ALL, prefilter=False))
    assert [f.code for f in on.findings] == ["PFL102", "PFL102"]
    assert on.findings == off.findings



@pytest.mark.parametrize("end", ["", "\n", "\n\n# the end\n"], ids=["no-newline", "newline", "comment"])
def test_a_class_whose_last_method_is_left_out_may_end_the_file(end: str) -> None:
    source = (
        "class A:\n    def kept(self, d):\n        for k in d.keys():\n            pass\n"
        "    def left_out(self):\n        return 1" + end
    )
    on = lint_source(source, "t.py", ALL)
    off = lint_source(source, "t.py", dataclasses.replace(ALL, prefilter=False))
    assert [f.code for f in on.findings] == ["PFL102"]
    assert on.findings == off.findings and on.error is None


#: Formats and operands around PFL312's edges: kept, dropped by its hook, or by its ast half.
_FORMATS = (
    '"%s" % x', '"%d" % x', '"%s %s" % x', '"%%s" % x', '"%r" % a.b', '"100%" % x', '"%(k)s" % x',
    '"{}".format(x)', '"{} {}".format(x)', '"{0}{0}".format(x)', '"{}".format(x, y)',
    '"{k}".format(x)', '"{0.real}".format(x)', '"{:>{w}}".format(x)', '"{}{1}".format(x, y)',
    '"x".format()', '"{{}}".format()', 'b"%s" % x', 'f"{a}%s" % x', '"a" "%s" % x',
    r'"\x25s" % x', r'"\x7b}".format(x)', '"{!r:>3}".format(a.b)', '"%a" % x',
)


@pytest.mark.parametrize("code", _FORMATS)
def test_format_calls_ast_half_refuses_only_what_its_hook_drops(code: str) -> None:
    source = f"def f(x, y, a):\n    return {code}\n"
    settings = Settings(select=("PFL312",))
    with_prefilter = lint_source(source, "t.py", settings)
    without = lint_source(source, "t.py", dataclasses.replace(settings, prefilter=False))
    assert with_prefilter.findings == without.findings
    checks = enabled_checks(settings)
    work = plan(source, syntax.read(source, "t.py", want_ast=True), checks)
    # Where nothing is found, the ast half keeps libcst out when the value alone decides.
    by_value = ('"%d"', '"%s %s"', '"{k}"', '"{0.real}"', '"{}".format(x, y)', '"%(k)s"')
    decided_by_value = code.startswith(by_value)
    if decided_by_value:
        assert not without.findings and not work.checks
    if without.findings:
        assert work.checks


class _Recorder(cst.BatchableCSTVisitor):
    """Records every hook libcst would call, with the node's type."""

    def __init__(self, calls: list[str]) -> None:
        super().__init__()
        self.calls = calls

    def get_visitors(self) -> dict[str, object]:
        types = ("Name", "For", "Call", "Module", "IndentedBlock")
        attributes = (("For", "iter"), ("For", "body"), ("CompFor", "iter"), ("If", "orelse"))
        names = {f"{kind}_{name}" for kind in ("visit", "leave") for name in types}
        names |= {f"{kind}_{name}_{part}" for kind in ("visit", "leave") for name, part in attributes}
        return {name: self._recorder(name) for name in sorted(names)}

    def _recorder(self, name: str) -> object:
        return lambda node: self.calls.append(f"{name}:{type(node).__name__}")


def test_perflints_traversal_calls_every_hook_in_libcsts_order() -> None:
    module = cst.parse_module(
        "for a in f(b):\n    if a:\n        g([c for c in a])\n    else:\n        h()\n"
        "else:\n    pass\n"
    )
    by_libcst: list[str] = []
    by_perflint: list[str] = []
    cst.visit_batched(module, [_Recorder(by_libcst), _Recorder(by_libcst)])
    batched.visit_batched(module, [_Recorder(by_perflint), _Recorder(by_perflint)])
    assert len(by_libcst) > 40
    assert by_perflint == by_libcst


def test_nodes_validate_again_after_the_traversal_even_when_a_hook_raises() -> None:
    class Raises(cst.BatchableCSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            raise LookupError

    with pytest.raises(LookupError):
        batched.visit_batched(cst.parse_module("x\n"), [Raises()])
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
