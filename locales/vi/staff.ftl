## Khu vực sinh sống (người học chọn bằng nút)
area-ask = Bác đang sống ở đâu ạ? Bác chọn khu vực để tổ công nghệ số nơi bác ở biết có thêm người học. Không muốn thì bấm "Bỏ qua".
area-choose = Bác chọn khu vực nơi mình sống:
area-current = Khu vực hiện tại của bác: {$area}. Bác có thể chọn lại:
area-set = Đã ghi nhận khu vực của bác: {$area}.
area-skipped = Không sao ạ. Lúc nào muốn, bác gõ /area để chọn khu vực.
button-area = 📍 Khu vực của tôi
button-area-here = ✓ Chọn "{$area}"
button-skip = Bỏ qua
area-unknown = Không có khu vực nào mã "{$area}". Kiểm tra lại mã trong danh sách khu vực.
area-outside = Khu vực "{$area}" nằm ngoài phạm vi của bạn, nên không xem hay thay đổi được.

## Quyền và vai trò
not-allowed = Xin lỗi, chức năng này chỉ dành cho { $role ->
    [volunteer] tình nguyện viên tổ công nghệ số
    [official] cán bộ theo dõi
   *[admin] quản trị viên
}. Nếu bạn cần quyền này, hãy liên hệ quản trị viên của địa phương.
try-later = Bot đang bận lưu dữ liệu, bác thử lại sau ít phút nhé. Không có gì bị mất.
whoami-id = Mã của bạn: {$id}
whoami-role = Vai trò: { $role ->
    [volunteer] tình nguyện viên
    [official] cán bộ
    [admin] quản trị viên
   *[learner] người học
}
whoami-area = Phạm vi: {$area}
whoami-home = Khu vực sinh sống: {$area}
usage-grant = Cách dùng: /grant <mã người dùng> <volunteer|official> <mã khu vực>. Ví dụ: /grant tg:123456 volunteer phuong-hoa-sen. Người được cấp quyền xem mã của mình bằng lệnh /whoami.
usage-revoke = Cách dùng: /revoke <mã người dùng>. Ví dụ: /revoke tg:123456
granted = Đã cấp quyền { $role ->
    [volunteer] tình nguyện viên
   *[official] cán bộ
} cho {$id}, phạm vi: {$area}.
granted-not-seen = Lưu ý: người này chưa trò chuyện với bot lần nào. Quyền sẽ có hiệu lực khi họ bắt đầu.
revoked = Đã thu hồi quyền { $role ->
    [volunteer] tình nguyện viên
    [official] cán bộ
   *[admin] quản trị
} của {$id}.
revoke-none = {$id} không có vai trò nào để thu hồi.

## Lời mời tình nguyện viên
invite-made = Đã tạo lời mời tình nguyện viên cho {$area}. Lời mời dùng được một lần, hết hạn ngày {$date}. Hãy chuyển tiếp tin nhắn này (có nút bên dưới) cho người được mời, hoặc gửi họ dòng: {$code}
button-invite-link = 🤝 Nhận lời mời
invite-welcome = Chào mừng bạn trở thành { $role ->
    [volunteer] tình nguyện viên
   *[official] cán bộ
} của {$area}!
volunteer-help = Các lệnh của tình nguyện viên: /push (gửi bài học vào nhóm chat, gõ trong nhóm), /mentorlink (liên kết để người học của bạn tham gia), /mentees (xem tiến độ người bạn kèm), /verify MÃ (kiểm tra chứng nhận).
invite-unknown = Lời mời này không đúng. Bác kiểm tra lại đường liên kết, hoặc xin người mời gửi lại.
invite-used = Lời mời này đã được dùng rồi. Mỗi lời mời chỉ dùng được một lần: xin người mời tạo lời mời mới.
invite-expired = Lời mời này đã hết hạn. Xin người mời tạo lời mời mới.
invite-already = Bạn đã có vai trò này (hoặc cao hơn) rồi, không cần lời mời nữa.

