"""PFL312 format-call: the Python half of a pattern rule, the rewrite of a literal's format
fields (``str.format`` replacement fields, ``%`` conversion specs) into an f-string.

The rule's patterns find ``"...".format(a, b)``, ``"..." % (a, b)`` and ``"..." % a`` with
plain arguments; :meth:`FStringFromFormat.hook` keeps a match only when every field can be
written as an f-string field with the same meaning, every argument is still evaluated as
often and in the same order, and the f-string is valid on every CPython perflint targets
(no quote of the literal's kind, backslash or ``#`` inside a field before 3.12).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

import libcst as cst

from perflint.rules.patterns.compiled import Span
from perflint.rules.patterns.rule import Accept, Offer, PatternRule
from perflint.rules.prefilters import format_call as prefilter
from perflint.rules.prefilters.format_call import format_fields, percent_fields


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


class FStringFromFormat(prefilter.FStringFromFormat, PatternRule):
    """Keeps a match whose format an f-string says the same way, with that f-string as fix."""

    def hook(self, index: int, bindings: Mapping[str, Any], span: Span, offer: Offer) -> Accept | None:
        literal = bindings.get("FMT")
        if not isinstance(literal, cst.SimpleString) or "b" in literal.prefix.lower():
            return None
        raw = literal.raw_value
        if "\\\n" in raw or "\\N{" in raw:
            return None
        try:
            value = ast.literal_eval(literal.value)
        except (ValueError, SyntaxError):
            return None
        formatting = isinstance(span.node, cst.Call)  # "...".format(...), else "..." % ...
        if formatting or "ARGS" in bindings:
            arguments = list(bindings.get("ARGS", []))
        else:
            arguments = [bindings["X"]]
        codes = [self._argument(argument, literal.quote) for argument in arguments]
        if any(code is None for code in codes):
            return None
        body = (
            self._from_format(raw, value, arguments, codes)  # type: ignore[arg-type]
            if formatting
            else self._from_percent(raw, value, codes)  # type: ignore[arg-type]
        )
        if body is None:
            return None
        prefix = literal.prefix.replace("u", "").replace("U", "")
        return Accept(fix=f"{prefix}f{literal.quote}{body}{literal.quote}")

    def _argument(self, node: Any, quote: str) -> str | None:
        if not isinstance(node, cst.BaseExpression):
            return None
        code = self.context.module.code_for_node(node.with_changes(lpar=[], rpar=[]) if node.lpar else node)
        if quote[0] in code or "\\" in code or "#" in code or "\n" in code or "\r" in code:
            return None  # not valid inside an f-string field before CPython 3.12
        return code

    def _from_format(
        self, raw: str, value: str, arguments: Sequence[Any], codes: Sequence[str]
    ) -> str | None:
        fields = format_fields(raw, len(arguments))
        if fields is None or fields != format_fields(value, len(arguments)):
            return None  # an escape in the source makes or hides a brace
        used = [field_index for _, field_index, _, _ in fields if field_index is not None]
        if set(used) != set(range(len(arguments))):
            return None  # an argument no field uses would no longer be evaluated
        for position, argument in enumerate(arguments):
            if not isinstance(argument, cst.Name) and not isinstance(argument, (cst.Integer, cst.Float, cst.SimpleString, cst.UnaryOperation)):
                if used.count(position) != 1:
                    return None  # an attribute read another number of times
        attribute_order = [i for i in used if isinstance(arguments[i], cst.Attribute)]
        if attribute_order != sorted(attribute_order):
            return None  # attributes read in another order
        pieces = []
        for literal, field_index, conversion, spec in fields:
            pieces.append(_escape(literal))
            if field_index is not None:
                field = codes[field_index] + (f"!{conversion}" if conversion else "")
                pieces.append("{" + field + (f":{spec}" if spec else "") + "}")
        return "".join(pieces)

    def _from_percent(self, raw: str, value: str, codes: Sequence[str]) -> str | None:
        fields = percent_fields(raw)
        if fields is None or fields != percent_fields(value):
            return None
        conversions = [conversion for _, conversion in fields if conversion is not None]
        if len(conversions) != len(codes):
            return None  # a TypeError at run time: not all arguments converted
        pieces = []
        arguments = iter(codes)
        for literal, conversion in fields:
            pieces.append(_escape(literal))
            if conversion is not None:
                pieces.append("{" + next(arguments) + conversion + "}")
        return "".join(pieces)
