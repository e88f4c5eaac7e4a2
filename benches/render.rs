//! Pictures: one certificate PNG (target: < 50 ms on one core) and one chart
//! PNG with 12 bars, each from view to encoded bytes, with the renderer (and
//! so the fonts) built once outside the measured loop as the bot does.

use criterion::{Criterion, criterion_group, criterion_main};

use hocvuso::render::{
    CertificateKind, CertificateLine, CertificateView, ChartBar, ChartView, Renderer,
};

fn certificate() -> CertificateView {
    CertificateView {
        movement: "Bình dân học vụ số".into(),
        heading_vi: "GIẤY CHỨNG NHẬN HOÀN THÀNH".into(),
        heading_en: "Certificate of completion".into(),
        awarded_to: "Trao cho · Awarded to".into(),
        name: "Nguyễn Thị Hằng".into(),
        area: Some("Tổ dân phố 1, Phường Hoa Sen, Tỉnh Mẫu".into()),
        topic: "Dịch vụ công trực tuyến · Online public services".into(),
        lessons: (1..=8)
            .map(|i| CertificateLine {
                title: format!("Bài {i}: nộp hồ sơ trên Cổng Dịch vụ công quốc gia"),
                detail: format!("{i:02}/11/2026 · 3/3"),
            })
            .collect(),
        issued: "Cấp ngày 14/11/2026 · Issued 14/11/2026".into(),
        code_label: "Mã xác nhận · Code:".into(),
        code: "HV-7K3Q-9XPD".into(),
        verify_hint: "Kiểm tra mã: gửi /kiemtra HV-7K3Q-9XPD cho bot".into(),
        kind: CertificateKind::Topic,
    }
}

fn chart() -> ChartView {
    ChartView {
        title: "Người học hoàn thành kỹ năng số cơ bản".into(),
        subtitle: "Tỉnh Hưng Yên · cập nhật 14/11/2026".into(),
        y_label: Some("Xã / phường".into()),
        bars: (0..12)
            .map(|i| {
                let value = f64::from(i * 37 % 100) / 100.0;
                ChartBar {
                    label: format!("Phường Thủ Dầu Một {}", i + 1),
                    value,
                    target: 0.5,
                    caption: format!("{} / 5.000 ({}%)", (value * 5000.0) as u32, i * 37 % 100),
                }
            })
            .collect(),
        target_label: "Chỉ tiêu năm 2026".into(),
        empty_text: "Chưa có số liệu".into(),
    }
}

fn bench(c: &mut Criterion) {
    let renderer = Renderer::new().unwrap();
    let (certificate, chart) = (certificate(), chart());
    let mut group = c.benchmark_group("render");
    group.bench_function("certificate png 1600x1131", |b| {
        b.iter(|| renderer.certificate_png(&certificate).unwrap())
    });
    group.bench_function("certificate svg only", |b| {
        b.iter(|| renderer.certificate_svg(&certificate))
    });
    group.bench_function("chart png, 12 bars", |b| {
        b.iter(|| renderer.chart_png(&chart).unwrap())
    });
    group.bench_function("renderer new (fonts parsed)", |b| {
        b.iter(|| Renderer::new().unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
