"""The pages of indicators, one module per page family; each view is thin (the work is in the
cycle, figures and catalogue packages)."""
