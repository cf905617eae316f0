"""Imported by Python at start-up in subprocesses of the test session (tests/cheap_kdf.py puts
this folder on PYTHONPATH): cheap Argon2 parameters there too. Never installed with the app."""

from tests.cheap_kdf import use_cheap_parameters

use_cheap_parameters()
