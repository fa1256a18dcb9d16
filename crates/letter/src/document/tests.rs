//! Renders documents and checks the PDF, the pagination and (when poppler's
//! `pdftotext` and `pdfinfo` are installed) the extracted text. Without
//! poppler the extraction checks are skipped with a note:
//! `apt-get install -y poppler-utils` to run them.

use std::process::Command;
use std::time::{Duration, Instant};

use super::layout::paginate;
use super::*;
use crate::layout::{Op, PAGE_W};

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const WATERMARK_ZH: &str = "Copied by 王警官 (cx.clerk) 2026-12-01 10:22 · request #12 · export #3";

/// Runs a poppler tool on the PDF; `None` when it is not installed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], tag: &str) -> Option<String> {
    if Command::new(tool).arg("-v").output().is_err() {
        println!("note: {tool} not found; skipping its checks for {tag}");
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "roadwarden-document-{}-{tag}-{tool}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, pdf).expect("write temporary PDF");
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(&path);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().expect("run poppler tool");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{tool} failed: {stderr}");
    assert!(
        !stderr.contains("Syntax Error"),
        "{tool} reported a malformed PDF: {stderr}"
    );
    Some(String::from_utf8(out.stdout).expect("poppler prints UTF-8"))
}

fn pdftotext(pdf: &[u8], tag: &str) -> Option<String> {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf, tag)
}

/// Text with all whitespace removed, so line breaks do not matter.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_contains(text: &str, needle: &str) {
    assert!(
        squash(text).contains(&squash(needle)),
        "extracted text lacks {needle:?}; text was:\n{text}"
    );
}

/// Pages in the PDF, counted from its page objects (and checked against
/// pdfinfo when installed).
fn page_count(pdf: &[u8], tag: &str) -> usize {
    let raw = String::from_utf8_lossy(pdf);
    let n = raw.matches("/Type /Page\n").count();
    assert!(
        raw.contains(&format!("/Count {n}")),
        "{tag}: page tree count"
    );
    if let Some(info) = poppler("pdfinfo", &[], pdf, tag) {
        let pages = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        assert_eq!(pages, Some(n), "{tag}: {info}");
        assert!(info.contains("(A4)"), "{tag}: {info}");
    }
    n
}

fn section(heading: &str, rows: &[(&str, &str)], paragraphs: &[&str]) -> Section {
    Section {
        heading: heading.to_owned(),
        rows: rows
            .iter()
            .map(|(l, v)| ((*l).to_owned(), (*v).to_owned()))
            .collect(),
        paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
        new_page: false,
    }
}

fn long_chinese() -> String {
    "执法记录仪视音频资料作为证据使用时，应当制作记录说明，载明执法人员、摄录人员、\
     起止时间、地点、设备品牌型号、文件格式和时长，并签名盖章。"
        .repeat(12)
}

/// A BWC-10 recording sheet with an SEC-07 export record, in Chinese.
fn recording_sheet_zh() -> Document {
    Document {
        language: Language::ZhCn,
        title: "执法记录仪视音频证据复制记录".to_owned(),
        watermark: WATERMARK_ZH.to_owned(),
        sections: vec![
            section(
                "一、摄录情况",
                &[
                    ("执法人员", "王警官（警号 330522）、李警官（警号 330523）"),
                    ("摄录人员", "王警官"),
                    ("起止时间", "2026-11-20 08:14:03 至 2026-11-20 08:31:47"),
                    ("地点", "浙江省湖州市长兴县雉城街道金陵路与长兴大道交叉口"),
                    ("设备品牌型号", "DSJ-V9 执法记录仪（编号 BWC-0042）"),
                    ("文件格式和时长", "MP4，17 分 44 秒，1.2 GB"),
                ],
                &[],
            ),
            section(
                "二、文件校验",
                &[
                    ("SHA-256", HASH),
                    ("文件名", "BWC-0042_20261120_081403.mp4"),
                ],
                &[],
            ),
            Section {
                new_page: true,
                ..section(
                    "三、说明",
                    &[("复制事由", "行政复议案件证据调取")],
                    &[&long_chinese()],
                )
            },
        ],
    }
}

