"""Static files fit for phones: pages link hashed names; a hashed file comes back compressed
as the browser accepts (brotli, gzip or neither) with a year's immutable cache; anything else
gets a short cache, and a file that is not there a 404 page, never a 500.

The first tests build a small static folder of their own; the rest read the real build
(`make assets`) and skip without it.
"""

from __future__ import annotations

import glob
import gzip
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest
from flask import Flask, render_template_string

from directory.web import static_files

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "directory" / "static"
TEMPLATES = ROOT / "directory" / "templates"
BUILT = (STATIC / static_files.MANIFEST).exists()
pytestmark = pytest.mark.sqlite_only  # what it checks does not depend on the database
needs_build = pytest.mark.skipif(
    not BUILT, reason="front-end assets not built: run `make assets` (make test does)"
)
IMMUTABLE = "public, max-age=31536000, immutable"
STYLESHEET = 'body { color: red; }\n.icon { background: url("images/tick.svg") }\n' * 40
SCRIPT = "export const greeting = 'hello';\n" * 60


def fetch(client, url: str, encodings: str | None = None):
    """Status, headers and body of a GET, the response closed (its file with it)."""
    response = client.get(url, headers={"Accept-Encoding": encodings} if encodings else {})
    try:
        return response.status_code, response.headers, response.get_data()
    finally:
        response.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "images").mkdir(parents=True)
    (static / "src").mkdir()
    (static / "site.css").write_text(STYLESHEET)
    (static / "site.js").write_text(SCRIPT)
    (static / "images" / "tick.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (static / "src" / "site.scss").write_text("// a source, never linked")
    return static


def tiny_app(static: Path) -> Flask:
    app = Flask(__name__, static_folder=str(static))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 300
    static_files.init_app(app)
    return app


def link(app: Flask, name: str) -> str:
    with app.test_request_context():
        return render_template_string("{{ static_url(name) }}", name=name)


def test_a_build_hashes_each_file_and_points_the_stylesheet_at_its_icons_hashed(folder):
    made = static_files.build(folder)
    assert set(made) == {"site.css", "site.js", "images/tick.svg"}  # not src/
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.js", made["site.js"])
    assert re.fullmatch(r"images/tick\.[0-9a-f]{12}\.svg", made["images/tick.svg"])
    assert (folder / made["site.js"]).read_text() == SCRIPT
    hashed_css = (folder / made["site.css"]).read_text()
    assert f'url("{made["images/tick.svg"]}")' in hashed_css
    assert (folder / "site.css").read_text() == STYLESHEET  # the original is left as it was
    manifest = json.loads((folder / static_files.MANIFEST).read_text())
    assert manifest["paths"] == made
    for name in ("site.css", "site.js"):
        content = (folder / made[name]).read_bytes()
        assert brotli.decompress((folder / (made[name] + ".br")).read_bytes()) == content
        assert gzip.decompress((folder / (made[name] + ".gz")).read_bytes()) == content


def test_a_second_build_after_an_edit_leaves_no_stale_copies(folder):
    first = static_files.build(folder)
    (folder / "site.js").write_text(SCRIPT + "// edited\n")
    second = static_files.build(folder)
    assert second["site.js"] != first["site.js"]
    assert second["site.css"] == first["site.css"]
    for suffix in ("", ".gz", ".br"):
        assert not (folder / (first["site.js"] + suffix)).exists()
    js = {p.name for p in folder.glob("site*.js*")}
    name = Path(second["site.js"]).name
    assert js == {"site.js", name, name + ".br", name + ".gz"}


def test_a_page_links_the_hashed_name_and_it_comes_back_compressed_as_accepted(folder):
    made = static_files.build(folder)
    client = tiny_app(folder).test_client()
    url = link(client.application, "site.js")
    assert url == "/static/" + made["site.js"]
    original = (folder / made["site.js"]).read_bytes()

    status, headers, body = fetch(client, url, "gzip, deflate, br")
    assert status == 200 and headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == original
    assert headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in headers["Vary"]
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["X-Content-Type-Options"] == "nosniff"

    status, headers, body = fetch(client, url, "gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == original
    assert headers["Cache-Control"] == IMMUTABLE

    status, headers, body = fetch(client, url)
    assert status == 200 and "Content-Encoding" not in headers
    assert body == original
    assert headers["Cache-Control"] == IMMUTABLE


def test_a_plain_name_gets_a_short_cache_and_a_missing_file_a_404(folder):
    made = static_files.build(folder)
    client = tiny_app(folder).test_client()
    status, headers, body = fetch(client, "/static/site.js", "br")
    assert status == 200 and body == SCRIPT.encode()
    assert "Content-Encoding" not in headers
    assert "immutable" not in headers["Cache-Control"]
    assert "max-age=300" in headers["Cache-Control"]
    for missing in (
        "/static/nothing.js",
        "/static/" + made["site.js"].replace(".js", "0.js"),
        "/static/site.000000000000.js",
        "/static/../wsgi.py",
    ):
        assert fetch(client, missing, "br")[0] == 404, missing


def test_without_a_build_pages_link_plain_names_and_the_log_says_what_to_run(folder, caplog):
    with caplog.at_level(logging.WARNING):
        app = tiny_app(folder)
    assert "run `make assets`" in caplog.text.lower()
    assert link(app, "site.js") == "/static/site.js"
    assert fetch(app.test_client(), "/static/site.js")[0] == 200


def test_a_file_changed_since_the_build_is_linked_by_its_plain_name(folder, caplog):
    made = static_files.build(folder)
    later = (folder / static_files.MANIFEST).stat().st_mtime + 5
    os.utime(folder / "site.js", (later, later))  # edited after `make assets`
    with caplog.at_level(logging.WARNING):
        app = tiny_app(folder)
    assert "site.js" in caplog.text
    assert link(app, "site.js") == "/static/site.js"
    assert link(app, "site.css") == "/static/" + made["site.css"]


def test_a_hashed_file_gone_from_disk_is_linked_by_its_plain_name(folder):
    made = static_files.build(folder)
    (folder / made["site.js"]).unlink()
    app = tiny_app(folder)
    assert link(app, "site.js") == "/static/site.js"
    assert fetch(app.test_client(), "/static/" + made["site.js"])[0] == 404


def test_a_hashed_file_deleted_while_the_app_runs_is_a_404_not_a_500(folder):
    made = static_files.build(folder)
    client = tiny_app(folder).test_client()
    assert fetch(client, "/static/" + made["site.js"], "br")[0] == 200
    for suffix in ("", ".gz", ".br"):  # as the next release's build removes them
        (folder / (made["site.js"] + suffix)).unlink()
    for encodings in ("br", "gzip", None):
        assert fetch(client, "/static/" + made["site.js"], encodings)[0] == 404, encodings


# --- the real build -------------------------------------------------------------------


def asset_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html) + re.findall(
        r'from "(/static/[^"]+)"', html
    )


@needs_build
def test_pages_link_the_hashed_stylesheet_script_and_icons(small_app):
    client = small_app.test_client()
    html = client.get("/").get_data(as_text=True)
    hashed = r"\.[0-9a-f]{12}\."
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert re.fullmatch(rf"/static/nhsuk/signpost\.min{hashed}css", stylesheet)
    scripts = re.findall(r'<script type="module" src="([^"]+)"', html)
    assert [re.sub(hashed, ".", s) for s in scripts] == [
        "/static/nhsuk/nhsuk-frontend.min.js",
        "/static/signpost.js",
    ]
    # the inline module imports the very script loaded above: one copy of NHS.UK frontend
    assert f'import {{ initAll }} from "{scripts[0]}"' in html
    links = asset_links(html)
    assert links and all(re.search(hashed, url) for url in links), links
    for url in links:
        status, headers, body = fetch(client, url, "gzip, br")
        assert status == 200, url
        assert headers["Cache-Control"] == IMMUTABLE, url
    status, headers, body = fetch(client, stylesheet, "gzip, br")
    assert headers["Content-Encoding"] == "br"
    css = brotli.decompress(body)
    assert b".nhsuk-header" in css
    assert b"@font-face" not in css and b"https://" not in css  # nothing from another host


@needs_build
def test_a_missing_asset_is_a_404_page_not_a_500(small_app):
    client = small_app.test_client()
    for url in (
        "/static/nhsuk/signpost.min.000000000000.css",
        "/static/nhsuk/nothing.js",
        "/static/nhsuk/assets/images/nothing.svg",
    ):
        response = client.get(url, headers={"Accept-Encoding": "br"})
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)


