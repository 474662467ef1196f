"""The one distance function: great-circle (haversine) miles between two points.

`miles_between` measures one pair; `miles_from` measures from one point to many at once,
over numpy arrays, by the same formula step for step (a test holds them equal). Search,
matching and the Open Referral UK API all measure with these two, so a venue is the same
distance away on every page. `rounded` is how many miles are shown: to a tenth, the same
way for one distance or many, so that what search shows and what matching says agree to
the digit.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_MILES = 3_958.7613  # mean Earth radius (IUGG, 6,371,008.8 m) in miles
METRES_PER_MILE = 1_609.344  # for the Open Referral UK API, which speaks metres


def miles_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Haversine distance in miles (degrees in); within 0.5% of the true distance."""
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b_lon - a_lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, h)))


def miles_from(
    latitude: float,
    longitude: float,
    latitudes: ArrayLike,
    longitudes: ArrayLike,
    cos_latitudes: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """`miles_between` from one point to each of many: the same formula over arrays.
    `cos_latitudes`, np.cos(np.radians(latitudes)), may be passed by a caller that keeps
    them, as search does for its venues: the cosine is a third of the work."""
    phi1 = math.radians(latitude)
    phi2 = np.radians(np.asarray(latitudes, dtype=np.float64))
    cos_phi2 = np.cos(phi2) if cos_latitudes is None else np.asarray(cos_latitudes)
    lam = np.radians(np.asarray(longitudes, dtype=np.float64) - longitude)
    h = np.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * cos_phi2 * np.sin(lam / 2) ** 2
    miles: NDArray[np.float64] = 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.minimum(1.0, h)))
    return miles


def rounded(miles: float) -> float:
    """Miles as shown, to a tenth: round half to even after scaling, as `np.round` does."""
    return round(miles * 10) / 10


def rounded_all(miles: NDArray[np.float64]) -> NDArray[np.float64]:
    """`rounded` over an array (NaN stays NaN)."""
    shown: NDArray[np.float64] = np.rint(miles * 10) / 10
    return shown
