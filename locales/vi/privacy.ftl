## Quyền của học viên với dữ liệu của mình (Nghị định 13/2023/NĐ-CP)

privacy-title = 🔒 Bot ghi nhớ gì về bác
privacy-short = Để bác học tiếp được ở lần sau, bot ghi nhớ: tên bác, bài bác đã học và điểm, câu trả lời của bác, nơi bác ở (nếu bác chọn), và câu bác hỏi tình nguyện viên. Bot không hỏi số điện thoại hay số căn cước. Bác muốn biết thêm thì bấm "Đọc thêm".
button-privacy-more = 📖 Đọc thêm
privacy-kept = Bot giữ những điều này để nhớ chỗ bác đang học, cấp giấy chứng nhận cho bác, và để tình nguyện viên giúp được bác khi bác hỏi.
privacy-who = Tình nguyện viên chỉ thấy tên bác, nơi bác ở và câu bác hỏi khi bác nhờ giúp. Cán bộ phường, xã chỉ thấy con số tổng, ví dụ bao nhiêu người đã học xong, không thấy tên ai.
privacy-rights = Bác có quyền xem và xóa dữ liệu của mình:
    • Gõ /mydata để xem mọi điều bot ghi nhớ về bác.
    • Gõ /leavementor để thôi nhận tình nguyện viên kèm riêng.
    • Gõ /forget để xóa dữ liệu của bác.
    • Gõ /privacy để đọc lại thông báo này.
privacy-law = Việt Nam có Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân. Nghị định này cho mỗi người quyền được biết dữ liệu của mình được dùng thế nào, và quyền xin xóa. Muốn hỏi thêm, bác có thể hỏi tình nguyện viên hoặc cán bộ ở phường, xã của bác.
button-mydata = 📋 Xem dữ liệu của tôi

mydata-title = 📋 Những điều bot ghi nhớ về bác
mydata-name = Tên: { $named ->
    [yes] {$name}
   *[no] (bot không được biết tên bác)
}
mydata-language = Ngôn ngữ: {$language}
mydata-mentor = Tình nguyện viên kèm riêng: { $named ->
    [yes] {$name}
   *[no] (có, nhưng không rõ tên)
}
mydata-mentor-none = Tình nguyện viên kèm riêng: không có
mydata-progress = Các bài đã học:
mydata-progress-none = Các bài đã học: bác chưa mở bài nào.
mydata-lesson-done = • "{$lesson}": học xong ngày {$date}, đúng {$score}/{$total} câu
mydata-lesson-open = • "{$lesson}": đang học, lần cuối ngày {$date}
mydata-certificates-none = Giấy chứng nhận: chưa có
mydata-certificate = Giấy chứng nhận { $basic ->
    [yes] kỹ năng số cơ bản
   *[no] "{$topic}"
}: mã {$code}, cấp ngày {$date}
mydata-answers = Câu trả lời trong các bài ôn: {$count} lần trả lời, {$right} lần đúng.
mydata-question = Câu bác đang hỏi tình nguyện viên{ $named ->
    [yes] {" "}(người đang trả lời: {$name})
   *[no] {""}
}:
mydata-question-none = Câu hỏi gửi tình nguyện viên: không có câu nào đang chờ.
mydata-reminders-on = Nhắc học: đang bật. Gõ /stop để tắt.
mydata-reminders-off = Nhắc học: đã tắt. Gõ /start để bật lại.
mydata-file = Danh sách đầy đủ, có từng câu trả lời, nằm trong tệp đính kèm.
mydata-rights = Bác muốn xóa dữ liệu của mình thì bấm nút "Xóa dữ liệu của tôi" bên dưới.
button-leave-mentor = 👋 Thôi nhận tình nguyện viên kèm riêng
button-forget = 🗑 Xóa dữ liệu của tôi

leave-mentor-done = Xong rồi ạ. Tình nguyện viên này sẽ không nhận tin về việc học của bác nữa. Khi cần người giúp, bác vẫn bấm "Hỏi tình nguyện viên" trong trang chính được.
leave-mentor-none = Bác hiện không có tình nguyện viên kèm riêng.

forget-title = 🗑 Xóa dữ liệu của bác
forget-what = Bot sẽ xóa: tên bác, nơi ở, các bài đã học và điểm, câu trả lời, câu hỏi gửi tình nguyện viên, và liên kết với tình nguyện viên kèm riêng.
forget-kept = Bot chỉ giữ lại con số chung không có tên, ví dụ "thêm một người đã học xong bài này", để cán bộ đếm đúng. Giấy chứng nhận của bác sẽ bị thu hồi: ai tra mã sẽ thấy giấy đã bị thu hồi.
forget-sure = Việc xóa không lấy lại được. Bác chắc chắn muốn xóa không?
button-forget-yes = 🗑 Có, xóa hết
button-forget-no = Không, giữ lại
forget-done = Bot đã xóa dữ liệu của bác. Cảm ơn bác đã học cùng. Nếu sau này bác muốn học lại, bác chỉ cần gõ /start.
forget-staff = Bác đang có vai trò tình nguyện viên hoặc cán bộ, nên bot chưa xóa được. Bác nhờ quản trị viên gỡ vai trò trước, rồi gõ /forget lại nhé.
help-withdrawn = Một câu hỏi đã gửi cho bạn vừa được người hỏi rút lại. Bạn không cần làm gì thêm. Cảm ơn bạn.
verify-revoked = ⚠️ Mã {$code} đã bị thu hồi ngày {$date}: người được cấp đã yêu cầu xóa dữ liệu của mình. Giấy này không còn giá trị.
