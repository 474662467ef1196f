"""The matching engine: pure Python, no Flask, no database (filled by the matcher issue).

It works on plain dataclasses (a person's profile, the facts of a service) so that it
can be tested and benchmarked alone; `directory/` turns database rows into those facts.
"""
