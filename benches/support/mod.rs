//! Generated lesson trees and warm stores for the benchmarks.

#![allow(dead_code)]

pub mod fill;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const STEP_TEXT: &str = "Bác mở ứng dụng trên điện thoại, tìm nút \"Đăng nhập\" ở góc dưới màn hình rồi bấm vào đó. Nếu chưa thấy, bác vuốt lên một chút. Đừng lo lắng: bác có thể quay lại bước trước bất cứ lúc nào bằng nút \"Quay lại\".";

/// Writes `topics × per_topic` lessons (vi + en, 6 steps, 3 questions) into `dir`.
pub fn write_tree(dir: &Path, topics: usize, per_topic: usize) {
    for t in 0..topics {
        let topic_dir = dir.join(format!("{t:02}-topic{t}"));
        fs::create_dir_all(&topic_dir).unwrap();
        let ids: Vec<String> = (0..per_topic).map(|l| format!("t{t}-lesson{l}")).collect();
        let list = ids
            .iter()
            .map(|id| format!("\"{id}\""))
            .collect::<Vec<_>>()
            .join(", ");
        fs::write(
            topic_dir.join("topic.toml"),
            format!(
                "id = \"topic{t}\"\norder = {t}\nlessons = [{list}]\n[vi]\ntitle = \"Chủ đề {t}\"\nsummary = \"Tóm tắt\"\n[en]\ntitle = \"Topic {t}\"\nsummary = \"Summary\"\n"
            ),
        )
        .unwrap();
        for id in &ids {
            for lang in ["vi", "en"] {
                fs::write(
                    topic_dir.join(format!("{id}.{lang}.md")),
                    lesson_source(id, lang),
                )
                .unwrap();
            }
        }
    }
}

fn lesson_source(id: &str, lang: &str) -> String {
    let mut s = format!(
        "+++\nid = \"{id}\"\ntitle = \"Bài học {id} ({lang})\"\nsummary = \"Một bài ngắn\"\n+++\n\n"
    );
    for n in 0..6 {
        writeln!(
            s,
            "## Bước: Việc số {n}\n{STEP_TEXT}\n\nMẹo: Cứ từ từ, không vội.\n"
        )
        .unwrap();
    }
    for n in 0..3 {
        writeln!(
            s,
            "## Câu hỏi\nCâu hỏi số {n}: nên làm gì khi có người xin mã OTP?\n\n- [ ] Đọc mã cho họ\n- [x] Không đưa mã cho ai\n- [ ] Gửi mã qua tin nhắn\n\nGiải thích: Mã OTP là chìa khóa của tài khoản. Không ai được hỏi mã này, kể cả người tự xưng là công an hay nhân viên ngân hàng.\n"
        )
        .unwrap();
    }
    s
}

/// Resident memory of this process, from /proc (Linux), in KiB.
pub fn rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
