"""The one expression language of formulas, visibility, defaults and rules: checked once, evaluated often."""
from __future__ import annotations

import ast
import math
import operator as op
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from types import MappingProxyType
from typing import Any

from simpleeval import EvalWithCompoundTypes

from form_engine.errors import Collector
from form_engine.functions import DEFAULT_TZ, FUNCTIONS, ExpressionFailed, LibraryFunction, exact, kind_name
from form_engine.identifiers import did_you_mean

__all__ = ["Expression", "ExpressionFailed", "compile_expression"]

MAX_SOURCE = 2000
MAX_DEPTH = 50
MAX_LENGTH = 10_000  # characters of a text, items of a list
MAX_DIGITS = 30  # numbers stay below 10**30 in magnitude
MAX_EXPONENT = 1000
_LIMIT = 10**MAX_DIGITS
_DECIMALS = Context(prec=28, traps=[DivisionByZero, InvalidOperation, Overflow])

TOO_BIG = f"数值过大：结果不能超过 {MAX_DIGITS} 位数字"
TOO_DEEP = f"表达式嵌套太深：最多 {MAX_DEPTH} 层"
TOO_LONG = f"结果过长：文本或列表不能超过 {MAX_LENGTH} 个字符或项"
_FAILURES = (  # Python's own errors as a business user reads them; first match wins
    (ZeroDivisionError, "除数不能为零"), (Overflow, TOO_BIG),
    (OverflowError, "结果超出了日期范围"),  # dates past year 9999 or before year 1
    (InvalidOperation, "无法计算：结果不是有效的数字"),
    (Exception, "无法计算：值的类型或内容不对"),
)


@dataclass(frozen=True)
class Expression:
    """A checked expression; `names` are the fields it reads, `uses_now` says it reads the clock."""

    source: str
    names: frozenset[str]
    uses_now: bool
    _tree: ast.expr = field(repr=False, compare=False)
    _functions: Mapping[str, LibraryFunction] = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any], *, tz: tzinfo | None = None) -> Any:
        """The value for one record; a missing field counts as empty (None)."""
        try:
            with localcontext(_DECIMALS):
                return _Run(self._functions, values, tz or DEFAULT_TZ, self.source)._eval(self._tree)
        except ExpressionFailed as err:
            err.extra["expression"] = self.source
            raise
        except (ArithmeticError, TypeError, ValueError) as err:
            detail = next(text for kind, text in _FAILURES if isinstance(err, kind))
            raise ExpressionFailed(detail, expression=self.source) from err


def compile_expression(source: str, *, names: Iterable[str], path: str = "") -> Expression:
    """Parse and check `source` once; raise DefinitionError listing every problem found."""
    problems = Collector()
    if not isinstance(source, str) or not source.strip():
        problems.add(path, "表达式不能为空", "empty")
    elif len(source) > MAX_SOURCE:
        problems.add(path, f"表达式太长：最多 {MAX_SOURCE} 个字符，现在有 {len(source)} 个", "too_long")
    problems.raise_definition_error()
    text = source.strip()
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        line = err.lineno or 1
        column = err.offset or len(text.splitlines()[-1]) + 1  # no offset: at the very end
        problems.add(path, f"表达式语法错误：第 {line} 行第 {column} 列附近", "syntax")
    except (RecursionError, MemoryError, ValueError):
        problems.add(path, TOO_DEEP, "too_deep")
    problems.raise_definition_error()
    check = _Check(text, frozenset(names), path, problems)
    check.walk(tree)
    if check.too_deep:
        problems.add(path, TOO_DEEP, "too_deep")
    problems.raise_definition_error()
    used = MappingProxyType({name: FUNCTIONS[name] for name in check.functions})
    return Expression(source, frozenset(check.names), any(f.uses_now for f in used.values()), tree, used)