#[test]
fn bwc_10_recording_sheet_in_chinese_extracts_title_hash_watermark_and_page_markers() {
    let pdf = render_document(&recording_sheet_zh());
    assert!(pdf.starts_with(b"%PDF-"), "no PDF header");
    assert!(pdf.ends_with(b"%%EOF"), "no %%EOF trailer");
    let pages = page_count(&pdf, "zh");
    assert_eq!(pages, 2, "the third section starts a new page");
    let Some(text) = pdftotext(&pdf, "zh") else {
        return;
    };
    assert_contains(&text, "执法记录仪视音频证据复制记录");
    assert_contains(&text, HASH);
    assert_contains(&text, WATERMARK_ZH);
    assert_contains(&text, "浙江省湖州市长兴县雉城街道金陵路与长兴大道交叉口");
    assert_contains(&text, "起止时间");
    assert_contains(&text, &long_chinese());
    for n in 1..=pages {
        assert_contains(&text, &format!("第 {n} / {pages} 页"));
    }
    // The diagonal copy of the watermark is kept out of the text: only the
    // footer's copy is extracted, once per page.
    assert_eq!(
        squash(&text).matches(&squash(WATERMARK_ZH)).count(),
        pages,
        "{text}"
    );
}

fn many_rows(n: usize) -> Document {
    let rows = (1..=n)
        .map(|i| {
            (
                format!("File {i}"),
                format!("BWC-0042_20261120_{i:06}.mp4 sha256 {HASH}"),
            )
        })
        .collect();
    Document {
        language: Language::En,
        title: "Evidence export".to_owned(),
        watermark: "Copied by cx.clerk 2026-12-01 10:22 · request #12 · export #3".to_owned(),
        sections: vec![Section {
            heading: "Files".to_owned(),
            rows,
            paragraphs: vec!["End of list.".to_owned()],
            new_page: false,
        }],
    }
}

#[test]
fn sec_07_a_200_row_export_flows_over_pages_with_the_watermark_on_each() {
    let doc = many_rows(200);
    let pdf = render_document(&doc);
    let pages = page_count(&pdf, "200-rows");
    assert!(pages > 1, "200 rows on {pages} page(s)");
    let Some(text) = pdftotext(&pdf, "200-rows") else {
        return;
    };
    // Nothing was clipped: every row, and the paragraph after them, is there.
    for i in [1, 57, 123, 200] {
        assert_contains(&text, &format!("File {i} BWC-0042_20261120_{i:06}.mp4"));
    }
    assert_eq!(squash(&text).matches(&squash(HASH)).count(), 200);
    assert_contains(&text, "End of list.");
    assert_contains(&text, "Files (continued)");
    // pdftotext ends each page with a form feed.
    for (i, page) in text.split('\u{c}').take(pages).enumerate() {
        assert_contains(page, &doc.watermark);
        assert_contains(page, &format!("Page {} / {pages}", i + 1));
    }
}

#[test]
fn every_line_stays_inside_the_page() {
    let mut doc = many_rows(200);
    doc.sections[0].rows[10].1 = "x".repeat(4_000);
    doc.sections.push(Section {
        new_page: true,
        ..section("Notes", &[], &[&long_chinese(), &"word ".repeat(2_000)])
    });
    let words = Words::of(doc.language);
    let pages = paginate(crate::fonts::fonts(), &doc, &words);
    assert!(pages.len() > 3);
    for (n, ops) in pages.iter().enumerate() {
        for op in ops {
            if let Op::Text { x, y, size, glyphs } = op {
                let right = x + crate::linebreak::width(glyphs) * size / 1000.0;
                assert!(
                    *x >= 55.0 && right <= PAGE_W - 55.0,
                    "page {n}: x {x}..{right}"
                );
                assert!(*y >= 30.0, "page {n}: text at y {y}");
            }
        }
    }
}

