"""Benchmarks, run on demand and never in `make test`: the national dataset and its timings
(`national.py`, behind `manage.py bench`), the member register at scale (`members.py`, behind
`manage.py bench_members`), and the scripts `entry.py`, `legacy_import.py`, `tree.py` (make
targets). The management commands stay in their apps (Django finds commands there) as thin
shells over these modules."""