_REFUSED = {
    ast.Lambda: "不支持匿名函数（lambda）",
    **dict.fromkeys((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "不支持推导式（for … in …）"),
    ast.JoinedStr: "不支持 f 字符串，请用 concat() 拼接文本",
    ast.NamedExpr: "不支持赋值（:=）", ast.Starred: "不支持用 * 展开参数",
    ast.Set: "不支持集合，请用列表 [...]",
    **{getattr(ast, kind): f"不支持运算符“{symbol}”" for kind, symbol in zip(
        ("BitAnd", "BitOr", "BitXor", "LShift", "RShift", "MatMult", "Invert"), "& | ^ << >> @ ~".split())},
}
_ALLOWED = (  # every other node type is refused
    ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.List, ast.Tuple, ast.Dict,
    ast.Subscript, ast.Slice, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Pow, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
    ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)


class _Check:
    """Walks a parsed tree once, noting every problem, field and function it meets."""

    def __init__(self, source: str, known: frozenset[str], path: str, problems: Collector):
        self.source, self.known, self.path, self.problems = source, known, path, problems
        self.names, self.functions, self.too_deep = set(), set(), False

    def add(self, message: str, code: str, suggestion: str | None = None) -> None:
        self.problems.add(self.path, message, code, suggestion)

    def walk(self, node: ast.AST, depth: int = 1) -> None:
        # Stopping at MAX_DEPTH also keeps this recursion (and evaluation's) shallow.
        if depth > MAX_DEPTH:
            self.too_deep = True
            return
        for child in self.visit(node):
            self.walk(child, depth + isinstance(child, ast.expr))

    def visit(self, node: ast.AST) -> list[ast.AST]:
        """Check one node; return the children still to check."""
        if isinstance(node, ast.Name):
            self.name(node.id)
        elif isinstance(node, ast.Call):
            return self.call(node)
        elif isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Attribute):
            self.add(f"不能访问属性“{node.attr}”", "attribute", "表达式里不能用“.”取属性，请改用函数，例如 upper(name)")
            return [node.value]
        elif type(node) in _REFUSED:
            self.add(_REFUSED[type(node)], "unsupported")
        elif not isinstance(node, _ALLOWED):
            self.add(f"不支持这种写法（{type(node).__name__}）", "unsupported")
        else:
            return list(ast.iter_child_nodes(node))
        return []

    def private(self, name: str) -> bool:
        if name.startswith("_"):
            self.add(f"不能使用以下划线开头的名称“{name}”", "private_name")
        return name.startswith("_")

    def name(self, name: str) -> None:
        if self.private(name):
            return
        if name in self.known:
            self.names.add(name)
        elif name in FUNCTIONS:
            self.add(f"“{name}”是函数，调用时要加括号：{name}()", "not_called")
        else:
            self.add(f"未知字段“{name}”", "unknown_name", did_you_mean(name, self.known))

    def call(self, node: ast.Call) -> list[ast.AST]:
        if node.keywords:
            self.add("函数参数请按顺序书写，不支持“名称=值”的写法", "arguments")
        children = [*node.args, *(k.value for k in node.keywords)]
        if not isinstance(node.func, ast.Name):
            if not isinstance(node.func, (ast.Attribute, ast.Lambda)):
                self.add("只能调用函数库中的函数", "not_callable")
            return [node.func, *children]
        name = node.func.id
        if self.private(name):
            return children
        function = FUNCTIONS.get(name)
        if function is None:
            self.add(f"未知函数“{name}”", "unknown_function", did_you_mean(name, FUNCTIONS))
            return children
        self.functions.add(name)
        given, low, high = len(node.args), function.min_args, function.max_args
        if given < low or (high is not None and given > high):
            wanted = f"{low} 个" if low == high else (f"至少 {low} 个" if high is None else f"{low} 到 {high} 个")
            self.add(f"函数“{name}”需要 {wanted}参数，这里给了 {given} 个", "arguments")
        return children

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, float):
            # Exact money math: the literal as written, not its binary float approximation.
            node.value = value = Decimal(ast.get_source_segment(self.source, node).replace("_", ""))
        if isinstance(value, (int, Decimal)) and abs(value) >= _LIMIT:
            self.add(f"数字太大：不能超过 {MAX_DIGITS} 位", "number_too_large")
        elif not isinstance(value, (str, int, Decimal, type(None))):  # bool is an int
            self.add("不支持这种常量", "unsupported")


def _bounded(value: Any) -> Any:
    kind = type(value)
    if (kind is int and not -_LIMIT < value < _LIMIT) or (
            kind is Decimal and not (value.is_finite() and value.adjusted() < MAX_DIGITS)):
        raise ExpressionFailed(TOO_BIG)
    if kind in (str, list, tuple) and len(value) > MAX_LENGTH:
        raise ExpressionFailed(TOO_LONG)
    return value


