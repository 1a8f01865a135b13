"""What the reminders say to citizens: short, Vietnamese, every question answerable by typing."""

OFFER = "Bạn muốn tôi nhắc lại vào ngày mai không?"
OFFER_HINT = 'Bạn có thể bấm nút hoặc gõ "có" / "không".'
OFFER_HINT_EVENING = 'Bạn có thể bấm nút hoặc gõ "có" (sáng ngày làm việc tới), "tối nay" hoặc "không".'
YES, NO = "Có, nhắc tôi", "Không cần"
EVENING = "Có, tối nay 20:00"
ACCEPTED = 'Vâng, tôi sẽ nhắc bạn {when}. Muốn dừng, bạn gõ "dừng nhắc" bất cứ lúc nào.'
DECLINED = "Vâng, tôi sẽ không nhắc. Khi cần, bạn cứ hỏi lại."
STOPPED = "Đã dừng mọi lời nhắc. Tôi sẽ không nhắc bạn nữa."
EXPIRED = "Lời mời nhắc này đã hết hạn. Khi cần, bạn cứ hỏi lại."
GREETING = "Chào {name}, "
GREETING_PLAIN = "Chào bạn, "
REMINDER_STEP = (
    'tôi nhắc bạn việc nộp trực tuyến thủ tục "{procedure}": bạn đang dừng ở bước "{step}". '
    'Bấm "Tiếp tục" để làm tiếp từ bước đó.'
)
REMINDER_FINISHED = (
    'tôi nhắc bạn việc nộp trực tuyến thủ tục "{procedure}". Nếu đã nộp, bạn gửi mã hồ sơ để '
    'tôi tra cứu giúp; nếu chưa, bấm "Tiếp tục" để xem lại bước nộp hồ sơ.'
)
CONTINUE, STOP = "Tiếp tục", "Dừng nhắc"
STEP_NAMES = {
    "login": "đăng nhập VNeID",
    "find": "tìm thủ tục",
    "fill": "điền tờ khai, đính kèm giấy tờ",
    "pay": "thanh toán phí",
    "submit": "nộp hồ sơ",
    "track": "theo dõi hồ sơ",
}
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
