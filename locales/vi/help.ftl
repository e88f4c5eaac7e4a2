# Hỏi người thật: câu hỏi gõ, tình nguyện viên, nhắc học.

search-found = Có thể bài học này giúp được bác. Bác bấm vào bài muốn xem:
search-none = Mình chưa tìm thấy bài học nào đúng với câu hỏi của bác. Bác có muốn gửi câu hỏi này cho tình nguyện viên của tổ công nghệ số không? Họ là người thật, sẽ trả lời bác.
button-help-send-question = 🙋 Gửi câu hỏi cho tình nguyện viên
button-ask-person = 🙋 Hỏi tình nguyện viên
button-stuck = 🙋 Tôi bị vướng ở đây

help-ask-prompt = Bác hãy viết câu hỏi vào ô nhắn tin rồi bấm gửi. Bác cũng có thể gửi ảnh chụp màn hình hoặc tin nhắn thoại. Mình sẽ chuyển cho tình nguyện viên.
help-sent = ✅ Mình đã chuyển câu hỏi của bác cho tình nguyện viên.
help-sent-today = Thường sẽ có người trả lời trong vài giờ tới. Khi có trả lời, bác sẽ nhận được tin nhắn ngay tại đây.
help-sent-tomorrow = Bây giờ đã muộn. Sáng mai sẽ có người trả lời bác. Khi có trả lời, bác sẽ nhận được tin nhắn ngay tại đây.
help-sent-nobody = Khu vực của bác chưa có tình nguyện viên dùng bot. Câu hỏi vẫn được giữ lại. Bác cũng có thể hỏi trực tiếp tổ công nghệ số cộng đồng ở tổ dân phố.
help-already-open = Bác đang có một câu hỏi chờ trả lời. Bác cứ viết thêm, mình sẽ gửi kèm câu hỏi đó:
help-too-many = Hôm nay bác đã gửi nhiều câu hỏi rồi. Tình nguyện viên đang xem các câu trước. Ngày mai bác gửi tiếp nhé.
help-added = Mình đã gửi thêm lời của bác vào câu hỏi.
help-answer-from = 💬 Tình nguyện viên {$name} trả lời bác:
help-answer-hint = Bác muốn hỏi thêm thì cứ viết tiếp vào đây. Nếu đã rõ, bác bấm "Đã rõ, cảm ơn".
button-help-solved = ✅ Đã rõ, cảm ơn
button-help-close = ✖ Đóng câu hỏi
help-rate = Câu trả lời có giúp được bác không?
button-help-helped = 👍 Có
button-help-not-helped = 👎 Chưa
help-rated-yes = Cảm ơn bác! Mình rất vui vì đã giúp được bác.
help-rated-no = Cảm ơn bác đã cho biết. Bác có thể hỏi lại bất cứ lúc nào, hoặc nhờ tổ công nghệ số cộng đồng giúp trực tiếp.
help-closed-by-volunteer = Tình nguyện viên đã đóng câu hỏi của bác.
help-taken-learner = Tình nguyện viên {$name} đã nhận câu hỏi của bác và sẽ trả lời sớm.

media-photo = Mình đã nhận được ảnh của bác. Tiếc là mình chưa xem được ảnh. Bác có muốn gửi ảnh này cho tình nguyện viên xem giúp không?
media-voice = Mình đã nhận được tin nhắn thoại của bác. Tiếc là mình chưa nghe được. Bác có muốn gửi tin nhắn này cho tình nguyện viên nghe giúp không?
media-other = Mình đã nhận được tệp của bác, nhưng mình chưa mở được. Bác có muốn gửi cho tình nguyện viên xem giúp không?
button-help-send-media = 🙋 Gửi cho tình nguyện viên

