import pytest

from bot.gateway.conversation.masking import Masked, mask, mask_personal_data


@pytest.mark.parametrize(
    "text, kept_out",
    [
        ("CCCD của tôi là 001090012345, nộp ở đâu?", "001090012345"),
        ("số căn cước 0010 9001 2345 ạ", "0010 9001 2345"),
        ("gọi lại cho em 0912345678 nhé", "0912345678"),
        ("sđt 0912.345.678", "0912.345.678"),
        ("số +84 912 345 678", "912 345 678"),
        ("zalo 84912345678", "84912345678"),
        ("máy bàn 0207 3822 123", "3822 123"),
        ("email nguyen.van.a+hs@gmail.com.vn", "gmail"),
    ],
)
def test_personal_data_never_reaches_storage(text, kept_out):
    masked = mask_personal_data(text)
    assert kept_out not in masked
    assert masked.split()[0] == text.split()[0]  # the question around it stays readable


@pytest.mark.parametrize(
    "text",
    [
        "tra cứu hồ sơ 000.00.04.H22-250801-0001 đến đâu rồi",
        "thủ tục 1.009972 phí 150.000.000.000 đồng",
        "xây nhà 3 tầng năm 2025 diện tích 120 m2",
    ],
)
def test_receipt_codes_procedure_codes_and_amounts_are_kept(text):
    assert mask_personal_data(text) == text


def test_masked_placeholders_say_what_was_removed():
    assert mask_personal_data("0912345678 / 001090012345 / a@b.vn") == "[SĐT] / [CCCD] / [email]"


@pytest.mark.parametrize(
    "text, kept_out, placeholder",
    [
        ("cccd 001.203.004.567 ạ", "001.203.004.567", "[CCCD]"),
        ("cccd 001-203-004-567", "001-203-004-567", "[CCCD]"),
        ("cmnd cũ 171234567", "171234567", "[CMND]"),
        ("cmnd 012.345.678", "012.345.678", "[CMND]"),
        ("stk 1903 5678 9012 34 techcombank", "1903 5678 9012 34", "[STK]"),
        ("số tài khoản: 0123456789", "0123456789", "[STK]"),
        ("thẻ 9704 1234 5678 9012", "9704 1234 5678 9012", "[STK]"),
        ("hộ chiếu C1234567", "C1234567", "[hộ chiếu]"),
    ],
)
def test_identity_account_and_passport_numbers_are_masked(text, kept_out, placeholder):
    masked = mask(text)
    assert kept_out not in masked.text and placeholder in masked.text
    assert masked.had_identity_number


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí 300.000 đồng",
        "phí 300000000 đồng",
        "mã 1.013225",
        "tôi sinh năm 1990 ở 12 Lê Lợi",
        "hồ sơ 000.00.04.H22-250801-0001 và 000.00.04.H22-250801-0002",
    ],
)
def test_amounts_codes_and_ordinary_numbers_are_kept(text):
    assert mask(text) == Masked(text, frozenset())


def test_a_phone_number_alone_needs_no_identity_note():
    assert not mask("gọi 0912345678").had_identity_number
