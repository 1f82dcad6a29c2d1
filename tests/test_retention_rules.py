import datetime

import pytest
from dateutil.relativedelta import relativedelta

from oscar_privacy.exceptions import PrivacyConfigurationError, RetentionRuleError
from oscar_privacy.retention import get_rule, get_rules, parse_period


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("P10Y", relativedelta(years=10)),
        ("P13M", relativedelta(months=13)),
        ("P1Y6M", relativedelta(years=1, months=6)),
        ("P2W", relativedelta(days=14)),
        ("P0D", relativedelta()),
    ],
)
def test_periods(text, delta):
    assert parse_period(text) == delta


@pytest.mark.parametrize("text", ["ten years", "10Y", "P", "P-1Y", "P1.5Y", "", None, 10, "PT5H"])
def test_malformed_periods(text):
    with pytest.raises(RetentionRuleError, match="ISO 8601 period"):
        parse_period(text)


def test_default_rules_have_sources_and_valid_periods():
    rules = get_rules()
    assert rules["accounting_records"].period == "P10Y"
    assert "L123-22" in str(rules["accounting_records"].source)
    assert rules["shop_statistics"].period == "P13M"
    assert rules["customer_account"].period == "P3Y"
    for rule in rules.values():
        assert str(rule.source) and str(rule.description)
        rule.validate()


def test_cutoff_counts_calendar_years_and_months():
    rule = get_rule("accounting_records")
    now = datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert rule.cutoff(now) == datetime.datetime(2016, 2, 28, 12, tzinfo=datetime.UTC)
    months = get_rule("shop_statistics")
    end_of_month = datetime.datetime(2026, 3, 31, tzinfo=datetime.UTC)
    assert months.cutoff(end_of_month) == datetime.datetime(2025, 2, 28, tzinfo=datetime.UTC)


def test_settings_change_and_add_rules(settings):
    settings.OSCAR_PRIVACY_RETENTION = {
        "shop_statistics": {"period": "P25M"},
        "loyalty_cards": {
            "category": "identity",
            "start": "last_activity",
            "period": "P3Y",
            "action": "delete",
            "description": "Loyalty cards",
            "source": "Our choice",
        },
    }
    rules = get_rules()
    assert rules["shop_statistics"].period == "P25M"
    assert rules["shop_statistics"].category == "behaviour"
    assert rules["loyalty_cards"].action == "delete"


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"accounting_records": {"period": "P-10Y"}}, r"\['accounting_records'\]: .*ISO 8601"),
        ({"accounting_records": {"category": "mood"}}, "category 'mood'"),
        ({"accounting_records": {"start": "birthday"}}, "start 'birthday'"),
        ({"accounting_records": {"action": "shred"}}, "action 'shred'"),
        ({"accounting_records": {"periode": "P1Y"}}, "unknown keys: periode"),
        ({"loyalty": {"period": "P1Y"}}, "new rule and needs action, category"),
        ({"loyalty": "P1Y"}, "must be a dict"),
        (["P1Y"], "must be a dict of rule name"),
    ],
)
def test_bad_rules_give_clear_errors(settings, configured, message):
    settings.OSCAR_PRIVACY_RETENTION = configured
    with pytest.raises(RetentionRuleError, match=message):
        get_rules()


def test_unknown_rule():
    with pytest.raises(PrivacyConfigurationError, match="Unknown retention rule 'forever'; known"):
        get_rule("forever")
