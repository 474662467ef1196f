"""The catalogue: what the public may see, the closed lists a listing chooses from, and
the demo catalogue's files and their loader.

published.py   published services, organisations and needs, read for the public
choices.py     the closed lists (delivery, restrictions, days, languages, ...) and their words
seed_files.py  reads and checks the catalogue files in seed/ (the demo, or another place's)
seeding.py     writes a catalogue read from those files into the database
commands.py    seed
"""
