"""Staff pages: consent records (per customer, per version) and their CSV export;
the retention rules' next run and their history; the audit trail and its CSV export.

Looking at a person's consents, and exporting any, is recorded in the
audit trail.
"""

import json

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.utils import timezone
from django.views import generic

from oscar_privacy import audit
from oscar_privacy.csvfiles import csv_response
from oscar_privacy.exceptions import RetentionRuleError
from oscar_privacy.models import (
    AuditEvent,
    ConsentAction,
    ConsentRecord,
    PolicyVersion,
    RetentionRun,
)
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.rules import get_rules

from .forms import AuditFilterForm, ConsentFilterForm

EXPORT_COLUMNS = (
    "created_at",
    "user_id",
    "email",
    "purpose",
    "action",
    "document",
    "version",
    "version_sha256",
    "channel",
    "order_number",
    "network",
)


class FilteredMixin:
    """A list filtered by ``filter_form_class`` from the query string; nothing if it is invalid."""

    filter_form_class = None

    def base_queryset(self):
        raise NotImplementedError

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = self.filter_form_class(self.request.GET or None)
        return self._filter_form

    def get_queryset(self):
        form = self.get_filter_form()
        queryset = self.base_queryset()
        if not form.is_bound:
            return queryset
        if not form.is_valid():
            return queryset.none()
        return form.filter(queryset)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.get_filter_form()
        ctx["query_string"] = self.request.GET.urlencode()
        return ctx


def _csv_response(rows, name):
    """``rows`` (lists of cells) streamed as a CSV attachment ``<name>-<date>.csv``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(rows, f"{name}-{stamp}.csv")


class FilteredConsentsMixin(FilteredMixin):
    filter_form_class = ConsentFilterForm

    def base_queryset(self):
        return ConsentRecord.objects.select_related("user", "version")


class ConsentListView(FilteredConsentsMixin, generic.ListView):
    template_name = "oscar_privacy/dashboard/consent_list.html"
    context_object_name = "consents"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        form = self.get_filter_form()
        if form.subject() or form.applied().get("email"):
            audit.record_read(
                "consents.viewed",
                request=request,
                subject=form.subject(),
                data={"filters": form.applied()},
            )
        return response


class ConsentExportView(FilteredConsentsMixin, generic.View):
    """The filtered records as CSV, streamed: memory stays flat for any count."""

    def get(self, request, *args, **kwargs):
        form = self.get_filter_form()
        queryset = self.get_queryset().order_by("pk")
        audit.record(
            "consents.exported",
            request=request,
            subject=form.subject(),
            data={"filters": form.applied()},
        )
        return _csv_response(_rows(queryset), "consents")


def _rows(queryset):
    yield EXPORT_COLUMNS
    for record in queryset.iterator(chunk_size=2000):
        version = record.version
        yield (
            record.created_at.isoformat(),
            record.user_id or "",
            record.email,
            record.purpose,
            record.action,
            version.kind if version else "",
            version.number if version else "",
            version.sha256 if version else "",
            record.channel,
            record.order_number,
            record.network,
        )


class PolicyVersionListView(generic.ListView):
    template_name = "oscar_privacy/dashboard/version_list.html"
    context_object_name = "versions"

    def get_queryset(self):
        return PolicyVersion.objects.annotate(
            acceptances=Count("consents", filter=Q(consents__action=ConsentAction.GIVEN))
        ).order_by("kind", "-number")


class RetentionView(generic.ListView):
    """The retention rules: what a run would change now, and the log of past runs.

    Not audited: the page shows rule names and numbers of rows, no personal
    data. The preview is a dry run that writes no :class:`RetentionRun` row;
    it counts in batches for at most ``preview_max_seconds``, on the first
    page of the history only. The page changes nothing: the command, run by
    cron, applies the rules.
    """

    template_name = "oscar_privacy/dashboard/retention.html"
    context_object_name = "runs"
    paginate_by = 50
    preview_max_seconds = 5

    def get_queryset(self):
        return RetentionRun.objects.order_by("-started_at", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["preview_max_seconds"] = self.preview_max_seconds
        try:
            rules = get_rules()
        except RetentionRuleError as exc:
            ctx["rules_error"] = str(exc)
            return ctx
        page = ctx.get("page_obj")
        if page is None or page.number == 1:
            ctx["preview_at"] = timezone.now()
            ctx["preview"] = self.get_preview(rules, ctx["preview_at"])
        return ctx

    def get_preview(self, rules, now):
        """``[{rule, automated, counts: [(label, name, rows)], total, stopped_early}]``."""
        results = apply_rules(
            dry_run=True, log=False, max_seconds=self.preview_max_seconds, now=now
        )
        return [
            {
                "rule": rules[result.rule],
                "automated": result.automated,
                "counts": [
                    (label, _model_name(label), rows)
                    for label, rows in sorted(result.counts.items())
                ],
                "total": result.total,
                "stopped_early": result.stopped_early,
            }
            for result in results
        ]


def _model_name(label):
    """``"order.Order"`` gives the model's verbose plural name (active language)."""
    try:
        return apps.get_model(label)._meta.verbose_name_plural
    except (LookupError, ValueError):
        return label


AUDIT_EXPORT_COLUMNS = (
    "created_at",
    "kind",
    "action",
    "actor_id",
    "actor_label",
    "subject_id",
    "target_type",
    "target_id",
    "reason",
    "path",
    "data",
)


class FilteredAuditMixin(FilteredMixin):
    filter_form_class = AuditFilterForm

    def base_queryset(self):
        return AuditEvent.objects.select_related("subject")


class AuditListView(FilteredAuditMixin, generic.ListView):
    """The audit trail, newest first, filtered; looking at it is itself recorded."""

    template_name = "oscar_privacy/dashboard/audit_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        # Rendered first, so that the page does not list its own visit.
        response = super().get(request, *args, **kwargs).render()
        form = self.get_filter_form()
        audit.record_read(
            "audit.viewed",
            request=request,
            subject=form.subject(),
            data={"filters": form.applied()},
        )
        return response


class AuditExportView(FilteredAuditMixin, generic.View):
    """The filtered events as CSV, streamed, oldest first."""

    def get(self, request, *args, **kwargs):
        form = self.get_filter_form()
        event = audit.record(
            "audit.exported",
            request=request,
            subject=form.subject(),
            data={"filters": form.applied()},
        )
        # The events up to the export's own record, which it does not list.
        queryset = self.get_queryset().select_related(None).filter(pk__lt=event.pk).order_by("pk")
        return _csv_response(_audit_rows(queryset), "audit")


def _audit_rows(queryset):
    yield AUDIT_EXPORT_COLUMNS
    for event in queryset.iterator(chunk_size=2000):
        yield (
            event.created_at.isoformat(),
            event.kind,
            event.action,
            event.actor_id or "",
            event.actor_label,
            event.subject_id or "",
            event.target_type,
            event.target_id,
            event.reason,
            event.path,
            json.dumps(event.data, sort_keys=True, cls=DjangoJSONEncoder) if event.data else "",
        )
