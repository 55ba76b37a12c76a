"""Password hashing: Argon2id at the OWASP Password Storage Cheat Sheet's recommended minimum.

19 MiB of memory, 2 iterations, 1 lane: about 30 ms a sign-in on this project's 2-core machine,
against about 320 ms for Django 5.2's default PBKDF2 (1,000,000 iterations), which alone kept the
sign-in above 600 ms at 4 concurrent clients (docs/performance.md). Memory-hard hashing resists
GPU guessing better than PBKDF2 at a fraction of the CPU. Older hashes still verify (PBKDF2 stays in
PASSWORD_HASHERS) and are rewritten with these settings at the user's next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