#[test]
fn vietnamese_diacritics_survive_extraction() {
    let doc = Document {
        language: Language::Vi,
        title: "BIÊN BẢN SAO CHÉP DỮ LIỆU THIẾT BỊ GHI HÌNH CÁ NHÂN".to_owned(),
        watermark: "Sao chép bởi Nguyễn Văn Hưởng (hn.canbo) 2026-12-01 10:22 · yêu cầu #12"
            .to_owned(),
        sections: vec![section(
            "Thông tin ghi hình",
            &[
                ("Cán bộ thực hiện", "Thượng úy Trần Thị Ngọc Ánh"),
                ("Địa điểm", "Ngã tư Nguyễn Trãi – Khuất Duy Tiến, quận Thanh Xuân"),
                // Decomposed (NFD) input is printed with precomposed letters.
                ("Ghi chú", "Tie\u{0302}\u{0301}ng đo\u{0302}\u{0323}ng cơ"),
            ],
            &["Dữ liệu được sao chép theo đề nghị của Thủ trưởng đơn vị; mọi lần sao chép đều được ghi nhận."],
        )],
    };
    let pdf = render_document(&doc);
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = pdftotext(&pdf, "vi") else {
        return;
    };
    assert_contains(&text, &doc.title);
    assert_contains(&text, &doc.watermark);
    assert_contains(&text, "Thượng úy Trần Thị Ngọc Ánh");
    assert_contains(
        &text,
        "Ngã tư Nguyễn Trãi – Khuất Duy Tiến, quận Thanh Xuân",
    );
    assert_contains(&text, "Tiếng động cơ");
    assert_contains(
        &text,
        "Thủ trưởng đơn vị; mọi lần sao chép đều được ghi nhận.",
    );
    assert_contains(&text, "Trang 1 / 1");
}

#[test]
fn an_absurdly_long_value_is_clipped_and_renders_quickly() {
    let megabyte = "a".repeat(1 << 20);
    let chinese = "证".repeat(1 << 18);
    let mut doc = recording_sheet_zh();
    doc.title = megabyte.clone();
    doc.watermark = chinese.clone();
    doc.sections[0].heading = chinese.clone();
    doc.sections[1]
        .rows
        .push(("a".repeat(1 << 20), megabyte.clone()));
    doc.sections[1].rows.push(("note".to_owned(), chinese));
    doc.sections[2].paragraphs.push(megabyte);
    let started = Instant::now();
    let pdf = render_document(&doc);
    let took = started.elapsed();
    println!("1 MB fields rendered in {took:?}, {} bytes", pdf.len());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(pdf.len() < 2_000_000, "{} bytes", pdf.len());
    let bounded = bounds::bounded(&doc, &Words::of(doc.language));
    let value = &bounded.sections[1].rows[2].1;
    assert_eq!(value.chars().count(), bounds::VALUE_MAX);
    assert!(value.ends_with('…'));
    let Some(text) = pdftotext(&pdf, "huge") else {
        return;
    };
    assert_contains(&text, HASH);
    assert!(text.contains('…'), "no ellipsis");
}

#[test]
fn content_past_the_limits_is_announced_not_dropped_silently() {
    let doc = many_rows(2_500);
    let words = Words::of(doc.language);
    let bounded = bounds::bounded(&doc, &words);
    assert_eq!(bounded.sections[0].rows.len(), 2_000);
    assert_eq!(
        bounded.sections[0].paragraphs,
        [
            "500 more rows exceed the printing limit and are not listed.",
            "End of list."
        ]
    );
    let mut doc = many_rows(1);
    doc.sections = vec![doc.sections[0].clone(); 205];
    let bounded = bounds::bounded(&doc, &words);
    assert_eq!(bounded.sections.len(), 201);
    assert_eq!(
        bounded.sections[200].paragraphs,
        ["5 more sections exceed the printing limit and are not listed."]
    );
}

#[test]
fn clip_reads_only_what_it_keeps() {
    assert_eq!(bounds::clip("  abc  ", 5), "abc");
    assert_eq!(bounds::clip("abcdefgh", 5), "abcd…");
    assert_eq!(bounds::clip("abcde", 5), "abcde");
    assert_eq!(bounds::clip("abcdef", 5), "abcd…");
    assert_eq!(bounds::clip("abcd \n\n\n", 5), "abcd");
    assert_eq!(bounds::clip("abcd \u{1}\u{1}xyz", 5), "abcd…");
}

#[test]
fn rendering_is_deterministic() {
    let doc = recording_sheet_zh();
    assert_eq!(render_document(&doc), render_document(&doc));
}

/// Writes sample documents to the temporary directory for a look with
/// `pdftoppm`: `cargo test -p roadwarden-letter write_samples -- --ignored`.
#[test]
#[ignore = "writes files for manual inspection"]
fn write_samples() {
    let dir = std::env::temp_dir();
    for (tag, doc) in [("zh", recording_sheet_zh()), ("rows", many_rows(200))] {
        let path = dir.join(format!("document-{tag}.pdf"));
        std::fs::write(&path, render_document(&doc)).expect("write sample");
        println!("{}", path.display());
    }
}