# Phía tình nguyện viên
help-relay-title = 🙋 Có người cần giúp
help-relay-escalated = 🙋 Câu hỏi chưa ai nhận, cần người giúp
help-relay-who = Người hỏi: {$name}, khu vực: {$area}
help-relay-where = Đang học bài "{$lesson}", bước {$step}
help-has-photo = (Kèm một ảnh chụp.)
help-has-voice = (Kèm một tin nhắn thoại.)
help-has-file = (Kèm một tệp.)
button-help-take = ✋ Tôi sẽ trả lời
button-help-pass = ↪ Nhường người khác
button-help-reply = ✍ Trả lời
help-you-took = Bạn đã nhận câu hỏi này:
help-type-answer = Bạn hãy gõ câu trả lời ngay bây giờ; bot sẽ chuyển đến người hỏi và ghi tên bạn.
help-relayed = Đã chuyển câu trả lời. Người hỏi có thể viết thêm; bot sẽ báo cho bạn.
help-taken-by = Câu hỏi này đã có {$name} nhận trả lời.
help-closed-already = Câu hỏi này đã đóng.
help-pass-late = Câu hỏi này đã có người nhận hoặc đã đóng.
help-passed = Đã nhường. Câu hỏi vẫn chờ người khác.
help-not-yours = Câu hỏi bạn đang trả lời đã đóng hoặc do người khác nhận.
help-follow-up = 💬 {$name} viết thêm:
help-closed-by-learner = {$name} đã đóng câu hỏi. Cảm ơn bạn đã giúp!
help-closed-thanks = Đã đóng câu hỏi. Cảm ơn bạn đã giúp!
help-open-title = ⏳ Câu hỏi đang chờ: {$count}
help-open-line = • {$name} ({$date}): {$question}

# Nhắc học
reminder-first = { $named ->
    [yes] Chào {$name}! Bài "{$lesson}" vẫn đang chờ bác. Bác học tiếp khi rảnh nhé, chỉ vài bước ngắn thôi.
   *[no] Chào bác! Bài "{$lesson}" vẫn đang chờ bác. Bác học tiếp khi rảnh nhé, chỉ vài bước ngắn thôi.
}
reminder-second = { $named ->
    [yes] Chào {$name}, lâu rồi chưa gặp bác. Bài "{$lesson}" vẫn giữ đúng chỗ bác đang học. Nếu bị vướng, bác bấm "Hỏi tình nguyện viên" nhé.
   *[no] Chào bác, lâu rồi chưa gặp bác. Bài "{$lesson}" vẫn giữ đúng chỗ bác đang học. Nếu bị vướng, bác bấm "Hỏi tình nguyện viên" nhé.
}
reminder-next-topic = Bác đã học xong một chủ đề, thật đáng khen! Bác có muốn học tiếp chủ đề "{$topic}" không?
reminder-from-mentor = {$name} nhắn bác: học tiếp bài "{$lesson}" nhé. Bác bấm nút bên dưới.
button-reminders-off = 🔕 Không nhắc nữa
button-open-topic = 📚 Mở chủ đề
reminders-off = Mình sẽ không nhắc bác nữa. Khi nào muốn nhắc lại, bác gõ /start.
button-nudge = 🔔 Nhắc {$name}
nudge-sent = Đã nhắc {$name}.
nudge-nothing = Người này không có bài nào đang học dở.
nudge-off = Người này đã tắt lời nhắc.
nudge-night = Bây giờ đã muộn. Bạn nhắc vào ban ngày (8:00–20:00) nhé.
nudge-enough = Người này đã được nhắc hai lần cho bài này. Bạn có thể gọi điện hoặc ghé thăm.

# Quản trị
unanswered-title = Câu hỏi chưa có bài học ({$days} ngày qua)
unanswered-line = {$count} lần: {$question}
unanswered-none = Chưa có câu hỏi nào mà không tìm được bài học.

# Số liệu cho cán bộ
stats-support = 🙋 Hỏi tình nguyện viên: {$asked} câu hỏi, {$answered} được trả lời, {$helped} người thấy có ích{ $known ->
    [yes] ; nửa số câu được trả lời trong vòng {$median} phút
   *[no] {""}
}. 🔔 Nhắc học: {$reminded} lời nhắc, {$back} người quay lại học trong 2 ngày.
