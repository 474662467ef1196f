"""The site, by audience: each blueprint keeps its views, forms and templates and calls
the features' services; blueprints never import each other.

public/      the public's pages            linkworker/  the link workers' pages
manage/      editors' and managers' pages  auth/        signing in, resets, invitations
api/         the JSON API (search, match)  oruk/        the Open Referral UK API
forms.py     what every form shares        presenters.py  listing facts as phrases
static_files.py  static files under hashed names, compressed, and static_url() for templates
"""
