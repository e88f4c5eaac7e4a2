# Các câu riêng cho kênh Zalo.

zalo-more-choices = Bác chọn thêm ở đây:
zalo-write-to-continue = Để học tiếp, bác bấm nút dưới đây hoặc nhắn cho bot một tin bất kỳ nhé.
zalo-document-unavailable = Bot chưa gửi được tệp "{$name}" qua Zalo. Bác nhờ người hỗ trợ lấy giúp nhé.
zalo-group-link = 👉 Học riêng với bot: {$link}
zalo-group-start = Hoặc nhắn cho OA dòng này để mở đúng bài: {$command}
