"""Figures: the aggregation rules (one class each, `rules`), the engine that measures one unit
and the tables of children, the month and coverage totals they read, completeness, and what the
dashboard, its charts and its workbook show."""
