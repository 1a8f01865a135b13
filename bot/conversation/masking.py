"""Masking of personal data before anything a citizen typed is stored.

Citizens paste their citizen ID, phone number or e-mail into questions ("CCCD 001090012345 nộp ở đâu?").
Staff never need those to improve the assistant, so they are replaced before the text reaches the database.
Receipt codes (000.00.04.H22-250801-0001) stay: staff need them to look a file up.
"""

from __future__ import annotations

import re

CITIZEN_ID = "[CCCD]"
PHONE = "[SĐT]"
EMAIL = "[email]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 12 digits, typed in one run or in space-separated groups (0010 9001 2345). Dots are not accepted as
# separators: "150.000.000.000 đồng" is an amount of money.
_CITIZEN_ID = re.compile(r"(?<![\w.,])\d(?: ?\d){11}(?![\w.,]\d|\w)")
# 0 or +84/84, then 9 digits (mobile, 03x-09x) or 10 (landline 02xx); separators between groups allowed.
# The look-behind keeps digits inside receipt codes ("...-250801-0001") and longer numbers untouched.
_PHONE = re.compile(r"(?<![\w.+])(?:\(?\+84\)?[ .-]?|84[ .-]?|0)[1-9](?:[ .-]?\d){8,9}(?![\w])")


def mask_personal_data(text: str) -> str:
    # Longest-first: a 12-digit ID starting with 0 must not be half-eaten as a phone number.
    text = _EMAIL.sub(EMAIL, text)
    text = _CITIZEN_ID.sub(CITIZEN_ID, text)
    return _PHONE.sub(PHONE, text)
