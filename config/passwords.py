"""The password hasher: Argon2id at OWASP's recommended minimum (19 MiB of memory, 2 passes,
1 lane), OWASP's first choice for password storage.

Django's default, PBKDF2-SHA256 with 1,000,000 iterations, cost about 0.35 s of CPU per login
on the 2-core server (2 s while the machine was loaded), so the first hour of the deadline day
(hundreds of officers logging in) was spent hashing: `make load-cpu` showed the login at 1.6 s,
almost all in `pbkdf2_hmac`. Argon2id with these parameters takes about a tenth of that and,
being memory-hard, costs an attacker with GPUs more than PBKDF2 does per guess. 19 MiB per
login in progress keeps memory bounded with many threads (Django's own Argon2 defaults take
100 MiB and 8 lanes).

Existing PBKDF2 hashes are still accepted (the next entries of PASSWORD_HASHERS) and Django
rehashes each with Argon2id at its next successful login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
