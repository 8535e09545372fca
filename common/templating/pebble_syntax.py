"""Pebble syntax on top of Jinja2: a lexer that knows `?`, `??`, `???`, `?:`, and a parser
whose expression grammar is Pebble's precedence-climbing one.

Why a parser and not a source rewrite: Pebble's precedences differ from Jinja's (`|` binds
looser than `~` and `??`, `not` binds tighter than `==`, `is`/`contains` are looser than
comparisons), so only a real parser reproduces what a Kestra flow computes. Statements
(`if`, `for`, `set`, `macro`, `filter`, `block`) reuse Jinja's parsers, which call back into
our `parse_expression`. Jinja's lexer still handles strings, so nothing here ever looks at
raw template text.

Pebble-only constructs compile to `PbCall` nodes: a call to an `environment.pb_*` helper
whose arguments may be wrapped in lambdas so the helper controls evaluation (needed to
catch a missing attribute on the left of `??`).
"""

from __future__ import annotations

import json
import re
import typing as t

from jinja2 import lexer as jlexer
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.lexer import Token, describe_token
from jinja2.parser import Parser

# Tags Kestra removes from Pebble, plus Jinja's `do` (an extension we never load).
REMOVED_TAGS = frozenset(
    {"autoescape", "extends", "embed", "flush", "import", "include", "parallel", "cache", "from", "do"}
)

# Token types for the operators Jinja's lexer does not know.
_PEBBLE_OPERATORS = {"???": "pb_uc", "??": "pb_nc", "?:": "pb_elvis", "?": "pb_q"}

_OPERATOR_RE = re.compile(
    "("
    + "|".join(re.escape(x) for x in sorted([*jlexer.operators, *_PEBBLE_OPERATORS], key=lambda x: -len(x)))
    + ")"
)

# Pebble binary operator precedences (CoreExtension + Kestra's Extension). Higher binds tighter.
_PRECEDENCE = {
    "or": 10,
    "and": 15,
    "is": 20,
    "contains": 20,
    "eq": 30, "ne": 30, "gt": 30, "lt": 30, "gteq": 30, "lteq": 30, "in": 30, "notin": 30,
    "isIn": 30,
    "add": 40,
    "sub": 40,
    "mul": 60,
    "div": 60,
    "mod": 60,
    "pipe": 100,
    "tilde": 110,
    "range": 120,
    "pb_nc": 120,
    "pb_uc": 120,
}
_UNARY_PRECEDENCE = 500
_COMPARE_OPS = {"eq", "ne", "gt", "lt", "gteq", "lteq", "in", "notin"}
_ARITH_NODES = {"add": nodes.Add, "sub": nodes.Sub, "mul": nodes.Mul, "div": nodes.Div, "mod": nodes.Mod}
_TRUE = {"true", "TRUE", "True"}
_FALSE = {"false", "FALSE", "False"}
_NULL = {"null", "NULL", "none", "NONE", "None"}


class PebbleLexer(jlexer.Lexer):
    """Jinja's lexer with the Pebble operators added to the operator rule of every state."""

    def __init__(self, environment: t.Any) -> None:
        super().__init__(environment)
        for state, rules in self.rules.items():
            self.rules[state] = [
                jlexer._Rule(_OPERATOR_RE, r.tokens, r.command) if r.pattern is jlexer.operator_re else r
                for r in rules
            ]

    def wrap(self, stream: t.Iterable[tuple[int, str, str]], name: str | None = None,
             filename: str | None = None) -> t.Iterator[jlexer.Token]:
        wrap_one = super().wrap
        for lineno, token, value in stream:
            if token == jlexer.TOKEN_OPERATOR and value in _PEBBLE_OPERATORS:
                yield Token(lineno, _PEBBLE_OPERATORS[value], value)
            elif token == jlexer.TOKEN_STRING and value.startswith('"') and "#{" in value:
                # Pebble interpolates `#{expr}` in double-quoted strings only
                for string in wrap_one(((lineno, token, value),), name, filename):
                    yield Token(string.lineno, "pb_interp", string.value)
            else:
                yield from wrap_one(((lineno, token, value),), name, filename)


