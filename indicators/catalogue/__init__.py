"""The catalogue: programs' indicators and their targets, how they are loaded and split among
units, and which indicators are derived from activity records."""
