"""The second factor in the browser tests: staff who log in type a code from their "app".

A test gives its staff member an authenticator with a key it knows
(``give_authenticator``), logs in through the real login page, and, on the
code page the staff area sends it to, calls :func:`pass_second_factor`.
"""

from tests.staff import code_now, give_authenticator

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

__all__ = ["give_authenticator", "pass_second_factor"]


def pass_second_factor(page, device):
    """Type the code ``device`` shows now on the code page, and go on to the page asked for."""
    form = page.locator("#two_factor_verify_form")
    expect(form).to_be_visible()
    form.get_by_label("My authenticator app").check()
    form.get_by_label("Code", exact=True).fill(code_now(device))
    form.get_by_role("button", name="Verify").click()
