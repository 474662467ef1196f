"""Write the published catalogue in the Open Referral UK format: a JSON array of full
HSDS 3.0 service objects, and the HSDS tabular datapackage (CSV files)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from directory.catalogue.published import in_batches, is_published
from directory.models import Service
from directory.oruk import queries, serialise, tabular

JSON_FILE = "services.json"
PACKAGE_FOLDER = "datapackage"
BATCH = 200


@dataclass(frozen=True)
class Exported:
    services: int
    json_file: Path
    package: Path
    rows: dict[str, int]


def published_services(session: Session) -> Iterator[serialise.Json]:
    """Every published service as a full HSDS object, by name, a batch at a time."""
    statement = (
        select(Service)
        .where(is_published())
        .options(*queries.service_options())
        .order_by(col(Service.name), col(Service.id))
    )
    for service in in_batches(session, statement, BATCH):
        yield serialise.service_full(service)


def export_catalogue(session: Session, destination: Path) -> Exported:
    """Write DEST/services.json and DEST/datapackage/ (datapackage.json and CSVs)."""
    services = list(published_services(session))
    destination.mkdir(parents=True, exist_ok=True)
    json_file = destination / JSON_FILE
    json_file.write_text(json.dumps(services, indent=2, ensure_ascii=False) + "\n")
    package = destination / PACKAGE_FOLDER
    rows = tabular.write_package(services, package, "signpost-catalogue")
    return Exported(len(services), json_file, package, rows)
