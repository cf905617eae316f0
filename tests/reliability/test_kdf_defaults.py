"""The test run hashes with cheap Argon2 parameters (tests/cheap_kdf.py); the app never does. A
Python started without the test session's hook, as a user's is, hashes passwords and encrypts a
signing key with RFC 9106's 64 MiB x 3 passes x 4 lanes, and nothing in the package can lower
them: there is no switch to flip by accident."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

from tests.cheap_kdf import PROJECT_ROOT

STRONG = {"t": 3, "m": 65536, "p": 4}

PROBE = """
import json
from trainer.core import passwords, signing
key = signing.generate_key("correct horse signing")
print(json.dumps([passwords.hash_password("correct horse battery"), json.loads(key.envelope)]))
"""


def test_a_plain_python_hashes_and_encrypts_keys_with_the_strong_parameters() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,  # this checkout's trainer, as the test session imports it
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    password_hash, envelope = json.loads(out.stdout)
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert {k: envelope[k] for k in STRONG} == STRONG


def test_the_cheap_parameters_live_only_in_the_tests() -> None:
    packaged = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    assert not [p for p in packaged if p.split(".")[0] == "tests"]
    mentions = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "trainer").rglob("*.py")
        if "cheap_kdf" in path.read_text(encoding="utf-8")
        or "subprocess_hook" in path.read_text(encoding="utf-8")
    ]
    assert mentions == []
