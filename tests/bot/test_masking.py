import pytest

from bot.conversation.masking import mask_personal_data


@pytest.mark.parametrize("text, kept_out", [
    ("CCCD của tôi là 001090012345, nộp ở đâu?", "001090012345"),
    ("số căn cước 0010 9001 2345 ạ", "0010 9001 2345"),
    ("gọi lại cho em 0912345678 nhé", "0912345678"),
    ("sđt 0912.345.678", "0912.345.678"),
    ("số +84 912 345 678", "912 345 678"),
    ("zalo 84912345678", "84912345678"),
    ("máy bàn 0207 3822 123", "3822 123"),
    ("email nguyen.van.a+hs@gmail.com.vn", "gmail"),
])
def test_personal_data_never_reaches_storage(text, kept_out):
    masked = mask_personal_data(text)
    assert kept_out not in masked
    assert masked.split()[0] == text.split()[0]  # the question around it stays readable


@pytest.mark.parametrize("text", [
    "tra cứu hồ sơ 000.00.04.H22-250801-0001 đến đâu rồi",
    "thủ tục 1.009972 phí 150.000.000.000 đồng",
    "xây nhà 3 tầng năm 2025 diện tích 120 m2",
])
def test_receipt_codes_procedure_codes_and_amounts_are_kept(text):
    assert mask_personal_data(text) == text


def test_masked_placeholders_say_what_was_removed():
    assert mask_personal_data("0912345678 / 001090012345 / a@b.vn") == "[SĐT] / [CCCD] / [email]"
