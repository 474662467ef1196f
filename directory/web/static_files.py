"""Static files fit for phones: names that change with their content, so that a browser may
keep them for a year, compressed once when they are built rather than on every request.

`make assets` builds the front end into directory/static/, then runs this module
(`python -m directory.web.static_files`), which puts beside each file a copy named by a hash
of its content (nhsuk/signpost.min.css -> nhsuk/signpost.min.1a2b3c4d5e6f.css), gzip and
brotli copies of each hashed copy, and a manifest of the names (static/staticfiles.json,
built, never committed). Templates ask `static_url("nhsuk/signpost.min.css")` for every
static link: the hashed name when the manifest has it, else the plain one.

At run time WhiteNoise serves the hashed files in front of Flask, brotli or gzip as the
browser accepts, with `Cache-Control: public, max-age=31536000, immutable`: the content of a
hashed name never changes. Everything else (a file with no hashed copy, one that changed
since the build, a name that is not there) falls through to Flask's static route, with the
short cache of SEND_FILE_MAX_AGE_DEFAULT and a 404 for what does not exist.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from flask import Flask, current_app, url_for
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

MANIFEST = "staticfiles.json"
HASH_LENGTH = 12
YEAR = 365 * 24 * 60 * 60
IMMUTABLE = f"public, max-age={YEAR}, immutable"
NOT_BUILT = (
    f"Front-end assets are not built (no static/{MANIFEST}): pages link static files by their "
    "plain names, uncompressed, and unstyled where NHS.UK frontend is missing too. "
    "Run `make assets` (`make install` does)."
)
# Sources of the build, not files a page links to.
SKIPPED = ("src/",)
HASHED_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}\.[^./]+$")
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


# --- at build time -------------------------------------------------------------------


def build(root: Path) -> dict[str, str]:
    """Hash, rewrite and compress every static file under root; write and return the manifest."""
    remove_previous_build(root)
    names = sorted(sources(root), key=lambda name: (name.endswith(".css"), name))
    hashed: dict[str, str] = {}
    compressor = Compressor(quiet=True)
    for name in names:
        data = (root / name).read_bytes()
        if name.endswith(".css"):
            # A stylesheet names the icons it draws: point it at their hashed copies too,
            # so that the icons are cached as long as the stylesheet.
            data = point_at_hashed(data.decode(), name, hashed).encode()
        hashed[name] = hashed_name(name, data)
        target = root / hashed[name]
        target.write_bytes(data)
        if compressor.should_compress(target.name):
            compressor.compress(str(target))
    (root / MANIFEST).write_text(json.dumps({"paths": hashed}, indent=1, sort_keys=True) + "\n")
    return hashed


def sources(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            name = Path(dirpath, filename).relative_to(root).as_posix()
            if filename.startswith(".") or name == MANIFEST or name.startswith(SKIPPED):
                continue
            if filename.endswith((".gz", ".br")) or HASHED_NAME.search(filename):
                continue
            yield name


def remove_previous_build(root: Path) -> None:
    """Delete the hashed and compressed copies the last build made, and its manifest."""
    for name in read_manifest(root).values():
        for suffix in ("", ".gz", ".br"):
            (root / (name + suffix)).unlink(missing_ok=True)
    (root / MANIFEST).unlink(missing_ok=True)


def hashed_name(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = posixpath.basename(name).rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    base = f"{stem}.{digest}.{suffix}" if suffix else f"{stem}.{digest}"
    return posixpath.join(posixpath.dirname(name), base)


def point_at_hashed(css: str, name: str, hashed: dict[str, str]) -> str:
    folder = posixpath.dirname(name)

    def replace(match: re.Match[str]) -> str:
        reference = match.group(2).strip()
        if re.match(r"^([a-z]+:|/|#)", reference, re.IGNORECASE):
            return match.group(0)  # data:, another host or an absolute path: left alone
        path, rest = re.fullmatch(r"([^?#]*)(.*)", reference).groups()  # type: ignore[union-attr]
        target = hashed.get(posixpath.normpath(posixpath.join(folder, path)))
        if target is None:
            return match.group(0)
        return f'url("{posixpath.relpath(target, folder or ".")}{rest}")'

    return CSS_URL.sub(replace, css)


# --- at run time ---------------------------------------------------------------------


def read_manifest(root: Path) -> dict[str, str]:
    """Plain name -> hashed name, from the last build; empty when assets are not built."""
    try:
        paths = json.loads((root / MANIFEST).read_text())["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(plain): str(hashed) for plain, hashed in dict(paths).items()}


def current(root: Path, manifest: dict[str, str]) -> dict[str, str]:
    """The manifest less any file changed since the build: its hashed copy is out of date
    (someone edited signpost.js and has not run `make assets`), so it is served by name."""
    built = (root / MANIFEST).stat().st_mtime if manifest else 0.0
    kept = {}
    for plain, hashed in manifest.items():
        try:
            fresh = (root / plain).stat().st_mtime <= built and (root / hashed).is_file()
        except OSError:
            fresh = False
        if fresh:
            kept[plain] = hashed
    return kept


def static_url(filename: str) -> str:
    """The URL of a static file: its hashed name once built, else its plain name."""
    hashed: dict[str, str] = current_app.extensions["static_files"]
    return url_for("static", filename=hashed.get(filename, filename))


class HashedFiles(WhiteNoise):
    """WhiteNoise, except that a file deleted since the worker started (a new build removes
    the last one's copies) falls through to the app, which answers 404, not 500."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return super().__call__(environ, start_response)
        except FileNotFoundError:  # raised before the response starts
            return self.application(environ, start_response)


def serve_hashed(app: Flask, root: Path, hashed: dict[str, str]) -> None:
    """WhiteNoise in front of the app, for the hashed files alone (and their .br and .gz)."""
    whitenoise = HashedFiles(
        app.wsgi_app,
        allow_all_origins=False,
        add_headers_function=add_headers,
        immutable_file_test=lambda path, url: True,
    )
    prefix = (app.static_url_path or "/static").rstrip("/")
    for name in hashed.values():
        whitenoise.add_file_to_dictionary(f"{prefix}/{name}", str(root / name))
    app.wsgi_app = whitenoise  # type: ignore[method-assign]


def add_headers(headers: Headers, path: str, url: str) -> None:
    # A year, the longest the HTTP caching spec asks a cache to honour (WhiteNoise says ten).
    headers["Cache-Control"] = IMMUTABLE
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    root = Path(app.static_folder or "static")
    built = read_manifest(root)
    hashed = current(root, built)
    if not built:
        app.logger.warning(NOT_BUILT)
    elif len(hashed) < len(built):
        stale = sorted(set(built) - set(hashed))
        app.logger.warning("Changed since `make assets`, served by name: %s", ", ".join(stale))
    app.extensions["static_files"] = hashed
    app.add_template_global(static_url)
    serve_hashed(app, root, hashed)


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[1] / "static")
    made = build(folder)
    print(f"Hashed {len(made)} static files in {folder}; the names are in {MANIFEST}.")
