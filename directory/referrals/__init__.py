"""What link workers do with suggestions and cases: shortlists, feedback on how a suggested
service worked out, wellbeing before and after, the person's plan, telling the GP, and
clearing closed cases' personal fields.

shortlists.py     services picked out for someone, under a label the link worker chooses
feedback.py       used, unsuitable or no reply, counted per service to flag listings for review
cases.py          a link worker's cases and the caseload (urgent step-ups first); the specialist
                  team a person is known to; managers' supervision; the access log
status.py         the one table of a referral's status steps, who may take them, FHIR Task.status
referring.py      refer a case to a service; status changes, follow-up dates, the provider's view
                  and signed link; referrals_json for the case API
stepping_up.py    a step-up back to the GP, the PCN's mental health practitioner or a specialist
                  pathway service, with a reason and urgency (the link worker's, never a triage)
service_notes.py  professionals' shared notes on services (what worked, waiting times)
responsiveness.py median days to first reply and share accepted, per service/organisation
reminders.py      the link workers' daily digest of what is due (sent by send-reminders)
fhir.py           a referral as a FHIR R4 ServiceRequest and Task
wellbeing.py      ONS4 and a PCN's own measures (measures.yaml): recording and the change
plans.py          the person's plan and its private link
gp_summary.py     the SNOMED CT codes and the summary for the GP (gp_record.yaml)
retention.py      purge-expired's step: closed cases' personal fields after the retention period
commands.py       adds that step
"""
