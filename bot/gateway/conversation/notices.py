"""What the gateway itself says to a citizen when a turn never reaches the assistant (short, polite)."""

RATE_LIMITED = (
    "Bạn đang gửi tin nhắn hơi nhanh. Vui lòng đợi khoảng một phút rồi hỏi tiếp, "
    "chúng tôi vẫn đang ở đây để hỗ trợ bạn."
)
TOO_LONG = "Tin nhắn dài quá {limit} ký tự. Bạn vui lòng rút gọn câu hỏi và gửi lại."
UNAVAILABLE = "Hệ thống đang bận hoặc đang khởi động. Bạn vui lòng thử lại sau ít phút."
# Past capacity (bot/gateway/conversation/admission.py): the widget and /api/chat answer at once with this.
BUSY = "Hiện có nhiều người hỏi cùng lúc. Bạn vui lòng gửi lại câu hỏi sau vài giây."
# Telegram and Zalo keep a message that arrived while the assistant was down and answer it when it is back.
ANSWER_LATER = (
    "Hệ thống đang bận nên chưa trả lời ngay được. Câu hỏi của bạn đã được ghi lại, "
    "chúng tôi sẽ trả lời ngay khi hệ thống sẵn sàng."
)
TEXT_ONLY = "Hiện tôi chỉ đọc được tin nhắn chữ. Bạn vui lòng nhập câu hỏi bằng chữ."
BUTTON_EXPIRED = "Nút này đã hết hạn, bạn vui lòng hỏi lại."
NO_REPLY = (
    "Xin lỗi, tôi chưa trả lời được câu này do hệ thống gặp trục trặc. Câu hỏi đã được ghi lại; "
    "bạn vui lòng thử lại sau ít phút."
)
IDENTITY_NOT_KEPT = (
    "Lưu ý: bạn không cần gửi số CCCD/CMND, hộ chiếu hay số tài khoản để được hướng dẫn. "
    "Số bạn vừa gửi đã được ẩn đi và không được lưu lại."
)
