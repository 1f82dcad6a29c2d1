"""Signals others can react to. Each is documented where it is declared
and again in ``docs/signals.rst``."""

from django.dispatch import Signal

# Sent after an audit event is stored.
# Arguments: sender (the AuditEvent class), event (the AuditEvent instance).
audit_event_recorded = Signal()
