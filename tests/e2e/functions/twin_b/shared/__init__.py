"""A package named like the reference system's shared code, different in each twin."""

NAME = "twin_b"
