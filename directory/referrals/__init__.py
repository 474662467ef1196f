"""What link workers do with suggestions: shortlists for a person, and feedback on how a
suggested service worked out.

shortlists.py  services picked out for someone, under a label the link worker chooses
feedback.py    used, unsuitable or no reply, counted per service to flag listings for review
status.py      the one table of a referral's status steps, who may take them, FHIR Task.status
referring.py   refer a case to a service; status changes, follow-up dates, the provider's view
               and signed link; referrals_json for the case API
responsiveness.py  median days to first reply and share accepted, per service/organisation
reminders.py   the link workers' daily digest of what is due (sent by send-reminders)
fhir.py        a referral as a FHIR R4 ServiceRequest and Task
cases.py       (minimal here) a link worker's own case, and the access log
"""
