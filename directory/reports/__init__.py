"""Reports for managers and commissioners: where support is missing, what referrals
achieve, who is left out, and which listings need attention.

queries.py      every report's numbers, from the database (the one place they are counted); the
                reports of one period made and hidden together, held per state of the data
tables.py       a report's period and tables; CSV and JSON of exactly the tables shown
suppression.py  the one rule hiding small numbers about people, and totals that give them away
charts.py       bar charts as server-drawn SVG
commands.py     `flask --app wsgi report NAME [--from DATE] [--to DATE] [--format ...]`
"""
