"""Amount fields accept arithmetic, as in the seed's annotation screen (`12+25` -> 37.00).

The text is parsed with `ast` and only numbers, + - * /, unary minus and parentheses are
walked; anything else is refused. It is never evaluated by Python (no `eval`): `__import__`,
names, calls and attributes are simply not arithmetic. Numbers are read from the source text
into Decimal, so `0.1+0.2` is exactly 0.30.
"""

import ast
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

MAX_EXPRESSION_LENGTH = 100
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")


class NotArithmetic(ValueError):
    """The text is not an amount or a calculation of amounts."""


def evaluate_amount(text: str) -> Decimal:
    """The amount the text gives, rounded to cents (half up)."""
    source = text.strip()
    if not source:
        raise NotArithmetic("an amount is required")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise NotArithmetic(f"a calculation has at most {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte in the text
        raise NotArithmetic(f"{source[:50]!r} is not a calculation of amounts") from exc
    try:
        value = _value(tree.body, source)
    except (DivisionByZero, InvalidOperation, ZeroDivisionError) as exc:
        raise NotArithmetic(f"{source[:50]!r} divides by zero") from exc
    result = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(result) > MAX_AMOUNT:
        raise NotArithmetic(f"{source[:50]!r} is larger than {MAX_AMOUNT}")
    return result


_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _value(node: ast.AST, source: str) -> Decimal:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        literal = ast.get_source_segment(source, node) or ""
        # Digits and one '.', nothing else: no exponents (1e9), underscores or complex numbers.
        if not literal.replace(".", "", 1).isdigit() or not literal.isascii():
            raise NotArithmetic(f"{literal[:50]!r} is not a plain number")
        return Decimal(literal)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _value(node.left, source), _value(node.right, source)
        result = _OPERATORS[type(node.op)](left, right)
        if abs(result) > MAX_AMOUNT * 1000:  # stops 9*9*9*... from growing without end
            raise NotArithmetic(f"{source[:50]!r} is larger than {MAX_AMOUNT}")
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand, source)
        return -operand if isinstance(node.op, ast.USub) else operand
    raise NotArithmetic(
        f"{source[:50]!r} is not a calculation of amounts (numbers and + - * / ( ))"
    )
