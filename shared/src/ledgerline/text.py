"""Text input every API takes: no NUL, no control characters, no lone surrogates.

PostgreSQL cannot store NUL in `text` (asyncpg raises `CharacterNotInRepertoireError`), a lone
surrogate cannot be encoded to UTF-8, and control characters break mail headers, SEPA files and
logs. So request models use `SingleLine` (names, codes, addresses, e-mail addresses) or `Text`
(free text that may span lines), and `RefuseControlCharacters` answers 422 for query strings and
paths that carry such characters, before any endpoint reads them.
"""

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema
from starlette.types import ASGIApp, Receive, Scope, Send

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators; lone surrogates.
_NOT_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# The same, but tab, line feed and carriage return are allowed.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# The same rules as JSON Schema patterns (ECMA-262), so that the OpenAPI documents say it too.
SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*$"
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"


def _describe(char: str) -> str:
    if char == "\x00":
        return "a NUL character (U+0000)"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate (U+{ord(char):04X})"
    return f"a control character (U+{ord(char):04X})"


def control_character_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is not acceptable text, or None when it is."""
    found = (_NOT_TEXT if multiline else _NOT_SINGLE_LINE).search(value)
    if found is None:
        return None
    return f"{_describe(found.group())} at position {found.start()} is not allowed"


@dataclass(frozen=True)
class _NoControlCharacters:
    """Annotated metadata: refuses control characters before length and pattern checks, so the
    message says what is wrong instead of quoting a pattern."""

    multiline: bool

    def _check(self, value: Any) -> Any:
        if isinstance(value, str):
            problem = control_character_problem(value, multiline=self.multiline)
            if problem is not None:
                raise ValueError(problem)
        return value

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", TEXT_PATTERN if self.multiline else SINGLE_LINE_PATTERN)
        return json_schema


SingleLine = Annotated[str, _NoControlCharacters(multiline=False)]
"""One line of text: no control characters at all (no NUL, no line breaks, no tabs)."""

Text = Annotated[str, _NoControlCharacters(multiline=True)]
"""Free text: line breaks and tabs allowed, other control characters (NUL included) refused."""


class RefuseControlCharacters:
    """ASGI middleware: 422 for a request whose path or query string carries a control character
    (e.g. `?status=%00`), whatever endpoint it is for. The safety net under the typed models."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                await self._refuse(send, problem)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _problem(scope: Scope) -> str | None:
        path_problem = control_character_problem(scope.get("path", ""))
        if path_problem is not None:
            return f"path: {path_problem}"
        raw_query: bytes = scope.get("query_string", b"")
        if raw_query:
            query = unquote(raw_query.decode("latin-1").replace("+", " "), errors="replace")
            query_problem = control_character_problem(query)
            if query_problem is not None:
                return f"query: {query_problem}"
        return None

    @staticmethod
    async def _refuse(send: Send, problem: str) -> None:
        body = json.dumps({"detail": problem, "problems": [problem]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