def _define_node(name: str, fields: tuple[str, ...], doc: str) -> type:
    """Create a Jinja node class. Jinja forbids subclassing nodes (NodeType.__new__ fails) to
    keep extensions on the public API, but an expression that must run its operand inside a
    try/except has no public node. This replays what NodeType.__new__ does; the compiler
    dispatches `visit_<name>` and the other visitors walk `fields` generically."""
    namespace = {
        "fields": nodes.Expr.fields + fields,
        "attributes": nodes.Expr.attributes,
        "abstract": False,
        "__doc__": doc,
        "__module__": __name__,
    }
    return type.__new__(nodes.NodeType, name, (nodes.Expr,), namespace)


if t.TYPE_CHECKING:
    class PbCall(nodes.Expr):
        """The node `_define_node` builds at runtime, as the type checker should see it."""

        method: str
        args: list[nodes.Expr]
        lazy: tuple[bool, ...]
        consts: tuple[t.Any, ...]

        def __init__(self, method: str, args: list[nodes.Expr], lazy: tuple[bool, ...],
                     consts: tuple[t.Any, ...], lineno: int = ...) -> None: ...
else:
    PbCall = _define_node(
        "PbCall",
        ("method", "args", "lazy", "consts"),
        "`environment.<method>(args..., *consts)`; an arg flagged lazy is passed as a thunk.",
    )


def pb_call(method: str, args: list[t.Any], lazy: tuple[t.Any, ...] = (),
            consts: tuple[t.Any, ...] = (), lineno: int = 1) -> nodes.Expr:
    lazy = tuple(lazy) + (False,) * (len(args) - len(lazy))
    return PbCall(method, list(args), lazy, tuple(consts), lineno=lineno)


class PebbleCodeGenerator(CodeGenerator):
    def visit_PbCall(self, node: t.Any, frame: Frame) -> None:
        self.write(f"environment.{node.method}(")
        for arg, lazy in zip(node.args, node.lazy):
            self.write("(lambda: " if lazy else "(")
            self.visit(arg, frame)
            self.write("), ")
        for const in node.consts:
            # consts are str/int/bool/None only, so repr() is a safe Python literal
            self.write(f"{const!r}, ")
        self.write(")")


def _closing_brace(text: str, index: int) -> int | None:
    """The `}` closing the `#{` whose content starts at `index` (nested braces and quoted
    strings skipped), or None."""
    depth, quote = 0, None
    for position in range(index, len(text)):
        char = text[position]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return position
            depth -= 1
    return None


def describe(node: nodes.Node) -> str:
    """A short source-like rendering of a lookup path, for error messages."""
    if isinstance(node, PbCall) and node.method in ("pb_get", "pb_strict"):
        return str(node.consts[0])
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return json.dumps(node.value) if not isinstance(node.value, str) else f"'{node.value}'"
    return "(...)"


