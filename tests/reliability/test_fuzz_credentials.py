"""Fuzzing the credential parsers (issue 10, item 7): issuer cards, status lists, Open Badge
JWTs, QR text and verification codes, from a stranger, answer with a result or a TrainerError
(one line for the person), never another exception.

Each test starts from a genuine artifact of a demo organization and changes it where a parser
looks: any field replaced by any JSON value (NaN, Infinity, 1e400, 5000-digit integers, 5000-deep
nesting, control characters), fields removed, bytes flipped, or plain random text."""

from __future__ import annotations

import base64
import copy
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.fuzzing import fuzz
from trainer.cli import main
from trainer.core import qr_code
from trainer.core.db import Database, open_database
from trainer.core.demo_people import DEMO_SIGNING_PASSPHRASE
from trainer.core.errors import TrainerError
from trainer.core.issuer_cards import read_card
from trainer.core.open_badges import badge_token_claims, normalize_code
from trainer.core.paths import AppPaths
from trainer.core.services import trust, verification
from trainer.core.signing import parse_json, read_token
from trainer.core.status_lists import decode_status_list, read_status_list
from trainer.core.verify import Evidence, Report, StatusAnswer, TrustedKeyInfo, verify

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Genuine:
    """One organization's real artifacts, and its database for verify_text."""

    db: Database
    organization_id: int
    card: str
    status_lines: list[str]
    badge: str
    qr: str
    code: str


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Genuine]:
    folder = tmp_path_factory.mktemp("fuzz") / "demo"
    card, status = folder.parent / "card.json", folder.parent / "status.txt"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CVI_TRAINER_PASSWORD", "demo-manager-pass")
        env.setenv("CVI_TRAINER_SIGNING_PASSPHRASE", DEMO_SIGNING_PASSPHRASE)
        assert main(["seed-demo", "--data-dir", str(folder)]) == 0
        common = ["--as", "manager", "--data-dir", str(folder)]
        assert main(["keys", "card", "-o", str(card), *common]) == 0
        assert main(["status", "export", "-o", str(status), *common]) == 0
    con = sqlite3.connect(folder / "cvi-trainer.sqlite3")
    badge, qr, code, org_id = con.execute(
        "SELECT badge_jwt, qr_token, code, organization_id FROM credential WHERE id = 4"
    ).fetchone()  # a revoked one: the status list marks it
    con.close()
    db = open_database(AppPaths(folder))
    yield Genuine(
        db, org_id, card.read_text(), status.read_text().split(), badge, qr, code
    )  # fmt: skip
    db.dispose()


def survives(parse: Callable[[], object]) -> object:
    """Run a parser on hostile input: a result, or None for a TrainerError; anything else fails."""
    try:
        return parse()
    except TrainerError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip()
        return None


# --- hostile JSON -------------------------------------------------------------------------------

# Values json.dumps cannot write, spliced into the text afterwards.
_RAW = {
    "deep": "[" * 5000 + "]" * 5000,
    "deep-objects": '{"a":' * 40 + "1" + "}" * 40,
    "huge-int": "9" * 5000,
    "huge-float": "1e400",
    "tiny-float": "-1e400",
}
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["\x1b[2J", "\u202e", "urn:uuid:", "2026-03-02T09:00:00Z", "u", "0", "-1"]),
    st.sampled_from([f"__RAW_{name}__" for name in _RAW]),
)
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def dumps(value: Any) -> str:
    text = json.dumps(value, allow_nan=True)
    for name, raw in _RAW.items():
        text = text.replace(f'"__RAW_{name}__"', raw)
    return text


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, original: Any) -> Any:
    """`original` with one to three of its fields replaced by hostile values or removed."""
    value = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(value))))
        if not path:
            value = draw(json_values)
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return value


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return parse_json(base64.urlsafe_b64decode(header + "==")), parse_json(
        base64.urlsafe_b64decode(payload + "==")
    ), signature  # fmt: skip


@st.composite
def hostile_tokens(draw: st.DrawFn, original: str) -> str:
    """A compact JWS with a hostile payload and, sometimes, a hostile header."""
    header, payload, signature = _segments(original)
    new_payload = dumps(draw(mutated(payload)))
    new_header = dumps(draw(mutated(header))) if draw(st.booleans()) else json.dumps(header)
    return f"{_b64(new_header)}.{_b64(new_payload)}.{signature}"


def flipped(original: str) -> st.SearchStrategy[str]:
    """`original` with a few characters replaced, inserted or removed."""

    @st.composite
    def edit(draw: st.DrawFn) -> str:
        text = original
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            kind = draw(st.sampled_from(["replace", "insert", "delete"]))
            piece = draw(st.text(min_size=1, max_size=3))
            if kind == "insert":
                text = text[:at] + piece + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + 1 :]
            else:
                text = text[:at] + piece + text[at + 1 :]
        return text

    return edit()


# --- issuer cards -------------------------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_fuzz_issuer_card_fields(genuine: Genuine, data: st.DataObject) -> None:
    card = data.draw(mutated(json.loads(genuine.card)))
    survives(lambda: read_card(dumps(card)))
    survives(lambda: trust.card_in(dumps(card)))


@fuzz
@given(text=st.text(max_size=300) | st.binary(max_size=300))
def test_fuzz_issuer_card_garbage(text: str | bytes) -> None:
    survives(lambda: read_card(text))


@fuzz
@given(data=st.data())
def test_fuzz_issuer_card_bytes_flipped(genuine: Genuine, data: st.DataObject) -> None:
    result = survives(lambda: read_card(data.draw(flipped(genuine.card))))
    assert result is None or result == read_card(genuine.card)  # whitespace edits only


