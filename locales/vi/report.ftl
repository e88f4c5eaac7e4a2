## Báo cáo quý theo chỉ tiêu của Phong trào (cho cán bộ)
report-title = 📋 Báo cáo quý {$quarter}/{$year}: {$area}
report-as-of = Số liệu đến ngày {$date}. Hạn nộp báo cáo: trước ngày {$deadline}.
report-line = {$number}. {$name}{ $declared ->
    [yes] {" (*)"}
   *[no] {""}
}
    Trong quý: {$quarter} (quý trước {$last}, { $trend ->
        [up] tăng {$change}
        [down] giảm {$change}
       *[same] không đổi
    })
    Lũy kế: { $has-share ->
        [yes] {$to-date}/{$of} = {$share}
       *[no] {$to-date} (chưa có số dân để tính tỷ lệ)
    }{ $has-target ->
        [yes] , mục tiêu {$year}: {$target}{ $gap-state ->
            [reached] , đã đạt ✅
            [short] , còn thiếu {$gap} người
           *[unknown] {""}
        }
       *[no] {""}
    }
report-behind-title = 🔻 Khu vực còn xa mục tiêu nhất ({$indicator}):
report-behind-line = • {$area}: {$share} / mục tiêu {$target}, còn thiếu {$gap} người
report-behind-none = ✅ Không khu vực nào dưới mục tiêu ({$indicator}), hoặc chưa có số dân và mục tiêu để so sánh.
report-self-declared = (*) Số người "được xác nhận trên VNeID" là do người học tự trả lời trong bot; bot không xem được VNeID. Khi báo cáo, xin ghi rõ là số tự khai.
report-file = 📎 Bảng báo cáo (Excel): {$file}
report-chart-title = Chỉ tiêu chính theo khu vực: {$area}
report-chart-subtitle = {$indicator}, lũy kế; vạch dọc là mục tiêu năm {$year}
report-chart-caption = 📈 Đạt so với mục tiêu, theo khu vực: {$area}
usage-report = Cách dùng: /report [quý] [mã khu vực]. Ví dụ: /report (quý này, khu vực của bạn), /report q3, /report 3/2026 phuong-hoa-sen. Bật nhắc hạn nộp: /report remind on; tắt: /report remind off.
report-future = Quý {$quarter}/{$year} chưa bắt đầu nên chưa có số liệu. Gõ /report để xem quý này.
button-report-chart = 📈 Biểu đồ
button-report-last = ◀ Quý trước
button-report-remind-on = 🔔 Nhắc tôi trước hạn nộp
button-report-remind-off = 🔕 Tắt nhắc hạn nộp
report-remind-on = 🔔 Đã bật nhắc hạn nộp. Lần nhắc tới: {$date} lúc {$hour} giờ, kèm báo cáo đã điền sẵn số liệu. Tắt bằng /report remind off.
report-remind-off = 🔕 Đã tắt nhắc hạn nộp báo cáo.
report-reminder = ⏰ Còn {$days} ngày nữa là hạn nộp báo cáo quý (trước ngày {$deadline}). Đây là báo cáo đã điền sẵn số liệu mới nhất:

## Bảng tính báo cáo (.xlsx)
xlsx-title = BÁO CÁO KẾT QUẢ PHONG TRÀO "BÌNH DÂN HỌC VỤ SỐ" – QUÝ {$quarter}/{$year}
xlsx-unit = Đơn vị: {$area}
xlsx-as-of = Số liệu đến ngày {$date}. Hạn nộp: trước ngày {$deadline}.
xlsx-sheet-summary = Tổng hợp
xlsx-sheet-areas = Theo khu vực
xlsx-sheet-lessons = Theo bài học
xlsx-col-number = STT
xlsx-col-indicator = Chỉ tiêu
xlsx-col-target = Mục tiêu năm {$year}
xlsx-col-target-short = Mục tiêu
xlsx-col-achieved = Đạt (lũy kế)
xlsx-col-share = Tỷ lệ đạt
xlsx-col-gap = Còn thiếu (người)
xlsx-col-denominator = Mẫu số (dân số)
xlsx-col-quarter = Mới trong quý
xlsx-col-last = Quý trước
xlsx-col-change = Tăng/giảm
xlsx-col-note = Ghi chú
xlsx-note-declared = Người học tự khai
xlsx-note-no-denominator = Chưa có số dân: chỉ ghi số lượng
xlsx-note-no-target = Chưa có mục tiêu năm
xlsx-footnote-declared = (*) Số "được xác nhận trên VNeID" do người học tự trả lời trong bot; bot không xem được VNeID.
xlsx-footnote-counts = Số liệu từ bot học tập "Bình dân học vụ số": mỗi người được tính một lần, theo khu vực và nhóm mà người học tự chọn.
xlsx-col-area-id = Mã khu vực
xlsx-col-area = Khu vực
xlsx-total = Tổng: {$area}
xlsx-col-topic = Chủ đề
xlsx-col-lesson = Bài học
xlsx-col-lesson-id = Mã bài
xlsx-col-done-quarter = Hoàn thành trong quý
xlsx-col-done-to-date = Hoàn thành lũy kế
xlsx-topic-done = Hoàn thành cả chủ đề (chứng nhận)
xlsx-core-topic = {$topic} (cốt lõi)
