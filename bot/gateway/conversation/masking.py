"""Masking of personal data in what a citizen typed, before it reaches Rasa, the database or a log line.

Citizens paste their citizen ID, phone number, bank account or e-mail into questions ("CCCD 001090012345 nộp
ở đâu?"). Neither the assistant nor staff need those to guide them, so they are replaced at the gateway's edge.
Receipt codes (000.00.04.H22-250801-0001), procedure codes (1.013225) and amounts (300.000 đồng) stay: the
dialogue answers about them and staff need them to look a file up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CITIZEN_ID = "[CCCD]"
OLD_ID = "[CMND]"
PHONE = "[SĐT]"
EMAIL = "[email]"
BANK_ACCOUNT = "[STK]"
PASSPORT = "[hộ chiếu]"
# Kinds a citizen is told were removed: identity and account numbers are never needed to be guided.
IDENTITY_KINDS = frozenset({CITIZEN_ID, OLD_ID, BANK_ACCOUNT, PASSPORT})

# A number starts where no letter, digit or decimal point is glued to it, and ends the same way.
_START = r"(?<![\w.,+])"
_END = r"(?![\w]|[.,]\d)"
_CURRENCY = r"(?:đồng|đ|vnđ|vnd|triệu|tỷ|tỉ|nghìn|ngàn)(?!\w)"
# One scan, alternatives tried left to right at each position: the "keep" kinds come first, so a receipt
# code or an amount is consumed whole before any masking pattern could bite into its digits.
_PATTERN = re.compile(
    rf"""
    (?P<receipt>\b\d{{3}}\.\d{{2}}\.\d{{2}}\.H\d{{2}}-\d{{6}}-\d{{4}}\b)
  | (?P<amount>{_START}\d[\d.,]*\s?{_CURRENCY})
  | (?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?<!\w)(?P<account_label>(?:số\s+tài\s+khoản|tài\s+khoản|stk|số\s+tk|tk)\s*(?:ngân\s+hàng\s*)?[:.]?\s*)
      (?P<account>\d(?:[ .-]?\d){{5,22}}){_END}
  | {_START}(?P<long_account>\d(?:[ -]?\d){{12,18}}){_END}
  # 12 digits: in one run or space-grouped from any digit; with dots or dashes only from 0 (every CCCD starts
  # with 0, a grouped amount such as 150.000.000.000 never does).
  | {_START}(?P<cccd>\d{{12}}|\d(?:\ \d|\d){{11}}|0(?:[ .-]?\d){{11}}){_END}
  # 0 or +84/84, then 9 digits (mobile, 03x-09x) or 10 (landline 02xx); separators between groups allowed.
  | {_START}(?P<phone>(?:\(?\+84\)?[ .-]?|84[ .-]?|0)[1-9](?:[ .-]?\d){{8,9}}){_END}
  | {_START}(?P<cmnd>\d{{9}}|0\d{{2}}[ .-]\d{{3}}[ .-]\d{{3}}){_END}
  | (?<![\w.-])(?P<passport>[A-Z]{{1,2}}\d{{7}})(?!\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_PLACEHOLDER = {
    "email": EMAIL,
    "account": BANK_ACCOUNT,
    "long_account": BANK_ACCOUNT,
    "cccd": CITIZEN_ID,
    "phone": PHONE,
    "cmnd": OLD_ID,
    "passport": PASSPORT,
}


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: frozenset[str]  # placeholders used, e.g. {"[CCCD]"}

    @property
    def had_identity_number(self) -> bool:
        return bool(self.kinds & IDENTITY_KINDS)


def mask(text: str) -> Masked:
    kinds: set[str] = set()

    def replace(match: re.Match) -> str:
        kind = match.lastgroup
        if kind in ("receipt", "amount"):
            return match.group(0)
        if kind == "account":
            kinds.add(BANK_ACCOUNT)
            return match.group("account_label") + BANK_ACCOUNT
        placeholder = _PLACEHOLDER[kind]
        kinds.add(placeholder)
        return placeholder

    return Masked(_PATTERN.sub(replace, text), frozenset(kinds))


def mask_personal_data(text: str) -> str:
    return mask(text).text
