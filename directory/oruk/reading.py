"""Read an import source into HSDS service objects: a JSON array of services, a Page of
/services, or the tabular datapackage (a folder, or a zip, of CSVs with datapackage.json).

Size is checked before anything is parsed, so a huge file is refused at once; a zip's
unpacked size and each table's rows are limited too (archives.Limits); every way a file can
be unreadable becomes a sentence in SourceError.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from directory.oruk import archives, tabular
from directory.oruk.archives import Limits

Json = dict[str, Any]
PACKAGE = "datapackage.json"
SERVICES_CSV = "services.csv"


class SourceError(Exception):
    """The source cannot be read at all; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    services: list[Json]
    kind: str  # "json", "page" or "datapackage"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _check_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise SourceError(
            [
                f"{name} is {_megabytes(size)}, more than the {_megabytes(limit)} an import "
                "may be (SIGNPOST_IMPORT_MAX_MB sets the limit): nothing was read."
            ]
        )


def read_source(path: Path, limits: Limits) -> Source:
    """The service objects a file, folder or zip holds; SourceError says why not."""
    if not path.exists():
        raise SourceError([f"{path} does not exist."])
    if path.is_dir():
        return _read_folder(path, limits)
    _check_size(path.name, path.stat().st_size, limits.max_bytes)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        try:
            return _read_zip(path, limits)
        except archives.ArchiveError as error:
            raise SourceError([str(error)]) from None
    return _read_json(path, limits)


def _not_a_number(word: str) -> float:
    raise ValueError(f"{word} is not a number JSON allows")


def _read_json(path: Path, limits: Limits) -> Source:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"), parse_constant=_not_a_number)
    except UnicodeDecodeError:
        raise SourceError([f"{path.name} is not JSON: it is not UTF-8 text."]) from None
    except json.JSONDecodeError as error:
        raise SourceError(
            [f"{path.name} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}."]
        ) from None
    except (ValueError, RecursionError) as error:
        raise SourceError([f"{path.name} is not JSON Signpost can read: {error}."]) from None
    if isinstance(data, dict) and isinstance(data.get("resources"), list):
        return _read_folder(path.parent, limits)
    if isinstance(data, list):
        services, kind = data, "json"
    elif isinstance(data, dict) and isinstance(data.get("contents"), list):
        services, kind = data["contents"], "page"
    elif isinstance(data, dict) and "id" in data and "name" in data:
        services, kind = [data], "json"
    else:
        raise SourceError(
            [
                f"{path.name} is JSON but not in a shape Signpost imports: expected an array "
                'of HSDS service objects, a Page of /services ({"contents": [...]}), one '
                "service object, or a datapackage."
            ]
        )
    wrong = [i + 1 for i, item in enumerate(services) if not isinstance(item, dict)]
    if wrong:
        shown = ", ".join(str(n) for n in wrong[:10])
        raise SourceError([f"{path.name}: record(s) {shown} are not objects."])
    return Source(services, kind)


def _read_folder(folder: Path, limits: Limits) -> Source:
    if not (folder / PACKAGE).exists() and not (folder / SERVICES_CSV).exists():
        raise SourceError(
            [f"{folder} holds neither {PACKAGE} nor {SERVICES_CSV}: it is not a datapackage."]
        )
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    _check_size(folder.name, size, limits.max_bytes)

    def read(name: str) -> str | None:
        file = folder / PurePosixPath(name).name
        return _text(file.name, file.read_bytes()) if file.is_file() else None

    return _nest(read, limits)


def _nest(read: Any, limits: Limits) -> Source:
    try:
        return Source(tabular.nest(read, _package(read), limits.max_rows), "datapackage")
    except csv.Error as error:
        raise SourceError([f"A CSV file of the datapackage cannot be read: {error}."]) from None
    except tabular.TooManyRows as error:
        raise SourceError([archives.too_many_rows(error.file_name, limits)]) from None


def _read_zip(path: Path, limits: Limits) -> Source:
    # a small zip can hold a huge file: what it unpacks to is counted before it is opened
    with archives.opened(path, limits) as archive:
        members = {PurePosixPath(i.filename).name: i for i in archive.infolist() if not i.is_dir()}
        if PACKAGE not in members and SERVICES_CSV not in members:
            raise SourceError(
                [f"{path.name} holds neither {PACKAGE} nor {SERVICES_CSV}: not a datapackage."]
            )

        def read(name: str) -> str | None:
            member = members.get(PurePosixPath(name).name)
            if member is None:
                return None
            return _text(member.filename, archives.read_member(archive, member, limits))

        return _nest(read, limits)


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError([f"{name} is not UTF-8 text."]) from None


def _package(read: Any) -> Json | None:
    text = read(PACKAGE)
    if text is None:
        return None
    try:
        package = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError([f"{PACKAGE} is not JSON: {error.msg} at line {error.lineno}."]) from None
    if not isinstance(package, dict):
        raise SourceError([f"{PACKAGE} is not a datapackage descriptor (an object)."])
    return package


# Names that say nothing of whose directory a file holds.
GENERIC_NAMES = frozenset(
    [
        "services",
        "service",
        "service_list",
        "service_full",
        "page",
        "datapackage",
        "data",
        "export",
        "import",
        "feed",
        "upload",
        "csv",
        "json",
        "tabular",
        "openreferral",
        "open_referral",
        "oruk",
        "hsds",
        "example",
        "examples",
    ]
)


def source_name(path: Path) -> str:
    """A readable name for the directory a file or folder came from, for the words beside
    each imported listing's "last checked": "leeds-directory.json" -> "Leeds Directory";
    a generic name ("services.json") gives its folder's name, else "the imported file"."""
    for part in (path.stem if path.suffix else path.name, path.parent.name):
        words = part.replace("-", " ").replace("_", " ").split()
        key = "_".join(w.lower() for w in words)
        # (an upload waits in a folder named by a random token: not a name either)
        if words and key not in GENERIC_NAMES and not re.fullmatch(r"[0-9a-f]{32}|\d+", key):
            return " ".join(w if w.isupper() else w.capitalize() for w in words)[:100]
    return "the imported file"
