"""The catalogue: what the public may see, the needs vocabulary, the closed lists a listing
chooses from, and the files of seed/ and their loader.

published.py   published services, organisations and needs, read for the public
needs.py       the needs vocabulary (needs, synonyms, search phrases, form groups, ages),
               read from the database and held per app: search, matching and import read it;
               meant_by, the one reading of people's words by its synonyms and phrases
needs_editing.py  managers' changes to it (/manage/vocabulary): checked, saved only on the
               row the form read, recorded (VocabularyChange), left alone by a later seed
vocabulary.py  the closed lists (delivery, restrictions, days, languages, ...) and their words
seed_files.py  reads and checks the files in seed/ (vocabulary, demo catalogue, personas):
               the one module that reads seed/
seeding.py     writes the vocabulary and a catalogue read from those files into the database
changes.py     the change log: an entry for each service, organisation, place or need a
               transaction changed, written as it commits (session events), which every
               host's search index follows (latest, since)
commands.py    seed
"""
