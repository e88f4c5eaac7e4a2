# Giao diện của hocvuso bằng tiếng Việt.
# Mỗi dòng "khóa = nội dung". Giữ nguyên {$tên} — bot điền vào đó.

language-name = Tiếng Việt

## Lần đầu gặp
greeting = Xin chào! Đây là trợ lý "Bình dân học vụ số". Hello! This is the digital skills assistant.
choose-language = Bác hãy bấm chọn ngôn ngữ. / Please choose your language.
intro = Chào mừng bác! Mỗi bài học chỉ có vài bước ngắn. Bác đọc xong thì bấm nút "Tiếp ▶". Cuối bài có vài câu hỏi nhỏ để ôn lại. Bác có thể dừng bất cứ lúc nào, lần sau bot sẽ nhớ chỗ bác đang học.
welcome-back = { $named ->
    [yes] Chào mừng {$name} quay lại!
   *[no] Chào mừng bác quay lại!
}
language-changed = Đã chuyển sang tiếng Việt.

## Trang chính
menu-title = 📚 Các chủ đề
menu-hint = Bác bấm vào một chủ đề để bắt đầu học.
button-continue = ▶ Học tiếp: {$title}
button-continue-short = ▶ Học tiếp
button-progress = 📊 Kết quả của tôi
button-help = ❓ Hướng dẫn
button-menu = ☰ Về trang chính
button-language = 🌐 Đổi ngôn ngữ

## Chủ đề và bài học
topic-choose-lesson = Bác chọn một bài (✓ là đã học xong, ▶ là đang học dở):
step-title = {$lesson} · Bước {$number}/{$total}
button-back = ◀ Quay lại
button-next = Tiếp ▶
button-quiz = ✏️ Làm bài ôn tập

## Câu hỏi ôn tập
quiz-title = {$lesson} · Câu hỏi {$number}/{$total}
quiz-right = ✅ Đúng rồi!
quiz-wrong = ❌ Chưa đúng, bác đọc giải thích rồi thử lại nhé.
button-retry = 🔁 Trả lời lại
button-reread = 📖 Đọc lại bài
button-next-question = Câu tiếp theo ▶

## Hoàn thành
lesson-done = 🎉 Bác đã học xong bài "{$lesson}"!
lesson-score = Số câu trả lời đúng ngay lần đầu: {$score}/{$total}.
button-next-lesson = ▶ Bài tiếp: {$lesson}
button-summary = 🏅 Xem kết quả chủ đề
summary-title = 🏅 Hoàn thành chủ đề: {$topic}
summary-intro = { $named ->
    [yes] Xin chúc mừng {$name}!
   *[no] Xin chúc mừng bác!
} Đây là kết quả học tập:
summary-line = ✓ {$lesson} — ngày {$date} — đúng {$score}/{$total} câu
summary-total = Tổng cộng: đúng {$score}/{$total} câu ngay lần đầu.

## Kết quả và hướng dẫn
progress-title = 📊 Kết quả học tập của bác
progress-topic = {$topic}: đã xong {$done}/{$total} bài
help-title = ❓ Cách dùng
help-text = Bác chỉ cần bấm vào các nút bên dưới tin nhắn, không cần gõ chữ. Học dở lúc nào cũng được: lần sau bấm "Học tiếp" là quay lại đúng chỗ cũ. Nếu muốn, bác có thể gõ các lệnh: /menu (trang chính), /progress (kết quả), /lang (đổi ngôn ngữ), /help (hướng dẫn).

## Khi có gì không khớp
free-text-hint = Bác muốn hỏi gì thì cứ gõ câu hỏi, ví dụ "cài VNeID thế nào". Hoặc bác bấm các nút bên dưới:
unknown-command = Bot chưa hiểu lệnh "/{$command}".
button-old = Nút này đã cũ rồi. Đây là trang chính để bác học tiếp:
lesson-missing = Bài học này không còn nữa. Bác chọn bài khác ở trang chính nhé.

## Trong nhóm chat
group-private-only = Bài học và câu hỏi là của riêng từng người, nên bot chỉ dạy trong trò chuyện riêng. Bác bấm nút dưới đây để mở.
button-open-private = 💬 Học riêng với bot

## Menu lệnh trên Telegram (mô tả ngắn)
command-start = Bắt đầu hoặc học tiếp
command-menu = Danh mục chính
command-progress = Kết quả học tập
command-lang = Đổi ngôn ngữ
command-help = Hướng dẫn sử dụng
command-summary = Tổng kết và chứng nhận
command-push = Gửi bài học vào nhóm (tình nguyện viên)
group-choose-topic = Bác chọn một chủ đề:
