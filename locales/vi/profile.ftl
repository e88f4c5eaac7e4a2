## Hồ sơ người học: độ tuổi và nhóm, chỉ để đếm số người học
profile-ask-intro = Cảm ơn bác! Bác cho bot hỏi thêm hai câu ngắn để cán bộ biết phong trào đã đến được với những ai. Không muốn trả lời thì bấm "Bỏ qua".
profile-ask-again = Bác chọn lại độ tuổi:
profile-ask-age = Bác bao nhiêu tuổi ạ?
profile-age = { $age ->
    [under-60] Dưới 60 tuổi
   *[elderly] Từ 60 tuổi trở lên
}
profile-ask-group = Bác thuộc nhóm nào dưới đây ạ?
profile-group = { $group ->
    [resident] 🏠 Người dân (kể cả người đã nghỉ hưu)
    [public-servant] 🏛️ Cán bộ, công chức, viên chức
    [student] 🎒 Học sinh, sinh viên
    [worker] 🏭 Người lao động doanh nghiệp, hợp tác xã
   *[trader] 🛒 Tiểu thương, người buôn bán
}
button-profile-clear = Không muốn nói
profile-skipped = Không sao ạ. Lúc nào muốn, bác gõ /profile để trả lời.
profile-thanks = Cảm ơn bác! Lúc nào muốn sửa, bác gõ /profile.
profile-title = 👤 Thông tin của bác
profile-summary = Độ tuổi: { $age ->
    [under-60] dưới 60 tuổi
    [elderly] từ 60 tuổi trở lên
   *[other] chưa chọn
}
    Nhóm: { $group ->
        [resident] người dân
        [public-servant] cán bộ, công chức, viên chức
        [student] học sinh, sinh viên
        [worker] người lao động doanh nghiệp, hợp tác xã
        [trader] tiểu thương
       *[other] chưa chọn
    }
    Khu vực: { $has-area ->
        [yes] {$area}
       *[no] chưa chọn
    }
    Tên in trên giấy chứng nhận: { $named ->
        [yes] {$name}
       *[no] chưa chọn (đổi bằng /name)
    }
profile-vneid = Kết quả học hiện trong VNeID: { $answer ->
    [yes] bác nói đã hiện
    [not-yet] bác nói chưa hiện
    [dont-know] bác chưa rõ
   *[other] chưa trả lời
}
profile-why = Những thông tin này chỉ dùng để đếm số người học theo độ tuổi, nhóm và khu vực. Không ai thấy tên bác trong các con số đó.
button-profile = 👤 Thông tin của tôi
button-profile-age = Đổi độ tuổi
button-profile-group = Đổi nhóm
button-profile-vneid = Trả lời lại câu hỏi VNeID

## Câu hỏi VNeID (sau chủ đề về nền tảng học tập)
vneid-ask = Bác vừa học xong chủ đề về nền tảng "Bình dân học vụ số". Bác mở ứng dụng VNeID xem: kết quả học của bác đã hiện trong đó chưa ạ?
vneid-ask-why = Bot không xem được VNeID, nên bot hỏi bác để đếm. Bác trả lời theo những gì bác thấy là được.
vneid-answer = { $answer ->
    [yes] ✅ Đã hiện
    [not-yet] ⏳ Chưa hiện
   *[dont-know] 🤔 Tôi không rõ
}
vneid-thanks = { $answer ->
    [yes] Tuyệt vời, cảm ơn bác!
    [not-yet] Cảm ơn bác. Kết quả có thể hiện sau vài ngày; lúc nào thấy, bác gõ /profile để báo lại nhé.
   *[dont-know] Không sao ạ. Bác có thể nhờ tình nguyện viên xem giúp, rồi gõ /profile để báo lại.
}

## Tên in trên giấy chứng nhận
name-ask = 🎉 Bác sắp nhận giấy chứng nhận! Bác muốn in tên nào trên giấy?
name-ask-again = Bác muốn in tên nào trên những giấy chứng nhận sau này?
name-type-or-tap = Bấm nút bên dưới để dùng tên này, hoặc gõ họ tên của bác rồi gửi.
name-type = Bác gõ họ tên của bác rồi gửi, ví dụ: Nguyễn Thị Lan
button-name-display = ✓ Dùng tên: {$name}
name-invalid = Tên cần từ 2 đến 60 chữ cái, chỉ có chữ và khoảng trắng (không có số hay ký hiệu). Bác gõ lại giúp bot nhé.
name-set = Đã ghi tên "{$name}" trên giấy chứng nhận của bác.
name-set-future = Đã ghi. Những giấy chứng nhận sau này sẽ in tên "{$name}". Giấy đã nhận trước đây giữ nguyên tên cũ.
