"""Likely duplicates: the catalogue-wide scan (listings.duplicates) at real sizes.

Builds N synthetic services (organisations, places with postcodes, contacts with phones;
about one in fifty a planted near-duplicate of another) in a fresh SQLite database in a
temporary folder, then times the whole-catalogue scan and the scan for an import's 100 new
listings.

    python benchmarks/duplicates_bench.py [--sizes 1000 5000 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory import create_app, db, migrate  # noqa: E402
from directory.listings import duplicates  # noqa: E402
from directory.models import (  # noqa: E402
    Contact,
    ListingStatus,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceAtLocation,
)

WHAT = [
    *("lunch club", "walking group", "coffee morning", "men's shed", "knit and natter"),
    *("debt advice", "benefits help", "carers' café", "bereavement support", "youth club"),
    *("parent and toddler", "gardening group", "art class", "choir", "chair yoga"),
    *("food bank", "digital drop-in", "reading group", "befriending", "peer support"),
    *("football", "dance class", "cookery course", "money clinic"),
]
WHEN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Evening"]
WHERE = [
    *("Hyde Park", "Chapeltown", "Harehills", "Armley", "Headingley", "Beeston", "Holbeck"),
    *("Kirkstall", "Burley", "Roundhay", "Meanwood", "Seacroft", "Gipton", "Bramley"),
    *("Pudsey", "Horsforth", "Otley", "Wetherby", "Garforth"),
]
FOR = ["", "", "", " for over 65s", " for young people", " for carers", " for dads"]


def build(session: Session, size: int, seed: int = 7) -> None:
    """size services of size // 4 organisations, a planted near-duplicate in every fifty."""
    rng = random.Random(seed)
    organisations = [
        Organisation(name=f"{rng.choice(WHERE)} {word} {n}", status=ListingStatus.PUBLISHED)
        for n, word in enumerate(rng.choices(["Trust", "Friends", "Hub", "Forum"], k=size // 4))
    ]
    session.add_all(organisations)
    rows: list[object] = []
    name, postcode, phone, owner = "", "", "", organisations[0]
    for n in range(size):
        if n % 50 == 49:  # the planted twin of the one before, as a second source wrote it
            name += rng.choice([" for over 65s", "", " (new)"])
        else:
            name = f"{rng.choice(WHEN)} {rng.choice(WHAT)} {rng.choice(WHERE)}{rng.choice(FOR)}"
            name = name[0].upper() + name[1:]
            postcode = f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}Z"
            phone = f"0113 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            owner = rng.choice(organisations)
        service = Service(
            id=uuid.uuid4(),
            organization_id=owner.id,
            name=name[:200],
            status=ListingStatus.PUBLISHED,
        )
        place = Location(organization_id=owner.id, name="Hall", postal_code=postcode)
        contact = Contact(id=uuid.uuid4(), service_id=service.id, name="")
        rows += [
            service,
            place,
            ServiceAtLocation(service_id=service.id, location_id=place.id),
            contact,
            Phone(contact_id=contact.id, number=phone),
        ]
    session.add_all(rows)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'listings':>9} {'whole scan (s)':>15} {'100 new (s)':>12} {'pairs':>6}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            app = create_app(
                {
                    "DATABASE_URL": f"sqlite:///{folder}/dup{size}.db",
                    "INSTANCE_PATH": f"{folder}/dup{size}",
                }
            )
            engine = app.extensions[db.ENGINE_KEY]
            migrate.upgrade(engine)
            with app.app_context(), Session(engine) as session:
                build(session, size)
                newest = list(session.exec(select(Service.id).limit(100)).all())
                whole, some = [], []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    pairs = duplicates.likely_duplicates(session)
                    whole.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    duplicates.likely_duplicates(session, newest)
                    some.append(time.perf_counter() - start)
            engine.dispose()
            print(
                f"{size:>9} {statistics.median(whole):>15.2f} "
                f"{statistics.median(some):>12.2f} {len(pairs):>6}"
            )


if __name__ == "__main__":
    main()
