"""The signed QR payload: what is encoded parses back, and nothing else parses or verifies."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.qr_fixtures import FIELDS, KEY, NAME_60, OTHER_KEY, TITLE_70
from trainer.core import qr_code
from trainer.core.errors import CredentialFormatError
from trainer.core.qr_code import (
    MAX_STATUS_INDEX,
    MAX_TEXT_LENGTH,
    QrFields,
    encode,
    encode_signed,
    kid_matches,
    parse,
    signature_valid,
)

TEXT = encode(FIELDS, KEY.sign_raw, KEY.kid)


def _fields(text: str) -> list[str]:
    return text.split(":")


def _with_part(text: str, index: int, value: str) -> str:
    parts = _fields(text)
    parts[index] = value
    return ":".join(parts)


# --- round trip --------------------------------------------------------------------------------


def test_what_is_encoded_parses_back_and_verifies() -> None:
    payload = parse(TEXT)
    assert payload.fields == FIELDS
    assert payload.text == TEXT
    assert signature_valid(payload, KEY.public_jwk)
    assert kid_matches(payload, KEY.kid)


def test_the_text_starts_with_its_format_version_and_has_eleven_fields() -> None:
    assert TEXT.startswith("CVI1:")
    assert len(_fields(TEXT)) == 11


def test_everything_before_the_name_is_qr_alphanumeric() -> None:
    head = ":".join(_fields(TEXT)[:9])
    assert set(head) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_a_20_character_name_and_30_character_title_fit_in_300_characters() -> None:
    assert len(TEXT) <= 300


def test_a_60_character_name_and_70_character_title_round_trip() -> None:
    fields = dataclasses.replace(FIELDS, holder_name=NAME_60, title=TITLE_70)
    assert parse(encode(fields, KEY.sign_raw, KEY.kid)).fields == fields


def test_a_credential_without_expiry_or_code_round_trips() -> None:
    fields = dataclasses.replace(FIELDS, expires_on=None, code=None, status_index=0)
    text = encode(fields, KEY.sign_raw, KEY.kid)
    assert _fields(text)[4] == "" and _fields(text)[6] == ""
    payload = parse(text)
    assert payload.fields == fields
    assert signature_valid(payload, KEY.public_jwk)


def test_expiry_on_the_issue_day_is_allowed() -> None:
    fields = dataclasses.replace(FIELDS, expires_on=FIELDS.issued_on)
    assert parse(encode(fields, KEY.sign_raw, KEY.kid)).fields == fields


def test_encode_signed_uses_the_keys_raw_signature_and_kid() -> None:
    payload = parse(encode_signed(FIELDS, KEY))
    assert signature_valid(payload, KEY.public_jwk)
    assert kid_matches(payload, KEY.kid)


def test_line_breaks_a_scanner_adds_at_the_ends_are_ignored() -> None:
    assert parse(f"{TEXT}\r\n").fields == FIELDS
    assert parse(f"\n{TEXT}").text == TEXT


def test_ids_are_available_in_full() -> None:
    assert FIELDS.issuer_id == f"urn:uuid:{FIELDS.issuer_uid}"
    assert FIELDS.credential_id == f"urn:uuid:{FIELDS.credential_uuid}"


def test_the_signing_input_carries_the_domain_label_and_full_issuer_id() -> None:
    data = parse(TEXT).signing_input
    assert qr_code.SIGNING_LABEL.encode() in data
    assert FIELDS.issuer_id.encode() in data
    assert FIELDS.holder_name.encode() in data


# --- names people see --------------------------------------------------------------------------

AWKWARD_NAMES = [
    "Ana:María",
    "::::",
    ":",
    "%",
    "100% Juan",
    "%3A",
    "%253A",
    "Zoë Ñoño Þórsson",
    "李小龙",
    "Nguyễn Thị Minh Khai",
    "محمد بن سلمان",
    "O'Brien 😀",
    "line\nbreak",
    "tab\there",
    "nul\x00char",
    "del\x7fchar",
    "c1\x85control",
    "line\u2028separator",
    "para\u2029separator",
    " leading and trailing ",
    "\r\n",
    "\u202eRTL override",
]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_names_and_titles_with_any_characters_round_trip(name: str) -> None:
    fields = dataclasses.replace(FIELDS, holder_name=name, title=f"{name} / {name}")
    text = encode(fields, KEY.sign_raw, KEY.kid)
    assert len(_fields(text)) == 11
    assert not any(ch in text for ch in "\r\n\x00\x85\u2028\u2029")
    payload = parse(text)
    assert payload.fields == fields
    assert signature_valid(payload, KEY.public_jwk)


def test_the_separator_and_percent_are_escaped() -> None:
    fields = dataclasses.replace(FIELDS, holder_name="A:B%C", title="x\ny")
    parts = _fields(encode(fields, KEY.sign_raw, KEY.kid))
    assert parts[9:] == ["A%3AB%25C", "x%0Ay"]


# --- tampering ---------------------------------------------------------------------------------

TAMPERED = {
    "issuer_uid": dataclasses.replace(FIELDS, issuer_uid="5b0e6a4c-3f7d-4e1a-9c2b-8d4f6e0a1b3d"),
    "credential_uuid": dataclasses.replace(
        FIELDS, credential_uuid="c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e50"
    ),
    "holder_name": dataclasses.replace(FIELDS, holder_name="Maria Elena Gonzalex"),
    "title": dataclasses.replace(FIELDS, title="Violence Intervention Worker II"),
    "issued_on": dataclasses.replace(FIELDS, issued_on=FIELDS.issued_on - timedelta(days=1)),
    "expires_on": dataclasses.replace(FIELDS, expires_on=date(2038, 3, 2)),
    "expires_on removed": dataclasses.replace(FIELDS, expires_on=None),
    "status_index": dataclasses.replace(FIELDS, status_index=FIELDS.status_index + 1),
    "code": dataclasses.replace(FIELDS, code="K7QX-2M9P-HT4S"),
    "code removed": dataclasses.replace(FIELDS, code=None),
    "name and title swapped": dataclasses.replace(
        FIELDS, holder_name=FIELDS.title, title=FIELDS.holder_name
    ),
}


def test_every_field_is_tampered_somewhere() -> None:
    changed = {
        f.name
        for fields in TAMPERED.values()
        for f in dataclasses.fields(QrFields)
        if getattr(fields, f.name) != getattr(FIELDS, f.name)
    }
    assert changed == {f.name for f in dataclasses.fields(QrFields)}


@pytest.mark.parametrize("fields", TAMPERED.values(), ids=list(TAMPERED))
def test_a_tampered_field_breaks_the_signature(fields: QrFields) -> None:
    genuine = parse(TEXT)
    forged = dataclasses.replace(genuine, fields=fields)
    assert not signature_valid(forged, KEY.public_jwk)


def test_a_tampered_key_id_breaks_the_signature() -> None:
    genuine = parse(TEXT)
    forged = dataclasses.replace(genuine, kid_prefix=bytes(8))
    assert not signature_valid(forged, KEY.public_jwk)


def test_a_tampered_name_in_the_text_parses_but_does_not_verify() -> None:
    forged = parse(TEXT.replace("Gonzalez", "Gonzalex"))
    assert forged.fields.holder_name == "Maria Elena Gonzalex"
    assert not signature_valid(forged, KEY.public_jwk)


def test_a_signature_moved_to_other_fields_does_not_verify() -> None:
    other = encode(TAMPERED["title"], KEY.sign_raw, KEY.kid)
    moved = _with_part(TEXT, 8, _fields(other)[8])
    assert not signature_valid(parse(moved), KEY.public_jwk)


def test_another_key_neither_matches_nor_verifies() -> None:
    payload = parse(TEXT)
    assert not signature_valid(payload, OTHER_KEY.public_jwk)
    assert not kid_matches(payload, OTHER_KEY.kid)


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {"kty": "RSA", "crv": "P-256", "x": KEY.public_jwk["x"], "y": KEY.public_jwk["y"]},
        {**KEY.public_jwk, "crv": "P-384"},
        {**KEY.public_jwk, "x": "not base64"},
        {**KEY.public_jwk, "y": KEY.public_jwk["x"]},  # not on the curve
        {**KEY.public_jwk, "x": ["a", "list"]},
    ],
)
def test_a_garbled_public_key_does_not_verify(jwk: dict[str, Any]) -> None:
    assert not signature_valid(parse(TEXT), jwk)


@pytest.mark.parametrize(
    "kid",
    ["", "short", "!" * 43, KEY.kid[:-1] + "?"],
    ids=["empty", "short", "punctuation", "one-off"],
)
def test_a_garbled_kid_does_not_match(kid: str) -> None:
    assert not kid_matches(parse(TEXT), kid)


# --- refusing what is not a payload -------------------------------------------------------------

MALFORMED = {
    "empty": ("", "not a CVI Trainer credential"),
    "a URL": ("https://example.org/verify", "not a CVI Trainer credential"),
    "a JWS": ("eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "not a CVI Trainer credential"),
    "lower-case prefix": (TEXT.replace("CVI1:", "cvi1:", 1), "not a CVI Trainer credential"),
    "leading zero version": (TEXT.replace("CVI1:", "CVI01:", 1), "not a CVI Trainer credential"),
    "newer version": (TEXT.replace("CVI1:", "CVI2:", 1), "format version 2"),
    "too long": (TEXT + "x" * MAX_TEXT_LENGTH, "too long"),
    "a field missing": (TEXT.rsplit(":", 1)[0], "10 fields where 11"),
    "a field extra": (TEXT + ":more", "12 fields where 11"),
    "impossible date": (_with_part(TEXT, 3, "20260230"), "issue date is not a valid date"),
    "short date": (_with_part(TEXT, 3, "2026032"), "issue date is not a valid date"),
    "Unicode digits": (_with_part(TEXT, 3, "２０２６０３０２"), "issue date"),
    "year zero": (_with_part(TEXT, 3, "00000101"), "issue date"),
    "bad expiry": (_with_part(TEXT, 4, "2028-3-2"), "expiry date is not a valid date"),
    "expiry first": (_with_part(TEXT, 4, "20260301"), "expiry date is before its issue date"),
    "status leading zero": (_with_part(TEXT, 5, "048213"), "status list index"),
    "status negative": (_with_part(TEXT, 5, "-1"), "status list index"),
    "status empty": (_with_part(TEXT, 5, ""), "status list index"),
    "status too big": (_with_part(TEXT, 5, str(MAX_STATUS_INDEX + 1)), "status list index"),
    "code with dashes": (_with_part(TEXT, 6, "K7QX-2M9P-HT4R"), "verification code"),
    "code lower case": (_with_part(TEXT, 6, "k7qx2m9pht4r"), "verification code"),
    "issuer lower case": (_with_part(TEXT, 1, _fields(TEXT)[1].lower()), "issuer id is garbled"),
    "issuer short": (_with_part(TEXT, 1, _fields(TEXT)[1][:-1]), "issuer id is garbled"),
    "credential base64": (_with_part(TEXT, 2, "wdLj9KW2TH2OnwobLD1OXw"), "credential id"),
    "issuer trailing bits": (
        _with_part(TEXT, 1, _fields(TEXT)[1][:-1] + "7"),
        "issuer id is garbled",
    ),
    "kid padded": (_with_part(TEXT, 7, _fields(TEXT)[7] + "==="), "key id is garbled"),
    "signature short": (_with_part(TEXT, 8, _fields(TEXT)[8][:-8]), "signature is garbled"),
    "empty name": (_with_part(TEXT, 9, ""), "holder name is missing"),
    "empty title": (_with_part(TEXT, 10, ""), "title is missing"),
    "lower-case escape": (_with_part(TEXT, 9, "A%3ab"), "holder name is missing or escaped"),
    "needless escape": (_with_part(TEXT, 9, "%41na"), "holder name is missing or escaped"),
    "lone percent": (_with_part(TEXT, 9, "100%"), "holder name is missing or escaped"),
    "raw line break": (_with_part(TEXT, 10, "a\nb"), "title is missing or escaped"),
    "escaped invalid UTF-8": (_with_part(TEXT, 9, "%C3%28"), "holder name"),
    "lone surrogate": (_with_part(TEXT, 9, "a\ud800b"), "holder name"),
}


@pytest.mark.parametrize(("text", "message"), MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_text_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(CredentialFormatError, match=message) as caught:
        parse(text)
    assert "\n" not in str(caught.value)


def test_text_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(CredentialFormatError):
        parse(b"CVI1:" + TEXT.encode()[5:])  # type: ignore[arg-type]


# --- refusing to encode what parse would not give back -------------------------------------------

BAD_FIELDS = {
    "upper-case uuid": dataclasses.replace(FIELDS, issuer_uid=FIELDS.issuer_uid.upper()),
    "urn uuid": dataclasses.replace(FIELDS, credential_uuid=FIELDS.credential_id),
    "empty name": dataclasses.replace(FIELDS, holder_name=""),
    "surrogate in title": dataclasses.replace(FIELDS, title="a\ud800"),
    "datetime": dataclasses.replace(FIELDS, issued_on=datetime(2026, 3, 2)),
    "expiry first": dataclasses.replace(FIELDS, expires_on=date(2026, 3, 1)),
    "negative status": dataclasses.replace(FIELDS, status_index=-1),
    "bool status": dataclasses.replace(FIELDS, status_index=True),
    "status too big": dataclasses.replace(FIELDS, status_index=MAX_STATUS_INDEX + 1),
    "code format": dataclasses.replace(FIELDS, code="K7QX2M9PHT4R"),
    "too long": dataclasses.replace(FIELDS, title="x" * MAX_TEXT_LENGTH),
}


@pytest.mark.parametrize("fields", BAD_FIELDS.values(), ids=list(BAD_FIELDS))
def test_encode_refuses_fields_that_would_not_round_trip(fields: QrFields) -> None:
    with pytest.raises(ValueError):
        encode(fields, KEY.sign_raw, KEY.kid)


@pytest.mark.parametrize("kid", ["", "kid!", "AAAA"])
def test_encode_refuses_a_kid_that_is_not_a_thumbprint(kid: str) -> None:
    with pytest.raises(ValueError, match="kid"):
        encode(FIELDS, KEY.sign_raw, kid)


def test_encode_refuses_a_der_signature() -> None:
    with pytest.raises(ValueError, match="raw 64-byte"):
        encode(FIELDS, lambda data: b"\x30" + bytes(70), KEY.kid)


# --- properties --------------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@st.composite
def _any_fields(draw: st.DrawFn) -> QrFields:
    issued = draw(st.dates())
    return QrFields(
        issuer_uid=str(draw(st.uuids())),
        credential_uuid=str(draw(st.uuids())),
        holder_name=draw(_text),
        title=draw(_text),
        issued_on=issued,
        expires_on=draw(st.none() | st.dates(min_value=issued)),
        status_index=draw(st.integers(0, MAX_STATUS_INDEX)),
        code=draw(
            st.none() | st.from_regex(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", fullmatch=True)
        ),
    )


@given(_any_fields())
def test_any_fields_round_trip_and_verify(fields: QrFields) -> None:
    payload = parse(encode(fields, KEY.sign_raw, KEY.kid))
    assert payload.fields == fields
    assert signature_valid(payload, KEY.public_jwk)


@given(st.text(max_size=1200) | st.binary(max_size=600).map(lambda b: b.decode("latin-1")))
def test_parse_of_any_text_raises_only_format_errors(text: str) -> None:
    with contextlib.suppress(CredentialFormatError):
        parse(text)


@given(st.text(st.sampled_from("CVI1:%0123456789ABCDEFGHJKMNPQRSTUVWXYZ27a\n"), max_size=400))
def test_parse_of_payload_like_text_raises_only_format_errors(text: str) -> None:
    with contextlib.suppress(CredentialFormatError):
        parse("CVI1:" + text)


_edit_chars = st.characters() | st.sampled_from(":%0123456789ABCDEFZ7\n")


@settings(max_examples=300)
@given(st.data())
def test_a_damaged_code_is_refused_or_does_not_verify(data: st.DataObject) -> None:
    text = TEXT
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        new = "" if edit == "delete" else data.draw(_edit_chars)
        text = text[:at] + new + text[at + (edit != "insert") :]
    try:
        payload = parse(text)
    except CredentialFormatError:
        return
    if payload.text != TEXT:
        assert not signature_valid(payload, KEY.public_jwk)
