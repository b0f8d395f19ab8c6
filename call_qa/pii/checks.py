"""Identifiers checked the way the registries check them, with maintained libraries.

- **NIK** (``stdnum.id.nik``): 16 digits PPRRSS DDMMYY XXXX — the birth date (day + 40
  for women) must be a real date and the first four digits a registered regency
  (python-stdnum's table of Indonesian regions); the serial 0000 is never issued, so
  it is refused here on top of stdnum.
- **NPWP** (``stdnum.id.npwp``): 15 digits (or 16 with a leading 0) with the check digit
  over the first 8 — or, since 2024, the holder's 16-digit NIK.
- **phone numbers** (``phonenumbers``, Google's libphonenumber metadata): Indonesian
  numbers written nationally (08…, 021…) or internationally (62…, +62…), and any
  country's number said with "+".

A check is *confidence*, never a gate: recognition drops, doubles and mishears digits,
so a number near its cue with the right length is redacted even when its check fails
(call_qa/pii/detect.py, ``classify_identifier``).
"""

from __future__ import annotations

import phonenumbers
from stdnum.id import nik as stdnum_nik
from stdnum.id import npwp as stdnum_npwp


def nik_valid(digits: str) -> bool:
    """A NIK whose birth date and region check out (and whose serial is not 0000)."""
    return len(digits) == 16 and digits.isdigit() and digits[12:] != "0000" and stdnum_nik.is_valid(digits)


def npwp_valid(digits: str) -> bool:
    """An NPWP whose check digit (or NIK form) checks out."""
    return len(digits) in (15, 16) and digits.isdigit() and stdnum_npwp.is_valid(digits)


def phone_valid(digits: str, plus: bool = False) -> bool:
    """A phone number libphonenumber knows: national or international Indonesian
    (region ID), or any country's with a leading "+"."""
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        return False
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, None if plus else "ID")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)