def _multiply(a, b):
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):  # copies of nested lists grow unseen
        raise ExpressionFailed("列表不能相乘")
    if (isinstance(a, str) and type(b) is int and len(a) * b > MAX_LENGTH) or (
            isinstance(b, str) and type(a) is int and len(b) * a > MAX_LENGTH):
        raise ExpressionFailed(TOO_LONG)
    return a * b


def _divide(a, b):  # int / int would give a float; keep exact decimals instead
    return Decimal(a) / b if type(a) is int and type(b) is int else a / b


def _modulo(a, b):
    if isinstance(a, str):  # "%s" formatting could build huge strings
        raise ExpressionFailed("文本不能使用 % 运算")
    return a % b


def _power(a, b):
    if a == 0 and b < 0:
        raise ZeroDivisionError
    if abs(b) > MAX_EXPONENT:
        raise ExpressionFailed(f"数值过大：乘方的指数不能超过 {MAX_EXPONENT}")
    if a and float(b) * math.log10(abs(a)) >= MAX_DIGITS:
        raise ExpressionFailed(TOO_BIG)
    return Decimal(a) ** b if type(a) is int and type(b) is int and b < 0 else a**b


def _guarded(symbol: str, apply, verb: str = "计算"):
    """`apply` where an empty operand gives an empty result (as in SQL) and a type mismatch is explained."""
    def operate(*operands):
        if None in operands:
            return None
        operands = [exact(x) for x in operands]
        try:
            return _bounded(apply(*operands))
        except TypeError:
            kinds = [kind_name(x) for x in operands]
            shown = f"{kinds[0]} {symbol} {kinds[1]}" if len(kinds) == 2 else symbol + kinds[0]
            raise ExpressionFailed(f"无法{verb}：{shown}") from None
    return operate


_contains = _guarded("in", lambda item, container: item in container, "判断")


OPERATORS = MappingProxyType({
    ast.Add: _guarded("+", op.add), ast.Sub: _guarded("-", op.sub), ast.Mult: _guarded("*", _multiply),
    ast.Div: _guarded("/", _divide), ast.FloorDiv: _guarded("//", op.floordiv), ast.Mod: _guarded("%", _modulo),
    ast.Pow: _guarded("**", _power), ast.USub: _guarded("-", op.neg), ast.UAdd: _guarded("+", op.pos),
    ast.Lt: _guarded("<", op.lt, "比较"), ast.LtE: _guarded("<=", op.le, "比较"),
    ast.Gt: _guarded(">", op.gt, "比较"), ast.GtE: _guarded(">=", op.ge, "比较"),
    ast.Eq: lambda a, b: exact(a) == exact(b), ast.NotEq: lambda a, b: exact(a) != exact(b),
    # An empty field holds nothing: `x in empty` is False, `x not in empty` is True.
    ast.In: lambda a, b: b is not None and _contains(a, b),
    ast.NotIn: lambda a, b: b is None or not _contains(a, b),
    ast.Is: op.is_, ast.IsNot: op.is_not, ast.Not: op.not_,
})


class _Run(EvalWithCompoundTypes):
    """One evaluation of a checked tree: this call's values and tz, nothing shared."""

    operators = OPERATORS

    def __init__(self, functions: Mapping[str, LibraryFunction], values: Mapping, tz: tzinfo, source: str):
        # Not SimpleEval.__init__: it rebuilds fixed tables per instance (~12 µs); ours live on the class.
        self.functions, self.names, self.tz, self.expr = functions, values, tz, source

    def _eval(self, node):
        # Checked at compile time: every node has a handler and no value can be a module or function.
        return _HANDLERS[type(node)](self, node)

    def _eval_name(self, node):
        return self.names.get(node.id)

    def _eval_constant(self, node):
        return node.value

    def _eval_subscript(self, node):
        container, key = self._eval(node.value), self._eval(node.slice)
        try:
            return None if container is None or key is None else container[key]
        except (LookupError, TypeError):
            raise ExpressionFailed(f"{kind_name(container)}中取不到“{key}”") from None

    def _eval_call(self, node):
        function = self.functions[node.func.id]
        args = [self._eval(arg) for arg in node.args]
        return _bounded(function.func(*args, tz=self.tz) if function.needs_tz else function.func(*args))


_HANDLERS = {
    getattr(ast, kind): getattr(_Run, f"_eval_{kind.lower()}")
    for kind in ("Name", "Constant", "Call", "Subscript", "BinOp", "UnaryOp", "BoolOp",
                 "Compare", "IfExp", "List", "Tuple", "Dict", "Slice")
}
