"""Matching on the directory's data; the engine itself is the framework-free `matcher`.

match_request.py   the request the CLI, the API and the link worker's form share, and the answer
profiles.py        a person's details as a matcher profile, with a sentence for each problem
facts.py           database rows as matcher facts: the one place that makes them
held_catalogue.py  the matcher's catalogue, built once and held until the listings change
suggestions.py     suggestions for a person from the whole directory
pathways.py        more support for a public search: the NHS options a searcher can refer
                   themselves to (the link worker's come with every match: matcher.pathways)
commands.py        match
"""