# --- status lists -------------------------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_fuzz_status_list_fields(genuine: Genuine, data: st.DataObject) -> None:
    line = data.draw(st.sampled_from(genuine.status_lines))
    token_text = data.draw(hostile_tokens(line))

    def read() -> object:
        status = read_status_list(read_token(token_text, "The status list"))
        for index in (0, 3, 131071):
            status.mark(index)
        return status

    survives(read)


@fuzz
@given(encoded=st.text(max_size=200) | st.from_regex(r"u[A-Za-z0-9_-]{0,200}", fullmatch=True))
def test_fuzz_status_list_bitstring(encoded: str) -> None:
    survives(lambda: decode_status_list(encoded))


# --- Open Badge JWTs ----------------------------------------------------------------------------


def _stub_keys(genuine: Genuine) -> Callable[[str, str], list[TrustedKeyInfo]]:
    card = read_card(genuine.card)
    info = TrustedKeyInfo(card.active, card.issuer, card.name, own=False)
    return lambda issuer, kid: [info] if issuer == card.issuer else []


def _verify(genuine: Genuine, text: str, source: str) -> Report:
    report = verify(
        Evidence(text, source),
        find_keys=_stub_keys(genuine),
        status_of=lambda claims, own: StatusAnswer(checked=False, source="not checked (fuzz)"),
        now=NOW,
    )
    assert isinstance(report, Report)
    return report


@fuzz
@given(data=st.data())
def test_fuzz_jwt_headers_and_payloads(genuine: Genuine, data: st.DataObject) -> None:
    token_text = data.draw(hostile_tokens(genuine.badge))
    token = survives(lambda: read_token(token_text))
    if token is not None:
        survives(lambda: badge_token_claims(token))  # type: ignore[arg-type]
    report = survives(lambda: _verify(genuine, token_text, "Open Badge (VC-JWT)"))
    assert report is None or report.verdict != "verified"  # the signature covers the payload


@fuzz
@given(
    text=st.text(max_size=200)
    | st.from_regex(
        r"[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,90}", fullmatch=True
    )
)
def test_fuzz_jwt_garbage(genuine: Genuine, text: str) -> None:
    survives(lambda: read_token(text))
    survives(lambda: _verify(genuine, text, "Open Badge (VC-JWT)"))


# --- QR text and verification codes -------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_fuzz_qr_text_flipped(genuine: Genuine, data: st.DataObject) -> None:
    text = data.draw(flipped(genuine.qr))
    survives(lambda: qr_code.parse(text))
    report = survives(lambda: _verify(genuine, text, "QR code"))
    if text != genuine.qr and report is not None:
        assert report.verdict != "verified" or qr_code.parse(text).fields == (
            qr_code.parse(genuine.qr).fields
        )  # only scanner line breaks at either end may differ


@fuzz
@given(
    text=st.text(max_size=300)
    | st.from_regex(r"CVI[0-9]{1,8}:[A-Z0-9:%]{0,300}", fullmatch=True)
    | st.builds(lambda tail: "CVI1:" + ":".join(tail), st.lists(st.text(max_size=30), max_size=14))
)
def test_fuzz_qr_text_garbage(genuine: Genuine, text: str) -> None:
    survives(lambda: qr_code.parse(text))
    survives(lambda: _verify(genuine, text, "QR code"))


@fuzz
@given(
    data=st.data(),
    text=st.text(max_size=60)
    | st.from_regex(r"[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}", fullmatch=True),
)
def test_fuzz_verification_codes_and_pasted_text(
    genuine: Genuine, data: st.DataObject, text: str
) -> None:
    """What `cvi-trainer verify TEXT` and the Verify screen's text box do with anything typed."""
    choice = data.draw(
        st.sampled_from(["as drawn", "code edited", "qr edited", "badge edited"])
    )  # fmt: skip
    if choice == "code edited":
        text = data.draw(flipped(genuine.code))
    elif choice == "qr edited":
        text = data.draw(flipped(genuine.qr))
    elif choice == "badge edited":
        text = data.draw(flipped(genuine.badge))
    survives(lambda: normalize_code(text))
    with genuine.db.begin() as session:
        survives(lambda: verification.verify_text(session, genuine.organization_id, text, now=NOW))


def test_the_genuine_artifacts_pass(genuine: Genuine) -> None:
    """The fuzz tests start from the real thing: it must read cleanly, or they prove nothing."""
    assert read_card(genuine.card).name
    assert len(genuine.status_lines) == 2
    for line in genuine.status_lines:
        read_status_list(read_token(line))
    assert _verify(genuine, genuine.badge, "Open Badge (VC-JWT)").verdict == "verified"
    assert _verify(genuine, genuine.qr, "QR code").verdict == "verified"
    with genuine.db.begin() as session:
        report = verification.verify_text(session, genuine.organization_id, genuine.code, now=NOW)
    assert report.verdict == "revoked"


def test_the_fuzz_examples_reach_past_the_first_check(genuine: Genuine) -> None:
    """A mutated token whose only change is a hostile date still parses up to the date."""
    header, payload, signature = _segments(genuine.badge)
    payload["nbf"] = "__RAW_huge-float__"
    text = f"{_b64(json.dumps(header))}.{_b64(dumps(payload))}.{signature}"
    assert survives(lambda: read_token(text)) is None
    payload["nbf"] = 1e300
    text = f"{_b64(json.dumps(header))}.{_b64(dumps(payload))}.{signature}"
    assert survives(lambda: badge_token_claims(read_token(text))) is None
    assert _verify(genuine, text, "Open Badge (VC-JWT)").verdict == "not_verified"
