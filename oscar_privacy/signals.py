"""Signals others can react to. Each is documented where it is declared
and again in ``docs/signals.rst``."""

from django.dispatch import Signal

# Sent after an audit event is stored.
# Arguments: sender (the AuditEvent class), event (the AuditEvent instance).
audit_event_recorded = Signal()

# Sent after an editor's publication froze a new policy version.
# Arguments: sender (the PolicyVersion class), version (the PolicyVersion).
policy_version_published = Signal()

# Sent after consent records are stored (one call per form submission).
# Arguments: sender (the ConsentRecord class), records (list of ConsentRecord),
# request (the HttpRequest, or None outside a request).
consent_recorded = Signal()

# Sent after a person's data export is built and stored, ready to download.
# Arguments: sender (the DataExport class), export (the DataExport).
export_ready = Signal()

# Sent after an account is closed (inside the closing transaction: use
# transaction.on_commit for work outside the database).
# Arguments: sender (the AccountClosure class), closure (the AccountClosure),
# user (the closed account), email (its registered address before closure,
# so a newsletter or an email provider's list can drop it).
account_closed = Signal()

# Sent after a customer changed their own email address from My Account (inside
# the transaction that changed it: use transaction.on_commit for work outside
# the database).
# Arguments: sender (the user model), user (the account), old_email, new_email,
# verified (True when the new address confirmed it by following the link
# emailed to it; False for Oscar's immediate change, with
# OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION off), request (the HttpRequest).
account_email_changed = Signal()

# Sent after a privacy request is received (an account recovery request, for
# instance), inside the transaction that stored it.
# Arguments: sender (the PrivacyRequest class), privacy_request (the
# PrivacyRequest), request (the HttpRequest, or None).
privacy_request_received = Signal()

# Sent after staff decided a privacy request (the decision and its reason are
# on the PrivacyRequest).
# Arguments: sender (the PrivacyRequest class), privacy_request (the
# PrivacyRequest), request (the HttpRequest, or None).
privacy_request_decided = Signal()

# Sent while the privacy panel of a customer's page in Oscar's dashboard is
# built, so that another app (the newsletter, a shop's own) shows its rows.
# Arguments: sender (the PrivacyPanel class), customer (the account).
# Each receiver returns a list of (label, text) pairs, one table row each;
# both are escaped when shown.
customer_panel_rows = Signal()