## Người kèm cặp (đại sứ số)
mentor-link = Đây là liên kết để người bạn kèm cặp tham gia. Khi họ bấm vào, bạn sẽ theo dõi được tiến độ của họ bằng lệnh /mentees. Chuyển tiếp tin nhắn này cho họ, hoặc gửi dòng: {$code}
button-mentor-link = 📚 Học cùng tình nguyện viên
mentor-joined = Bác đã được nối với tình nguyện viên {$name}. Người hướng dẫn sẽ biết bác học đến đâu để giúp bác khi cần.
mentor-joined-anon = Bác đã được nối với tình nguyện viên hướng dẫn. Người hướng dẫn sẽ biết bác học đến đâu để giúp bác khi cần.
mentor-inactive = Tình nguyện viên này hiện không còn hỗ trợ qua bot, nên liên kết này không dùng được nữa. Bác vẫn học một mình được, và khi cần người giúp, bác bấm "Hỏi tình nguyện viên" trong menu nhé.
mentor-unknown = Liên kết này không đúng. Bác xin tình nguyện viên gửi lại nhé.
mentor-self = Đây là liên kết của chính bạn: hãy gửi nó cho người bạn kèm cặp.
mentees-title = 👥 Người bạn kèm cặp: {$count}
mentees-none = Chưa có ai. Gửi liên kết /mentorlink cho người bạn hướng dẫn.
mentee-line = • {$name}: xong {$done}/{$total} bài, {$certificates} chứng nhận. Lần cuối học: {$date}. Đang học: {$current}
mentees-more = … và {$count} người nữa.
group-line = 💬 Nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
}: {$started} người bắt đầu học, {$lessons} bài hoàn thành.
mentee-finished-topic = 🎉 {$name} vừa hoàn thành chủ đề "{$topic}".

## Gửi bài học vào nhóm
push-in-group-only = Lệnh /push bắt đầu trong nhóm chat: thêm bot vào nhóm, gõ /push trong nhóm đó, rồi chọn bài học ở đây, trong trò chuyện riêng.
push-choose-topic = Chọn chủ đề để gửi vào nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
}:
push-choose-lesson = Nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
} — chọn bài trong chủ đề "{$topic}":
push-choose-time = Gửi bài "{$lesson}" vào nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
} lúc nào?
push-slot = { $slot ->
    [0] 📤 Gửi ngay
    [1] ⏰ Sau 1 giờ nữa
    [2] 🌅 8 giờ sáng mai
   *[3] 🌙 7 giờ tối mai
}
push-queued = Đã xếp bài "{$lesson}" để gửi ngay vào nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
}.
push-scheduled = Đã hẹn gửi bài "{$lesson}" vào nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
} lúc {$time}.
card-hint = Bấm nút dưới đây để học riêng với bot, từng bước một.
button-open-lesson = 📖 Học bài này

## Chứng nhận
certificate-code = Mã xác nhận: {$code}
certificate-caption = 🎓 Giấy chứng nhận hoàn thành chủ đề "{$topic}".
basic-title = 🏆 Chứng nhận kỹ năng số cơ bản
basic-text = { $named ->
    [yes] Xin chúc mừng {$name}!
   *[no] Xin chúc mừng bác!
} Bác đã hoàn thành cả bốn chủ đề cốt lõi: VNeID, dịch vụ công trực tuyến, thanh toán không tiền mặt và an toàn trên mạng.
basic-topic = Kỹ năng số cơ bản
button-overview = 🎓 Tổng kết và chứng nhận
button-basic-certificate = 🏆 Chứng nhận kỹ năng số cơ bản
overview-title = 🎓 Tổng kết học tập
overview-done = ✅ {$topic}: hoàn thành ngày {$date}, mã {$code}
overview-started = ▶ {$topic}: đang học, xong {$done}/{$total} bài
overview-new = ○ {$topic}: chưa bắt đầu
overview-basic = 🏆 Kỹ năng số cơ bản: đạt ngày {$date}, mã {$code}
usage-verify = Cách dùng: /verify MÃ. Ví dụ: /verify K7QM-2XPD-9ARC
verify-unknown = Không tìm thấy chứng nhận nào có mã "{$code}". Mã có thể bị gõ sai, hoặc không phải do bot này cấp.
verify-found = ✅ Mã {$code} là chứng nhận thật: {$name}, { $basic ->
    [yes] kỹ năng số cơ bản (đủ bốn chủ đề cốt lõi)
   *[no] chủ đề "{$topic}" ({$lessons} bài)
}, cấp ngày {$date}.

