"""Apply the retention rules: the engine behind ``manage.py privacy_retention``.

For each rule, each of its steps (:mod:`.handlers`) is walked in primary-key
batches. A batch is one transaction: its rows are selected again, still
eligible, with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL; other
databases ignore the lock), and only those are changed, in set-based
statements. So two runs at once share the work without doing it twice, a
run killed at any moment is finished by the next one, and a row that stopped
being eligible meanwhile (an order placed, a basket touched) is left alone.

Each rule writes one :class:`~oscar_privacy.models.RetentionRun` row, unless
the caller asks for none (the dashboard's preview: a dry run that is not a run).
Its counts are saved with every batch that changes rows, in the batch's
transaction: the row of a killed run tells what that run did.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..exceptions import RetentionRuleError
from .handlers import Context, steps_for
from .keys import keys_in
from .rules import get_rules

DEFAULT_BATCH_SIZE = 1000


@dataclass
class RuleResult:
    """What one rule did (or, in a dry run, would do)."""

    rule: str
    automated: bool
    counts: dict = field(default_factory=dict)
    stopped_early: bool = False
    batches: int = 0
    run_id: int | None = None

    @property
    def total(self):
        return sum(self.counts.values())

    def add(self, counts):
        for label, rows in counts.items():
            if rows:
                self.counts[label] = self.counts.get(label, 0) + rows

    def as_dict(self):
        return {
            "rule": self.rule,
            "automated": self.automated,
            "counts": dict(sorted(self.counts.items())),
            "total": self.total,
            "stopped_early": self.stopped_early,
            "batches": self.batches,
            "run_id": self.run_id,
        }


def select_rules(names=None):
    """``[Rule]`` to apply: all of them, or those named; raises :class:`RetentionRuleError`.

    Validates every rule first, so a configuration mistake stops the run
    before anything changes.
    """
    rules = get_rules()
    if not names:
        return list(rules.values())
    unknown = [name for name in names if name not in rules]
    if unknown:
        raise RetentionRuleError(
            f"Unknown retention rule {', '.join(map(repr, unknown))}; known rules: "
            f"{', '.join(sorted(rules))}."
        )
    return [rules[name] for name in dict.fromkeys(names)]


def apply_rules(
    names=None,
    *,
    dry_run=False,
    batch_size=DEFAULT_BATCH_SIZE,
    max_seconds=None,
    now=None,
    progress=None,
    log=True,
):
    """Apply the retention rules (all, or those ``names``); ``[RuleResult]``.

    ``max_seconds`` stops the run between batches once that much time has
    passed, leaving the rest to the next run. ``progress(result, step,
    counts)`` is called after each batch. ``log=False`` writes no
    :class:`~oscar_privacy.models.RetentionRun` row; only a dry run may skip
    the log, so a change is always on record.
    """
    from ..models import RetentionRun

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    if not log and not dry_run:
        raise ValueError("Only a dry run may skip the log.")
    rules = select_rules(names)
    ctx = Context(now or timezone.now(), {rule.name: rule for rule in rules}, dry_run)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    results = []
    for rule in rules:
        steps = steps_for(rule)
        result = RuleResult(rule.name, automated=steps is not None)
        results.append(result)
        if steps is None:
            continue
        run = RetentionRun.objects.create(rule=rule.name, dry_run=dry_run) if log else None
        result.run_id = run.pk if run else None
        for step in steps:
            if not _run_step(step, ctx, result, batch_size, deadline, progress):
                result.stopped_early = True
                break
        if run is not None:
            RetentionRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(),
                counts=dict(sorted(result.counts.items())),
                stopped_early=result.stopped_early,
            )
    return results


def _out_of_time(deadline):
    return deadline is not None and time.monotonic() >= deadline


def _run_step(step, ctx, result, batch_size, deadline, progress):
    """Walk ``step`` to its end; ``False`` if time ran out with rows left."""
    if getattr(step, "own_batches", False):
        while True:
            if _out_of_time(deadline) and step.eligible(ctx).exists():
                return False
            with transaction.atomic():
                counts, done = step.run_batch(ctx)
                if not ctx.dry_run:
                    _log_batch(result, counts)
            if any(counts.values()):
                _record(result, step, counts, progress)
            if done:
                return True
    last = None
    while True:
        eligible = step.eligible(ctx)
        if last is not None:
            eligible = eligible.filter(pk__gt=last)
        pks = list(eligible.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return True
        if _out_of_time(deadline):
            return False
        last = pks[-1]
        if ctx.dry_run:
            counts = step.count(ctx, step.eligible(ctx).filter(keys_in(step.model, "pk", pks)))
        else:
            with transaction.atomic():
                locked = list(
                    step.eligible(ctx)
                    .filter(keys_in(step.model, "pk", pks))
                    .select_for_update(skip_locked=True, of=("self",))
                    .values_list("pk", flat=True)
                )
                # Rows missing here are held by another run or are no longer eligible.
                counts = (
                    step.apply(
                        ctx, step.model._default_manager.filter(keys_in(step.model, "pk", locked))
                    )
                    if locked
                    else {}
                )
                _log_batch(result, counts)
        _record(result, step, counts, progress)


def _log_batch(result, counts):
    """Save the run's counts so far in the batch's own transaction.

    So the log row of a run killed half-way says what its committed batches
    changed, no more, no less. One query, only for a batch that changed rows.
    """
    if result.run_id is None or not any(counts.values()):
        return
    from ..models import RetentionRun

    so_far = dict(result.counts)
    for label, rows in counts.items():
        if rows:
            so_far[label] = so_far.get(label, 0) + rows
    RetentionRun.objects.filter(pk=result.run_id).update(counts=dict(sorted(so_far.items())))


def _record(result, step, counts, progress):
    result.batches += 1
    result.add(counts)
    if progress is not None:
        progress(result, step, counts)
