"""Open Referral UK: the standard's queries and shapes, import, export and checks.

queries.py      the API's filters and pages, read from the database
serialise.py    services as HSDS 3.0 objects
closures.py     days a service is shut, as schedules with no times (both ways)
reading.py      JSON and datapackage files read     tabular.py  datapackage tables, safe CSV cells
archives.py     import limits (size, unpacked size, rows) and zips that lie, checked before reading
checks.py       an import checked before it changes anything
importing.py    records written as listings         needs_map.py  foreign terms to our needs
inference.py    referral routes and ways of delivery from a feed's own words
readiness.py    "Ready for matching": what the matcher's rules would exclude, and why
taxonomy_mapping.py  foreign terms seen in imports; managers' mappings (/manage/taxonomy)
signpost_terms.py  Signpost's own fields (routes, delivery, keywords, ...) as attributes, both ways
spreadsheet.py  the spreadsheet template and its import
uploads.py      files a manager uploads, kept until confirmed
export.py       the published catalogue as JSON and a datapackage
feeds.py        following another directory's feed: register, sync, flag what went
upstream.py     reading another directory's Open Referral UK API over HTTP
commands.py     export-oruk, import-oruk, spreadsheet-template, import-spreadsheet, feeds
"""