## Số liệu cho cán bộ
period = { $period ->
    [q] Quý {$quarter}/{$year}
    [lq] Quý trước (quý {$quarter}/{$year})
    [y] Năm {$year}
   *[all] Từ trước đến nay
}
stats-title = 📊 Số liệu: {$area}
stats-totals = Người bắt đầu học: {$started}
    Bài học hoàn thành: {$lessons}
    Chủ đề hoàn thành (chứng nhận): {$topics}
stats-target = Đạt kỹ năng số cơ bản (lũy kế): {$basic}/{$adults} người trưởng thành = {$share}, mục tiêu {$target}.
stats-by-area = Theo khu vực (lũy kế so với mục tiêu)
stats-area-line = • {$area}: {$started} bắt đầu, {$lessons} bài trong kỳ; đạt cơ bản {$basic} = {$share} (mục tiêu {$target})
stats-by-topic = Theo chủ đề (trong kỳ)
stats-topic-line = • {$topic}: {$done} người hoàn thành, {$lessons} lượt bài
stats-lessons-title = 📚 Theo bài học: {$area}
stats-lesson-line = • {$lesson}: {$done}
button-period = { $current ->
    [yes] {"● "}
   *[no] {""}
}{ $period ->
    [q] Quý này
    [lq] Quý trước
    [y] Năm nay
   *[all] Tất cả
}
button-stats-lessons = 📚 Theo bài
button-stats-chart = 📈 Biểu đồ
button-stats-export = 📥 Xuất CSV
button-drill = 🔎 {$area}
button-up = ⬆ {$area}
chart-title = Đạt kỹ năng số cơ bản: {$area}
chart-subtitle = Tỷ lệ người trưởng thành đạt kỹ năng số cơ bản, lũy kế; vạch dọc là mục tiêu
chart-caption = 📈 Biểu đồ theo khu vực: {$area}
export-ready = 📥 Bảng số liệu {$area}: {$rows} dòng (khu vực × chủ đề). Mở bằng Excel; tiếng Việt hiển thị đúng.

## Chữ trên giấy chứng nhận và biểu đồ
certificate-movement = Phong trào "Bình dân học vụ số"
certificate-heading = GIẤY CHỨNG NHẬN HOÀN THÀNH
certificate-heading-basic = CHỨNG NHẬN KỸ NĂNG SỐ CƠ BẢN
certificate-awarded-to = Chứng nhận
certificate-issued = Cấp ngày {$date}
certificate-code-label = Mã xác nhận
certificate-verify-hint = Cán bộ, tình nguyện viên kiểm tra bằng lệnh /verify và mã này
chart-target = Mục tiêu
chart-empty = Chưa có khu vực nào để hiển thị
official-help = Lệnh của cán bộ: /stats (số liệu theo khu vực, chủ đề, kỳ báo cáo, có biểu đồ), /export (tải bảng CSV cho báo cáo quý), /report (báo cáo quý theo chỉ tiêu, kèm bảng Excel và nhắc hạn nộp), /invite (tạo lời mời tình nguyện viên).
admin-help = Lệnh của quản trị viên: /grant <mã> <volunteer|official> <khu vực>, /revoke <mã>. Mỗi người xem mã của mình bằng /whoami.
push-check-private = Mình đã gửi danh sách bài học vào trò chuyện riêng của bạn với bot. Nếu chưa thấy, hãy mở trò chuyện riêng với bot và gõ /push.

## Khu vực của nhóm
group-area-is = Nhóm này được tính cho khu vực: {$area}.
button-group-area = 📍 Đổi khu vực của nhóm
group-area-choose = Chọn khu vực của nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
}:
group-area-set = Từ nay nhóm { $named ->
    [yes] "{$group}"
   *[no] {$group}
} được tính cho khu vực: {$area}.
group-area-refused = Chỉ người đầu tiên gửi bài vào nhóm hoặc cán bộ phụ trách khu vực mới đổi được khu vực của nhóm, và chỉ trong khu vực của mình.
