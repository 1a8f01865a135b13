"""Typed schema of the knowledge base: one national procedure record plus what the department adds.

Field names are English; values keep the national portal's Vietnamese wording so the assistant quotes
exactly what is published. Unknown facts are ``None`` (never a guess), so the assistant can say it has no
verified information.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from knowledge_base.store.national_text import NO_INFO
from knowledge_base.store.short_titles import derive as derive_short_title

CODE_RE = re.compile(r"^\d\.\d{6}$")
RESULT_CODE_RE = re.compile(r"^KQ\.[A-Z0-9]+\.\d+$")
SHORT_TITLE_MAX = 80  # derived titles aim at 70; staff get a little room

LEVEL_MINISTRY = "Cấp bộ"
LEVEL_PROVINCE = "Cấp tỉnh"
LEVEL_COMMUNE = "Cấp xã"
LEVEL_OTHER = "Cơ quan khác"
LEVELS = (LEVEL_MINISTRY, LEVEL_PROVINCE, LEVEL_COMMUNE, LEVEL_OTHER)

Level = Literal["Cấp bộ", "Cấp tỉnh", "Cấp xã", "Cơ quan khác"]
TimeUnit = Literal["working_days", "days", "hours"]
ChannelKind = Literal["in_person", "online", "post"]
FeeKind = Literal["free", "amount", "text", "unknown"]
OnlineLevel = Literal["unknown", "full", "partial"]
# Where a citizen must go. "province_and_commune": the national record lists both levels and the case decides.
HandledAt = Literal["province", "commune", "province_and_commune", "other", "ministry"]


def _check_code(value: str) -> str:
    if not CODE_RE.match(value):
        raise ValueError(f"national code must look like N.NNNNNN, got {value!r}")
    return value


def _no_placeholder(value: str) -> str:
    # The portal writes "Không có thông tin" where a record names no agency: that is not an agency's name.
    return "" if value.strip().casefold() == NO_INFO.casefold() else value


def _check_url(value: str | None) -> str | None:
    if value is None:
        return value
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in value:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


class _Model(BaseModel):
    # Staff edit these files by hand: a misspelt key must be reported, not silently ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TimeLimit(_Model):
    value: float = Field(ge=0)
    unit: TimeUnit


class Fee(_Model):
    kind: FeeKind = "unknown"
    amount_vnd: int | None = None
    text: str = ""  # exactly as published, including the portal's notes in brackets


class Channel(_Model):
    kind: ChannelKind
    time: TimeLimit | None = None
    time_text: str = ""
    fee: Fee = Field(default_factory=Fee)
    note: str = ""
    flags: list[str] = Field(default_factory=list)  # e.g. "suspicious_fee": kept as published but doubtful


class DocumentItem(_Model):
    name: str
    forms: list[str] = Field(default_factory=list)  # file names of the official forms (.docx/.pdf)
    copies: str = ""  # as published, e.g. "1 bản chính, 1 bản sao"


class DocumentGroup(_Model):
    case: str | None = None  # e.g. "(1.1) Đối với công trình không theo tuyến"; None when not split by case
    items: list[DocumentItem] = Field(default_factory=list)


class LegalBasis(_Model):
    title: str
    number: str = ""  # e.g. "175/2024/NĐ-CP"


class FAQ(_Model):
    question: str
    answer: str


class LocalFee(_Model):
    """A fee set by the province (e.g. building-permit fee by the provincial council's resolution)."""

    name: str
    amount_vnd: int | None = None
    text: str = ""
    basis: str = ""  # the resolution it comes from


class Procedure(_Model):
    # --- mirrored from the national record ---
    code: str
    name: str
    # What answers and buttons show (name cut to one phone line): derived at import unless staff set it.
    short_title: str = Field(default="", max_length=SHORT_TITLE_MAX)
    short_title_by_staff: bool = False
    levels: list[Level] = Field(min_length=1)
    field: str = ""
    applicants: list[str] = Field(default_factory=list)
    agency: str = ""
    where_to_file: str | None = None  # extracted from the steps text; None when the steps do not say
    channels: list[Channel] = Field(default_factory=list)
    documents: list[DocumentGroup] = Field(default_factory=list)
    steps: str = ""
    conditions: str | None = None  # None = the portal says "Không có thông tin"
    result: str = ""
    result_code: str | None = None  # the first result's code; some procedures have several results
    result_codes: list[str] = Field(default_factory=list)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    detail_url: str | None = None
    decision_number: str = ""
    procedure_type: str = ""
    competent_authority: str = ""
    receiving_address: str = ""
    authorised_agency: str = ""
    coordinating_agency: str = ""
    related_procedures: str | None = None
    ministry: str = "bo-xay-dung"
    data_date: date | None = None
    # --- added by the department (kept across re-imports) ---
    aliases: list[str] = Field(default_factory=list)
    faqs: list[FAQ] = Field(default_factory=list)
    local_notes: list[str] = Field(default_factory=list)
    local_fees: list[LocalFee] = Field(default_factory=list)
    online_service_level: OnlineLevel = "unknown"
    effective_date: date | None = None
    # --- provenance ---
    unparsed: dict[str, str] = Field(default_factory=dict)  # field -> published text the parser could not read
    raw: dict[str, str] = Field(default_factory=dict)  # published flattened tables, for audit

    @field_validator("code")
    @classmethod
    def _code_format(cls, value: str) -> str:
        return _check_code(value)

    @field_validator("result_code")
    @classmethod
    def _result_code_format(cls, value: str | None) -> str | None:
        if value is not None and not RESULT_CODE_RE.match(value):
            raise ValueError(f"result code must look like KQ.G17.000311, got {value!r}")
        return value

    @field_validator("result_codes")
    @classmethod
    def _result_codes_format(cls, values: list[str]) -> list[str]:
        for value in values:
            cls._result_code_format(value)
        return values

    @field_validator("detail_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)

    @field_validator("agency", "competent_authority", "authorised_agency", "coordinating_agency")
    @classmethod
    def _agency(cls, value: str) -> str:
        return _no_placeholder(value)

    @field_validator("short_title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("short title must be one line")
        return value

    @model_validator(mode="after")
    def _title_present(self) -> "Procedure":
        # Records written before short titles existed (and test fixtures) get the derived one.
        if not self.short_title:
            self.short_title = derive_short_title(self.name)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def handled_at(self) -> HandledAt:
        """Which authority a citizen goes to; commune-only records (e.g. 1.013225) go to the commune."""
        return routing(self.levels)

    @property
    def has_online_channel(self) -> bool:
        return any(c.kind == "online" for c in self.channels)

    @property
    def department_fields(self) -> dict:
        return {name: getattr(self, name) for name in DEPARTMENT_FIELDS}


DEPARTMENT_FIELDS = ("aliases", "faqs", "local_notes", "local_fees", "online_service_level", "effective_date")


def routing(levels: list[str]) -> HandledAt:
    has = set(levels)
    if LEVEL_PROVINCE in has and LEVEL_COMMUNE in has:
        return "province_and_commune"
    if LEVEL_PROVINCE in has:
        return "province"
    if LEVEL_COMMUNE in has:
        return "commune"
    if LEVEL_OTHER in has:
        return "other"
    return "ministry"


class CatalogueEntry(_Model):
    """Another agency's procedure (or a ministry-only construction one): enough to say who handles it."""

    code: str
    name: str
    agency: str = ""
    ministry: str
    levels: list[str] = Field(default_factory=list)
    field: str = ""
    url: str | None = None

    @field_validator("code")
    @classmethod
    def _code_format(cls, value: str) -> str:
        return _check_code(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)

    @field_validator("agency")
    @classmethod
    def _agency(cls, value: str) -> str:
        return _no_placeholder(value)


class DepartmentProfile(_Model):
    """Facts about the department. ``None`` = unknown until staff set it; never fill with a guess."""

    name: str = "Sở Xây dựng tỉnh Tuyên Quang"
    former_names: list[str] = Field(default_factory=lambda: ["Sở Xây dựng tỉnh Hà Giang"])
    merged_on: date = date(2025, 7, 1)
    national_portal: str = "https://dichvucong.gov.vn"
    paygov: str = "https://www.pay.gov.vn"
    vneid_login_level: int = 2
    status_lookup: str = ""
    provincial_portal: str | None = None
    service_centre_address: str | None = None
    hotline: str | None = None
    email: str | None = None
    opening_hours: str | None = None
    provincial_fee_resolutions: list[str] | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("national_portal", "paygov", "provincial_portal")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)
