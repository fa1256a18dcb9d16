//! Renders letters in each language and checks the PDF: its framing, that it
//! has one A4 page, and (when poppler's `pdftotext` is installed) that the
//! key text can be extracted. Without `pdftotext` the extraction checks are
//! skipped with a note: `apt-get install -y poppler-utils` to run them.

mod support;

use std::process::Command;

use roadwarden_letter::{render, Letter};

/// Extracted text of the PDF, or `None` when pdftotext is not installed.
fn pdftotext(pdf: &[u8], tag: &str) -> Option<String> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        println!("note: pdftotext not found; skipping text extraction checks for {tag}");
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "roadwarden-letter-{}-{tag}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, pdf).expect("write temporary PDF");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("run pdftotext");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pdftotext failed: {stderr}");
    assert!(
        !stderr.contains("Syntax Error"),
        "pdftotext reported a malformed PDF: {stderr}"
    );
    Some(String::from_utf8(out.stdout).expect("pdftotext prints UTF-8"))
}

/// Page count per pdfinfo, when installed.
fn pdfinfo(pdf: &[u8], tag: &str) -> Option<String> {
    if Command::new("pdfinfo").arg("-v").output().is_err() {
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "roadwarden-letter-info-{}-{tag}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, pdf).expect("write temporary PDF");
    let out = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("run pdfinfo");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdfinfo failed");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Text with all whitespace removed, so line breaks chosen by the layout
/// (or by pdftotext) do not matter.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_contains(text: &str, needle: &str) {
    assert!(
        squash(text).contains(&squash(needle)),
        "extracted text lacks {needle:?}; text was:\n{text}"
    );
}

/// Checks framing and the one-page A4 structure; returns extracted text.
fn check_pdf(letter: &Letter, tag: &str) -> Option<String> {
    let pdf = render(letter);
    assert!(pdf.starts_with(b"%PDF-"), "{tag}: no PDF header");
    assert!(pdf.ends_with(b"%%EOF"), "{tag}: no %%EOF trailer");
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(raw.matches("/Type /Page\n").count(), 1, "{tag}: one page");
    assert!(raw.contains("/Count 1"), "{tag}: page tree counts one page");
    assert!(
        raw.contains("/MediaBox [0 0 595.276 841.89]"),
        "{tag}: A4 media box"
    );
    if let Some(info) = pdfinfo(&pdf, tag) {
        assert!(info.contains("Pages:           1"), "{tag}: {info}");
        assert!(info.contains("(A4)"), "{tag}: {info}");
    }
    pdftotext(&pdf, tag)
}

#[test]
fn chinese_letter() {
    let letter = support::zh();
    let Some(text) = check_pdf(&letter, "zh") else {
        return;
    };
    assert_contains(&text, "交通技术监控违法行为通知书");
    assert_contains(&text, "通知书");
    assert_contains(&text, "浙E12345");
    assert_contains(&text, "2026年12月23日");
    assert_contains(&text, "https://gab.122.gov.cn/objection");
    assert_contains(&text, "编号：NT-330522-2026-000123");
    assert_contains(&text, "机动车违反禁令标志指示（代码1344）");
    assert_contains(&text, "延长期限最长不超过三个月");
    assert_contains(&text, "五个工作日内");
    assert_contains(&text, "行政复议或者提起行政诉讼");
    assert_contains(&text, "百分之三");
    assert_contains(&text, "3 分");
}

#[test]
fn vietnamese_letter() {
    let letter = support::vi();
    let Some(text) = check_pdf(&letter, "vi") else {
        return;
    };
    assert_contains(
        &text,
        "THÔNG BÁO VI PHẠM HÀNH CHÍNH TRONG LĨNH VỰC GIAO THÔNG ĐƯỜNG BỘ \
         ĐƯỢC PHÁT HIỆN QUA PHƯƠNG TIỆN, THIẾT BỊ KỸ THUẬT",
    );
    assert_contains(&text, "Thông báo");
    assert_contains(&text, "30A-123.45");
    assert_contains(&text, "ngày 23 tháng 12 năm 2026");
    assert_contains(&text, "https://csgt.vn/phan-anh");
    assert_contains(&text, "20.000.000 đồng");
    assert_contains(&text, "Kính gửi: Nguyễn Văn Hưởng");
    assert_contains(&text, "tối đa không quá 03 tháng");
    assert_contains(&text, "05 ngày làm việc");
    assert_contains(&text, "từ chối kiểm định");
    // Vietnamese letters do not mention the Chinese late-payment surcharge.
    assert!(!text.contains('%'), "no 3% surcharge in vi: {text}");
}

#[test]
fn english_letter() {
    let letter = support::en();
    let Some(text) = check_pdf(&letter, "en") else {
        return;
    };
    assert_contains(
        &text,
        "Notice of a traffic violation recorded by enforcement technology",
    );
    assert_contains(&text, "浙E12345");
    assert_contains(&text, "23 December 2026");
    assert_contains(&text, "https://gab.122.gov.cn/objection");
    assert_contains(&text, "extension of up to three months");
    assert_contains(&text, "within five working days");
    assert_contains(&text, "administrative reconsideration");
    assert_contains(&text, "3% of the fine");
    assert_contains(&text, "Penalty points None");
}

#[test]
fn hostile_text_is_escaped_and_stays_on_one_page() {
    let address: String = "Lô 7, đường Nguyễn Trãi (khu B) \\ 88号 "
        .chars()
        .cycle()
        .take(2000)
        .collect();
    for (tag, mut letter) in [
        ("zh", support::zh()),
        ("vi", support::vi()),
        ("en", support::en()),
    ] {
        letter.owner_name = r"O'Brien (Trading)) \ Co. ((".to_owned();
        letter.owner_address.clone_from(&address);
        letter.place = ")".repeat(500);
        letter.handling_office = r"Office \(x\) ".repeat(40);
        let tag = format!("hostile-{tag}");
        let Some(text) = check_pdf(&letter, &tag) else {
            continue;
        };
        assert_contains(&text, r"O'Brien (Trading)) \ Co. ((");
        assert_contains(&text, "Lô 7, đường Nguyễn Trãi (khu B) \\ 88号");
        // The address is cut with an ellipsis rather than pushing the rest
        // of the letter off the page...
        assert!(text.contains('…'), "{tag}: no ellipsis in {text}");
        assert!(
            squash(&text).len() < squash(&address).len() + 6000,
            "{tag}: the 2,000-character address was not shortened"
        );
        // ...so the closing lines are still there.
        assert_contains(&text, "2026");
        assert_contains(&text, &letter.issuing_unit);
    }
}

#[test]
fn rendering_is_deterministic() {
    let letter = support::vi();
    assert_eq!(render(&letter), render(&letter));
}

#[test]
fn a_batch_of_letters_is_one_document_one_page_each() {
    let pdf = roadwarden_letter::render_many(&[support::zh(), support::vi(), support::en()]);
    assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(raw.matches("/Type /Page\n").count(), 3, "one page a letter");
    assert!(raw.contains("/Count 3"), "the page tree counts three pages");
    if let Some(info) = pdfinfo(&pdf, "batch") {
        assert!(info.contains("Pages:           3"), "{info}");
    }
    if let Some(text) = pdftotext(&pdf, "batch") {
        assert_contains(&text, "浙E12345");
        assert_contains(&text, "30A-123.45");
    }
}
