"""What link workers do with suggestions: shortlists for a person, and feedback on how a
suggested service worked out.

shortlists.py  services picked out for someone, under a label the link worker chooses
feedback.py    used, unsuitable or no reply, counted per service to flag listings for review
"""
