## Attachments through the mail loop (issue 12): notifications, agents'
## answers, "ticket reply --attach", "message show --raw", "attachment get",
## end to end with smtp-sink and both DKIM verifiers.
TESTS += t/e2e-attach.sh
EXTRA_DIST += t/e2e-attach.sh t/attach-mail.py
