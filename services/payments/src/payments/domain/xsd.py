"""Validation of produced pain.001 bytes against the ISO 20022 XSDs shipped in `payments/schemas`.

Validation streams: libxml2 checks the document while it is parsed and the transactions already
checked are dropped from the parse tree, so memory stays small for 100,000-payment files. A full
libxml2 tree of such a file takes about 290 MB, more than the file and the rest of the work
together; validating that tree would be about 15 % faster, which is not worth the memory.

This module is also loaded by file path, outside the `payments` package, in the child process
that validates large files while they are written (`parallel_xsd`): it must import nothing but
the standard library and lxml.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final, Literal, get_args

from lxml import etree

MessageFormat = Literal["pain.001.001.09", "pain.001.001.03"]
SUPPORTED_FORMATS: Final[tuple[str, ...]] = get_args(MessageFormat)
DEFAULT_FORMAT: Final[MessageFormat] = "pain.001.001.09"

# About 180 transactions per chunk: the parse tree is pruned after every chunk, and measured on
# 100,000 transactions 32-64 KiB chunks validate about 15 % faster than 1 MiB ones.
FEED_CHUNK_BYTES: Final = 1 << 16
_MAX_REPORTED_ERRORS: Final = 20


class XsdValidationError(Exception):
    """The bytes do not validate against the schema; `errors` holds libxml2's messages."""

    def __init__(self, message_format: str, errors: list[str]) -> None:
        self.message_format = message_format
        self.errors = errors
        shown = "; ".join(errors[:3]) if errors else "no detail given by the validator"
        super().__init__(f"The file does not validate against {message_format}.xsd: {shown}")


def namespace_of(message_format: str) -> str:
    check_format(message_format)
    return f"urn:iso:std:iso:20022:tech:xsd:{message_format}"


def check_format(message_format: str) -> None:
    if message_format not in SUPPORTED_FORMATS:
        supported = ", ".join(SUPPORTED_FORMATS)
        raise ValueError(f"format {message_format!r} is not supported; use one of {supported}.")


@cache
def load_schema(message_format: str) -> etree.XMLSchema:
    """Parse and compile the XSD once per process; compiling takes tens of milliseconds."""
    check_format(message_format)
    source = resources.files("payments").joinpath("schemas", f"{message_format}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


class StreamingValidator:
    """Validate a document fed in chunks; `feed` and `close` raise `XsdValidationError`.

    The transactions already checked are dropped from the parse tree after every chunk.
    """

    def __init__(self, message_format: str, schema: etree.XMLSchema | None = None) -> None:
        if schema is None:
            schema = load_schema(message_format)
        self.message_format = message_format
        # lxml's defaults (no network, no external entities, libxml2's size limits) are kept:
        # with resolve_entities=False lxml 6 stops reporting a document cut short at close(),
        # and huge_tree would lift the protection against entity expansion for no gain in speed.
        self._parser = etree.XMLPullParser(
            events=("start",), tag=f"{{{namespace_of(message_format)}}}PmtInf", schema=schema
        )
        self._block: etree._Element | None = None

    def feed(self, chunk: bytes) -> None:
        parser = self._parser
        try:
            parser.feed(chunk)
            for _event, element in parser.read_events():
                self._block = element
        except etree.XMLSyntaxError as error:
            raise self._error(error) from None
        # The validator works on parse events, not on the tree: children already complete
        # are dropped, the last one may still be being parsed and stays.
        block = self._block
        if block is not None and len(block) > 1:
            del block[:-1]

    def close(self) -> None:
        try:
            self._parser.close()
        except etree.XMLSyntaxError as error:
            raise self._error(error) from None

    def _error(self, error: etree.XMLSyntaxError) -> XsdValidationError:
        messages = [entry.message for entry in self._parser.error_log][:_MAX_REPORTED_ERRORS]
        return XsdValidationError(self.message_format, messages or [str(error)])


class WholeTreeValidator:
    """Validate a document fed in chunks as a whole tree; `close` raises `XsdValidationError`.

    Parsing the document into a tree and validating the tree takes about a third less CPU
    time than `StreamingValidator` (measured on a 100,000-transaction file: 0.8 s against
    1.2-1.4 s), for a tree of about 290 MB. The child process that validates large files
    (`parallel_xsd`) uses it: its memory is given back when it exits. Errors are known at
    `close`, except a document that is not well-formed, which `feed` may already refuse.
    """

    def __init__(self, message_format: str, schema: etree.XMLSchema | None = None) -> None:
        self.message_format = message_format
        self._schema = schema if schema is not None else load_schema(message_format)
        # lxml's defaults otherwise, as in `StreamingValidator` (no network, no huge_tree).
        self._parser = etree.XMLParser(collect_ids=False)

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.feed(chunk)
        except etree.XMLSyntaxError as error:
            raise self._error(self._parser.error_log, error) from None

    def close(self) -> None:
        try:
            root = self._parser.close()
        except etree.XMLSyntaxError as error:
            raise self._error(self._parser.error_log, error) from None
        if not self._schema.validate(root):
            raise self._error(self._schema.error_log, None)

    def _error(
        self, log: etree._ListErrorLog, error: etree.XMLSyntaxError | None
    ) -> XsdValidationError:
        messages = [entry.message for entry in log][:_MAX_REPORTED_ERRORS]
        return XsdValidationError(self.message_format, messages or [str(error)])


def validate_pain001(data: bytes, message_format: str) -> None:
    """Raise `XsdValidationError` unless `data` is a valid document of `message_format`."""
    validator = StreamingValidator(message_format)
    for offset in range(0, len(data), FEED_CHUNK_BYTES):
        validator.feed(data[offset : offset + FEED_CHUNK_BYTES])
    validator.close()
