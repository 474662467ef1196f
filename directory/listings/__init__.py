"""Keeping listings true: edits and their review, history, freshness, duplicates, merging.

editing.py     save an edit (or propose it for review), approve, return, withdraw, history
snapshots.py   a listing as plain values, to compare and apply
freshness.py   stale listings, "is it still right?" checks and reminders, public reports
tasks.py       what waits for each editor and manager
duplicates.py  likely duplicate services; holding them back from "publish at once"
merging.py     merge a duplicate into the listing kept, field by field, both histories kept
commands.py    send-reminders, merge-listings
"""
