"""The monthly cycle: the entry sheet and its checks, the one writer of results (`recording`),
the review of a month (submit, approve, return, unlock) and loading results from files."""
