"""Calling a policy's validator with the SDK's semantics but without its per-call overhead.

``ResourceValidationPolicy.validate`` (pulumi_policy 1.21.0) wraps one callable or a list: it calls each
in order (a sync exception stops the rest at once), collects returned awaitables and returns one
coroutine that awaits them one after another, turning any failure other than ``UnknownValueError`` or
not-applicable into ``RuntimeError("Validation failed: <e>")``. We bind the same behaviour once per policy
at prepare time. Subclasses that override ``validate`` keep their own method.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

Validator = Callable[[Any, Callable[..., None]], Any]


async def _await_all(awaitables: list[Awaitable[Any]]) -> None:
    for result in awaitables:
        try:
            await result
        except (UnknownValueError, _NotApplicableError):
            raise
        except Exception as e:  # noqa: BLE001 - the SDK's exact wrapping
            raise RuntimeError(f"Validation failed: {e}") from e


def _single(fn: Validator) -> Validator:
    def call(args: Any, report: Callable[..., None]) -> Any:
        result = fn(args, report)
        if result is not None and isawaitable(result):
            return _await_all([result])
        return None

    return call


def _many(fns: list[Validator]) -> Validator:
    def call(args: Any, report: Callable[..., None]) -> Any:
        pending = None
        for fn in fns:
            result = fn(args, report)
            if result is not None and isawaitable(result):
                if pending is None:
                    pending = []
                pending.append(result)
        return _await_all(pending) if pending else None

    return call


def resource_validator(policy: Any) -> Validator:
    """The call that validates ``policy`` exactly as ``policy.validate`` would."""
    if type(policy) is ResourceValidationPolicy:
        fns = policy._ResourceValidationPolicy__validate  # noqa: SLF001 - bound once, read-only
        if fns is None:
            return policy.validate  # remediate-only: the SDK's own method returns None
        if isinstance(fns, list):
            return _many(list(fns))
        return _single(fns)
    return policy.validate


def stack_validator(policy: Any) -> Validator:
    """``StackValidationPolicy.validate`` returns the callable's awaitable as is; so do we."""
    if type(policy) is StackValidationPolicy:
        fn = policy._StackValidationPolicy__validate  # noqa: SLF001
        if fn is not None:
            return fn
    return policy.validate


# ------------------------------------------------------------------------------------------------
# Type guards: skipping a validator that would return at once, without calling it
# ------------------------------------------------------------------------------------------------


def _constant_types(node: ast.expr, fn: Any) -> frozenset[str] | None:
    """String type tokens that ``node`` denotes: a literal, a tuple/list/set of literals, or a name bound
    to such a value in the function's closure or module globals (read once, at prepare time)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [_constant_types(e, fn) for e in node.elts]
        if items and all(i is not None and len(i) == 1 for i in items):
            return frozenset().union(*items)  # type: ignore[arg-type]
        return None
    if isinstance(node, ast.Name):
        code = fn.__code__
        value: Any = None
        if node.id in code.co_freevars and fn.__closure__:
            value = fn.__closure__[code.co_freevars.index(node.id)].cell_contents
        elif node.id in fn.__globals__:
            value = fn.__globals__[node.id]
        else:
            return None
        if isinstance(value, str):
            return frozenset({value})
        if (
            isinstance(value, tuple | list | set | frozenset)
            and value
            and all(isinstance(v, str) for v in value)
        ):
            return frozenset(value)
    return None


def _is_resource_type(node: ast.expr, param: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "resource_type"
        and isinstance(node.value, ast.Name)
        and node.value.id == param
    )


def _guard_of(test: ast.expr, param: str, fn: Any) -> frozenset[str] | None:
    """The types for which ``if <test>: return`` lets the function go on, or None if not a type guard."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.NotEq):
        if _is_resource_type(left, param):
            return _constant_types(right, fn)
        if _is_resource_type(right, param):
            return _constant_types(left, fn)
    if isinstance(op, ast.NotIn) and _is_resource_type(left, param):
        return _constant_types(right, fn)
    return None


def type_guard(fn: Any) -> frozenset[str] | None:
    """If ``fn`` starts with ``if args.resource_type != "T": return`` (or ``not in (...)``), the types it
    goes on for; else None. Called once per validator at prepare time; any doubt means None.

    For other resource types such a validator returns None at once: skipping the call gives the same
    verdict (nothing reported, no not-applicable) without its cost.
    """
    if not inspect.isfunction(fn) or hasattr(fn, "__wrapped__") or fn.__name__ == "<lambda>":
        return None
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(defs) != 1 or defs[0].name != fn.__name__ or defs[0].decorator_list:
        return None
    node = defs[0]
    params = [*node.args.posonlyargs, *node.args.args]
    if not params:
        return None
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    if not body or not isinstance(body[0], ast.If) or body[0].orelse:
        return None
    guard = body[0]
    returns_nothing = (
        len(guard.body) == 1
        and isinstance(guard.body[0], ast.Return)
        and (
            guard.body[0].value is None
            or (isinstance(guard.body[0].value, ast.Constant) and guard.body[0].value.value is None)
        )
    )
    if not returns_nothing:
        return None
    return _guard_of(guard.test, params[0].arg, fn)


def policy_guard(policy: Any) -> frozenset[str] | None:
    """The types a plain ResourceValidationPolicy's validators go on for (union over a validate list),
    or None when any of them is not guarded (it must always be called)."""
    if type(policy) is not ResourceValidationPolicy:
        return None
    fns = policy._ResourceValidationPolicy__validate  # noqa: SLF001
    if fns is None:
        return None
    guards = [type_guard(f) for f in (fns if isinstance(fns, list) else [fns])]
    if not guards or any(g is None for g in guards):
        return None
    return frozenset().union(*guards)  # type: ignore[arg-type]
