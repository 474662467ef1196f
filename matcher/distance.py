"""Great-circle distances, in miles, between a person and a service's venues."""

from __future__ import annotations

import math

EARTH_RADIUS_MILES = 3_958.7613  # mean Earth radius (IUGG) in miles


def miles_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Haversine distance in miles; within 0.5% of the true distance."""
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b_lon - a_lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, h)))
