"""Steps shared by the browser tests."""


def log_in(page, url: str, username: str, password: str = "mat-khau-2025") -> None:
    page.goto(f"{url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.primary")
    page.wait_for_selector("#unit-name")


def entry_field(page, code: str):
    """The entry form's field of an indicator (fields are named by the indicator's name, for
    screen readers; tests find them by code)."""
    return page.locator(f"#entry-form input[data-code='{code}']").first
