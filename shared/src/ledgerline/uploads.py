"""Reading multipart/form-data uploads within a size limit.

Starlette's `request.form()` spools a body of any size to disk before the endpoint can look at
it; here its parser is fed through a limiter instead, which stops reading with a 413 as soon as
the body passes what the allowed files can weigh. `read_body` does the same for a raw body (one
file sent as the request body itself).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

# What a multipart body may carry besides the files: boundaries, part headers, small fields.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str | None
    content_type: str | None


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]
    files: list[Upload]


def too_large(max_bytes: int, what: str = "a file") -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"{what} is larger than {max_bytes} bytes"
    )


async def _body_up_to(
    request: Request, limit: int, max_bytes: int, what: str
) -> AsyncIterator[bytes]:
    """The body as it arrives, chunked or not; a 413 as soon as more than `limit` bytes came,
    so an oversized body is never read, spooled or kept whole."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(max_bytes, what)
        yield chunk


async def read_body(request: Request, *, max_bytes: int, what: str = "the body") -> bytes:
    """The raw request body, at most `max_bytes` (413 naming `what` otherwise, before the rest
    is read)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes, what)
    body = bytearray()
    async for chunk in _body_up_to(request, max_bytes, max_bytes, what):
        body.extend(chunk)
    return bytes(body)


async def read_form(
    request: Request,
    *,
    file_field: str,
    max_bytes: int,
    max_files: int,
    max_fields: int = 5,
    what: str = "a file",
) -> Form:
    """The text fields and the `file_field` files of a multipart body: at most `max_files`
    files of at most `max_bytes` each (413 otherwise, naming `what`, before the rest is read);
    422 for a body that is not multipart/form-data or is malformed."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the body must be multipart/form-data"
        )
    limit = max_bytes * max_files + MULTIPART_ENVELOPE_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes, what)
    parser = MultiPartParser(
        request.headers,
        _body_up_to(request, limit, max_bytes, what),
        max_files=max_files,
        max_fields=max_fields,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"malformed multipart body: {exc.message}"
        ) from exc
    try:
        fields: dict[str, str] = {}
        files: list[Upload] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != file_field:
                    raise HTTPException(
                        status.HTTP_422_UNPROCESSABLE_CONTENT,
                        f"files go in '{file_field}' fields, not '{name}'",
                    )
                if value.size is not None and value.size > max_bytes:
                    raise too_large(max_bytes, value.filename or what)
                files.append(Upload(await value.read(), value.filename, value.content_type))
            elif name in fields:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, f"the field '{name}' is given twice"
                )
            else:
                fields[name] = value
        return Form(fields, files)
    finally:
        await form.close()