class PebbleParser(Parser):
    """Jinja's statement parser with Pebble's expression grammar."""

    # -- statements -------------------------------------------------------------------
    def parse_statement(self) -> nodes.Node | list[nodes.Node]:
        token = self.stream.current
        if token.type == "name" and token.value in REMOVED_TAGS:
            self.fail(f"Tag `{token.value}` is not supported", token.lineno)
        return super().parse_statement()

    def parse_if(self) -> nodes.If:
        # Pebble spells `elseif`; accept Jinja's `elif` as well.
        node = result = nodes.If(lineno=self.stream.expect("name:if").lineno)
        while True:
            node.test = self.parse_tuple(with_condexpr=False)
            node.body = self.parse_statements(("name:elif", "name:elseif", "name:else", "name:endif"))
            node.elif_, node.else_ = [], []
            token = next(self.stream)
            if token.test_any("name:elif", "name:elseif"):
                node = nodes.If(lineno=self.stream.current.lineno)
                result.elif_.append(node)
                continue
            if token.test("name:else"):
                result.else_ = self.parse_statements(("name:endif",), drop_needle=True)
            break
        return result

    def parse_for(self) -> nodes.For:
        node = super().parse_for()
        # Pebble iterates maps as entries, skips null, and we bound iteration counts.
        node.iter = pb_call("pb_iter", [node.iter], lineno=node.lineno)
        return node

    # -- expressions ------------------------------------------------------------------
    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        return self._expression(0)

    def _expression(self, min_precedence: int) -> nodes.Expr:
        node = self._operand()
        while True:
            op = self._binary_operator()
            if op is None or _PRECEDENCE[op] < min_precedence:
                break
            lineno = self.stream.current.lineno
            self._skip_operator(op)
            if op == "pipe":
                node = self._filter(node)
            elif op == "is":
                node = self._test(node, lineno)
            else:
                right = self._expression(_PRECEDENCE[op] + 1)  # all Pebble binaries are left-assoc
                node = self._binary(op, node, right, lineno)
        if min_precedence == 0:
            node = self._ternary(node)
        return node

    def _operand(self) -> nodes.Expr:
        token = self.stream.current
        lineno = token.lineno
        if token.test("name:not") or token.type in ("add", "sub"):
            next(self.stream)
            operand = self._expression(_UNARY_PRECEDENCE)
            if token.type == "add":
                return nodes.Pos(operand, lineno=lineno)
            if token.type == "sub":
                return nodes.Neg(operand, lineno=lineno)
            return nodes.Not(operand, lineno=lineno)
        return self._postfix(self._primary())

    def _primary(self) -> nodes.Expr:
        token = self.stream.current
        lineno = token.lineno
        if token.type == "name":
            next(self.stream)
            if token.value in _TRUE or token.value in _FALSE:
                return nodes.Const(token.value in _TRUE, lineno=lineno)
            if token.value in _NULL:
                return nodes.Const(None, lineno=lineno)
            if token.value == "self":
                # Jinja binds `self` to a template reference; Pebble has no such thing.
                return pb_call("pb_self", [], consts=(lineno,), lineno=lineno)
            name = nodes.Name(token.value, "load", lineno=lineno)
            if self.stream.current.type == "lparen":
                return name  # a function: an unknown one fails when called, with its name
            return pb_call("pb_strict", [name], consts=(token.value, lineno), lineno=lineno)
        if token.type == "string":
            return super().parse_primary()
        if token.type == "pb_interp":
            next(self.stream)
            return self._interpolation(token.value, lineno)
        if token.type in ("integer", "float"):
            next(self.stream)
            return nodes.Const(token.value, lineno=lineno)
        if token.type == "lparen":
            next(self.stream)
            node = self.parse_tuple(explicit_parentheses=True)
            self.stream.expect("rparen")
            return node
        if token.type == "lbracket":
            return self.parse_list()
        if token.type == "lbrace":
            return self.parse_dict()
        self.fail(f"unexpected {describe_token(token)!r}", lineno)

    def _interpolation(self, text: str, lineno: int) -> nodes.Expr:
        """`"Hello #{name}!"`: the literal parts and each `#{expr}`, concatenated as `~`."""
        parts: list[nodes.Expr] = []
        position = 0
        while (start := text.find("#{", position)) != -1:
            end = _closing_brace(text, start + 2)
            if end is None:
                self.fail("unclosed '#{' in a string interpolation", lineno)
            if start > position:
                parts.append(nodes.Const(text[position:start], lineno=lineno))
            parts.append(self._inner_expression(text[start + 2:end], lineno))
            position = end + 1
        if position < len(text):
            parts.append(nodes.Const(text[position:], lineno=lineno))
        node = parts[0] if parts else nodes.Const("", lineno=lineno)
        for part in parts[1:]:
            node = pb_call("pb_concat", [node, part], lineno=lineno)
        return pb_call("pb_concat", [nodes.Const("", lineno=lineno), node], lineno=lineno) \
            if len(parts) == 1 else node

    def _inner_expression(self, source: str, lineno: int) -> nodes.Expr:
        template = PebbleParser(self.environment, "{{ " + source + " }}", self.name,
                                self.filename).parse()
        body = template.body[0] if template.body else None
        outputs = body.nodes if isinstance(body, nodes.Output) else []
        if len(template.body) != 1 or len(outputs) != 1:
            self.fail(f"'#{{{source}}}' is not one expression", lineno)
        expression = outputs[0]
        expression.set_lineno(lineno, override=True)
        return expression

    def _postfix(self, node: nodes.Expr) -> nodes.Expr:
        while True:
            token = self.stream.current
            if token.type == "dot" and self.stream.look().type != "dot":
                node = self._attribute(node)
            elif token.type == "lbracket":
                next(self.stream)
                key = self.parse_subscribed()
                self.stream.expect("rbracket")
                path = f"{describe(node)}[{describe(key)}]"
                node = pb_call("pb_get", [node, key], consts=(path, token.lineno), lineno=token.lineno)
            elif token.type == "lparen":
                node = self.parse_call(node)
            else:
                return node

    def _attribute(self, node: nodes.Expr) -> nodes.Expr:
        token = next(self.stream)
        attr = self.stream.current
        if attr.type not in ("name", "integer"):
            self.fail("expected an attribute name or number after '.'", attr.lineno)
        next(self.stream)
        path = f"{describe(node)}.{attr.value}"
        key = nodes.Const(attr.value, lineno=attr.lineno)
        return pb_call("pb_get", [node, key], consts=(path, token.lineno), lineno=token.lineno)

    def _binary_operator(self) -> str | None:
        token = self.stream.current
        if token.type == "name":
            if token.value == "not" and self.stream.look().test("name:in"):
                return "notin"
            if token.value == "equals":
                return "eq"
            if token.value in ("or", "and", "is", "contains", "in", "isIn"):
                return token.value
            return None
        if token.type == "dot":
            return "range" if self.stream.look().type == "dot" else None
        return token.type if token.type in _PRECEDENCE else None

    def _skip_operator(self, op: str) -> None:
        self.stream.skip(2 if op in ("notin", "range") else 1)

    def _binary(self, op: str, left: nodes.Expr, right: nodes.Expr, lineno: int) -> nodes.Expr:
        if op in _COMPARE_OPS:
            return nodes.Compare(left, [nodes.Operand(op, right, lineno=lineno)], lineno=lineno)
        if op in _ARITH_NODES:
            return _ARITH_NODES[op](left, right, lineno=lineno)
        if op in ("pb_nc", "pb_uc"):
            return pb_call("pb_coalesce", [left, right], (True, True), (op == "pb_nc",), lineno)
        lazy_right = op in ("and", "or")
        method = {"and": "pb_and", "or": "pb_or", "contains": "pb_contains", "tilde": "pb_concat",
                  "range": "pb_range", "isIn": "pb_is_in"}[op]
        return pb_call(method, [left, right], (False, lazy_right), lineno=lineno)

    def _ternary(self, node: nodes.Expr) -> nodes.Expr:
        token = self.stream.current
        if token.type == "pb_q":
            next(self.stream)
            when_true = self._expression(0)
            self.stream.expect("colon")
            when_false = self._expression(0)
            return nodes.CondExpr(node, when_true, when_false, lineno=token.lineno)
        if token.type == "pb_elvis":
            next(self.stream)
            fallback = self._expression(0)
            return pb_call("pb_elvis", [node, fallback], (False, True), lineno=token.lineno)
        return node

    def _filter(self, node: nodes.Expr) -> nodes.Expr:
        token = self.stream.expect("name")
        args, kwargs, dyn_args, dyn_kwargs = self._call_args()
        if token.value == "default":
            # Pebble's default filter sees null instead of failing on a missing value.
            node = pb_call("pb_guard", [node], (True,), lineno=token.lineno)
        return nodes.Filter(node, token.value, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno)

    def _test(self, node: nodes.Expr, lineno: int) -> nodes.Expr:
        negated = bool(self.stream.skip_if("name:not"))
        name = self.stream.expect("name").value
        args, kwargs, dyn_args, dyn_kwargs = self._call_args()
        if name == "defined":
            # Pebble's `defined` test sees null instead of failing on a missing value.
            node = pb_call("pb_guard", [node], (True,), lineno=lineno)
        test: nodes.Expr = nodes.Test(node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=lineno)
        return nodes.Not(test, lineno=lineno) if negated else test

    def _call_args(self) -> tuple[list[nodes.Expr], list[nodes.Keyword], nodes.Expr | None,
                                  nodes.Expr | None]:
        if self.stream.current.type == "lparen":
            return self.parse_call_args()
        return [], [], None, None
