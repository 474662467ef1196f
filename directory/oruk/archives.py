"""How much an import may unpack, checked before anything is parsed, and zip reading that
turns every way an archive can lie into a sentence.

A 64 KB workbook can hold 200,000 rows, and a small zip a huge file: so the sizes its
members declare are added up before one is opened, each member is read through zipfile
(which stops at the declared size and then checks the CRC, so a member that lies about its
size is refused, not unpacked without end), and a workbook's rows are counted as its
sheets stream, before openpyxl reads any of them.
"""

from __future__ import annotations

import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEGABYTE = 1024 * 1024
# Every exception zipfile (and openpyxl over it) raises for a damaged or lying archive:
# a bad header or CRC, a compression method it cannot unpack, an encrypted member, a
# stream that ends early or does not inflate.
UNREADABLE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    KeyError,
    OSError,
    struct.error,
)
WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
TAG = 64  # longer than any row start tag ROW matches, prefix and all
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How big an import may be: the file, what it unpacks to, and the rows of a sheet or
    of each table (SIGNPOST_IMPORT_MAX_MB, _MAX_UNPACKED_MB and _MAX_ROWS)."""

    max_bytes: int
    max_unpacked: int = 100 * MEGABYTE
    max_rows: int = 50_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            config["IMPORT_MAX_BYTES"],
            config["IMPORT_MAX_UNPACKED_BYTES"],
            config["IMPORT_MAX_ROWS"],
        )


class ArchiveError(Exception):
    """The archive is too big unpacked, or cannot be unpacked; nothing was read."""


def megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


def too_many_rows(name: str, limits: Limits) -> str:
    """The words for a sheet or table of more rows than an import may have."""
    return (
        f"{name} has more than the {limits.max_rows:,} rows an import may have "
        "(SIGNPOST_IMPORT_MAX_ROWS sets the limit): nothing was read."
    )


def unreadable(name: str, error: BaseException) -> str:
    reason = str(error) or type(error).__name__
    return (
        f"{name} cannot be unpacked: it is damaged or not a zip file ({reason}). Nothing was read."
    )


@contextmanager
def opened(path: Path, limits: Limits) -> Iterator[zipfile.ZipFile]:
    """The zip at path, once what its members say they unpack to fits the limit."""
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE as error:
        raise ArchiveError(unreadable(path.name, error)) from None
    with archive:
        total = sum(member.file_size for member in archive.infolist())
        if total > limits.max_unpacked:
            raise ArchiveError(
                f"{path.name} unpacks to {megabytes(total)}, more than the "
                f"{megabytes(limits.max_unpacked)} an import may unpack to "
                "(SIGNPOST_IMPORT_MAX_UNPACKED_MB sets the limit): nothing was read."
            )
        yield archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> bytes:
    """A member's bytes: never more than it declared (zipfile stops there, then checks the
    CRC) nor than the unpacked limit; ArchiveError for a damaged or lying member."""
    name = Path(archive.filename or "the zip").name
    try:
        with archive.open(member) as stream:
            data = stream.read(limits.max_unpacked + 1)
    except UNREADABLE as error:
        raise ArchiveError(unreadable(name, error)) from None
    if len(data) > limits.max_unpacked:
        raise ArchiveError(
            f"{name} unpacks to more than the {megabytes(limits.max_unpacked)} an import may "
            "unpack to (SIGNPOST_IMPORT_MAX_UNPACKED_MB sets the limit): nothing was read."
        )
    return data


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a workbook that unpacks to too much, cannot be unpacked, or has a sheet of more
    rows than the limit (a header row besides), before openpyxl reads any of it."""
    with opened(path, limits) as archive:
        for member in archive.infolist():
            sheet = WORKSHEET.match(member.filename)
            if sheet and _rows(archive, member, limits.max_rows + 2) > limits.max_rows + 1:
                raise ArchiveError(too_many_rows(path.name, limits))


def _rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo, stop: int) -> int:
    """The rows of a worksheet's XML, counted while it streams, up to `stop`.

    A row's start tag, `<row` or `<x:row` and then a space, `>` or `/`, cannot appear in
    well-formed XML's text or attributes (a `<` there is escaped), so counting them in the
    bytes is exact, but for comments and CDATA, where one can only make the count higher;
    and it is far quicker than parsing."""
    count, tail = 0, b""
    name = Path(archive.filename or "the workbook").name
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                text = tail + chunk
                count += len(ROW.findall(text))
                if count >= stop:
                    return count
                # a tag cut in two at the chunk's end is counted with the next chunk
                cut = text.rfind(b"<")
                tail = text[cut:] if cut >= 0 and len(text) - cut < TAG else b""
                if tail and ROW.match(tail):
                    tail = b""
    except UNREADABLE as error:
        raise ArchiveError(unreadable(name, error)) from None
    return count
