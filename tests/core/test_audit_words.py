"""The audit log in words: every action the code records has words, and details read as text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import trainer
from trainer.core.audit_words import ACTION_WORDS, action_words, details_words

ACTION = re.compile(r"[a-z_]+\.[a-z_]+")


def recorded_actions() -> dict[str, str]:
    """action -> where it is recorded, from every audit.record(session, actor, ACTION, ...) in
    trainer/: string literals in the action argument (also inside `a if x else b`), or the values
    of a module-level dict it is looked up in."""
    found: dict[str, str] = {}
    unresolved = []
    for path in Path(trainer.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        dicts = {
            node.targets[0].id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Dict)
            and isinstance(node.targets[0], ast.Name)
        }
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            where = f"{path.name}:{node.lineno}"
            arg = node.args[2]
            if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name):
                arg = dicts.get(arg.value.id, arg)
                strings = [
                    v.value for v in getattr(arg, "values", []) if isinstance(v, ast.Constant)
                ]
            else:
                strings = [
                    c.value
                    for c in ast.walk(arg)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                ]
            actions = [s for s in strings if ACTION.fullmatch(s)]
            if not actions:
                unresolved.append(where)
            found.update(dict.fromkeys(actions, where))
    assert not unresolved, f"audit.record calls whose action this test cannot read: {unresolved}"
    return found


def test_every_recorded_action_has_words() -> None:
    actions = recorded_actions()
    assert len(actions) > 40  # the scan really found the calls
    missing = {a: where for a, where in actions.items() if a not in ACTION_WORDS}
    assert not missing, f"add these actions to trainer/core/audit_words.py: {missing}"


def test_words_are_not_ids() -> None:
    for action, words in ACTION_WORDS.items():
        assert words != action and "." not in words and "_" not in words, action
    assert action_words("sign_in.succeeded") == "Signed in"
    assert action_words("credential.issued") == "Credential issued"


def test_an_unknown_action_reads_as_itself() -> None:
    assert action_words("future.thing") == "future.thing"


def test_details_read_as_key_value_text() -> None:
    text = details_words(
        '{"reason":"unknown username","minutes":15,"signed":true,"roles":["manager","trainee"],'
        '"retired_key":null}'
    )
    assert text == (
        "reason: unknown username; minutes: 15; signed: yes; roles: manager, trainee; "
        "retired key: none"
    )
    assert details_words('{"changes":{"name":["Old","New"]}}') == "changes: (name: Old, New)"
    assert details_words("{}") == ""
    assert details_words("") == ""
    assert details_words("not json") == "not json"