@needs_build
def test_the_link_worker_pages_link_their_own_hashed_files(small_app):
    with small_app.test_request_context():
        for name in ("linkworker.css", "linkworker.js", "signpost.js"):
            url = render_template_string("{{ static_url(name) }}", name=name)
            assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url


def test_every_static_link_in_the_templates_goes_through_static_url():
    plain = re.compile(r"""url_for\(\s*['"]static['"]""")
    named = re.compile(r"""static_url\(\s*['"]([^'"]+)['"]\s*\)""")
    names: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not plain.search(text), f"{template.name}: use static_url(...)"
        names |= set(named.findall(text))
    assert {"nhsuk/signpost.min.css", "nhsuk/nhsuk-frontend.min.js"} <= names
    if BUILT:
        missing = names - set(static_files.read_manifest(STATIC))
        assert not missing, f"linked but not built: {sorted(missing)}"


@needs_build
def test_every_nhsuk_frontend_class_a_page_uses_has_its_styles():
    """The stylesheet takes only the NHS.UK frontend components our pages use: a template
    that starts to use another must add it to directory/static/src/signpost.scss."""
    full = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk" / "nhsuk-frontend.min.css"
    if not full.exists():
        pytest.skip("nhsuk-frontend is not installed (npm ci)")
    jinja = Path(glob.glob(str(ROOT / ".venv/lib/python3*/site-packages/nhsuk_frontend_jinja"))[0])
    ours = [*TEMPLATES.rglob("*.html"), *(ROOT / "directory").rglob("*.py"), *STATIC.glob("*.js")]
    texts = [path.read_text() for path in ours]
    macros = {m for text in texts for m in re.findall(r'"(nhsuk/components/[a-z-]+)/', text)}
    macros |= {"nhsuk/components/skip-link", "nhsuk/components/header"}
    texts += [(jinja / "templates" / m / "template.jinja").read_text() for m in macros]
    texts.append((jinja / "templates" / "nhsuk" / "template.jinja").read_text())
    used = {c for text in texts for c in re.findall(r"nhsuk-[a-z0-9_-]*[a-z0-9]", text)}
    theirs, mine = full.read_text(), (STATIC / "nhsuk" / "signpost.min.css").read_text()

    def styled(css: str, name: str) -> bool:
        return re.search(rf"\.{re.escape(name)}(?![\w-])", css) is not None

    unstyled = sorted(c for c in used if styled(theirs, c) and not styled(mine, c))
    assert not unstyled, f"add their components to signpost.scss: {unstyled}"


@needs_build
def test_what_the_build_makes_stays_out_of_git():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    made = [STATIC / static_files.MANIFEST, STATIC / "nhsuk" / "signpost.min.css"]
    for name in static_files.read_manifest(STATIC).values():
        made += [STATIC / name] + [STATIC / (name + s) for s in (".gz", ".br")]
    made = [path for path in made if path.exists()]
    paths = "\n".join(str(path.relative_to(ROOT)) for path in made)
    ignored = subprocess.run(
        ["git", "check-ignore", "--stdin"], input=paths, cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert sorted(ignored) == sorted(paths.split()), "commit none of them: see .gitignore"
