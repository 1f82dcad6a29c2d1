"""A retention run in a process of its own, for tests/test_retention_kill.py.

    python -m tests.retention_worker RULE [RULE ...] [--batch-size N]
        [--wait-for-go] [--hold-in-batch K]

Runs :func:`~oscar_privacy.retention.apply.apply_rules` as the command does,
against the database of ``DATABASE_URL``, and prints one line per event on
stdout, flushed at once, for the test to act on:

- ``ready``: set up; with ``--wait-for-go`` it then waits for a line on stdin;
- ``committed RULE BATCH``: a batch of RULE was committed;
- ``holding RULE K``: with ``--hold-in-batch K``, inside the K-th batch that
  changes rows (of the whole run), after its changes and before its commit.
  It waits there, rows locked, for a line on stdin (or to be killed);
- ``done JSON``: the results, as ``--report json`` gives them.
"""

import argparse
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rules", nargs="+")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--wait-for-go", action="store_true")
    parser.add_argument("--hold-in-batch", type=int, default=None)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from oscar_privacy.retention import apply as engine

    def say(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    applied = [0]
    steps_for = engine.steps_for

    def holding_steps_for(rule):
        steps = steps_for(rule)
        for step in steps or ():
            original = step.apply

            def apply(ctx, queryset, original=original, rule=rule):
                counts = original(ctx, queryset)
                if any(counts.values()):
                    applied[0] += 1
                    if applied[0] == options.hold_in_batch:
                        say(f"holding {rule.name} {applied[0]}")
                        sys.stdin.readline()
                return counts

            step.apply = apply
        return steps

    if options.hold_in_batch is not None:
        engine.steps_for = holding_steps_for

    say("ready")
    if options.wait_for_go:
        sys.stdin.readline()
    results = engine.apply_rules(
        options.rules,
        batch_size=options.batch_size,
        progress=lambda result, step, counts: say(f"committed {result.rule} {result.batches}"),
    )
    say("done " + json.dumps([result.as_dict() for result in results]))


if __name__ == "__main__":
    main()
