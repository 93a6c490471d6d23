//! `detente report -o html`: one self-contained page, checked as text and
//! rendered in headless Chromium (the screenshot is kept in
//! target/report-html.png for people to look at).

#![allow(
    clippy::indexing_slicing,
    reason = "a decoded PNG's buffer holds whole pixels of `channels` samples"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{detente, root, stdout};

fn html(args: &[&str]) -> String {
    let out = detente()
        .args(["report", "-o", "html"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    stdout(&out)
}

#[test]
fn the_html_report_is_one_page_that_needs_nothing_else() {
    let dir = "tests/fixtures/eval/colleague";
    let page = html(&[
        "--policy",
        "policies/acme.detente",
        "--contacts",
        &format!("{dir}/contacts.csv"),
        "--accounts",
        &format!("{dir}/accounts.csv"),
        "--events",
        &format!("{dir}/events.jsonl"),
        "--from",
        "2026-04-01",
        "--as-of",
        "2026-04-20T12:00:00Z",
    ]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    // Works offline: nothing to fetch, no script.
    for outside in [
        "http://", "https://", "src=", "<script", "@import", "url(http",
    ] {
        assert!(
            !page.contains(outside),
            "the page refers outside: {outside}"
        );
    }
    for part in [
        "id=\"funnel-chart\"",
        "id=\"stage-graph\"",
        "class=\"stay\"",
        "<h2>Funnel</h2>",
        "<h2>Velocity</h2>",
        "<h2>Attribution</h2>",
        "<h2>SLAs</h2>",
        "<h2>Metrics</h2>",
        "<h2>Incentives</h2>",
        "<h2>Score calibration</h2>",
    ] {
        assert!(page.contains(part), "missing {part}");
    }
    // The same figures as the terminal table: two contacts entered lead.
    assert!(page.contains("2 entered"), "{page}");
}

/// The stage graph's arrow counts on the example data: no two overlap
/// (12px digits, about 7px wide, 15px a line).
#[test]
fn the_stage_graphs_arrow_labels_never_overlap() {
    let page = html(&[]);
    let labels: Vec<(f64, f64, usize)> = page
        .split("<text class=\"edge-count\" ")
        .skip(1)
        .map(|rest| {
            let attr = |name: &str| -> f64 {
                let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + rest[start..].find('"').unwrap();
                rest[start..end].parse().unwrap()
            };
            let text_start = rest.find('>').unwrap() + 1;
            let text_end = text_start + rest[text_start..].find('<').unwrap();
            (attr("x"), attr("y"), rest[text_start..text_end].len())
        })
        .collect();
    assert!(labels.len() >= 5, "{labels:?}");
    for (i, a) in labels.iter().enumerate() {
        for b in labels.iter().skip(i + 1) {
            let half = |digits: usize| (7.0 * digits as f64 + 6.0) / 2.0;
            let apart = (a.0 - b.0).abs() >= half(a.2) + half(b.2) || (a.1 - b.1).abs() >= 15.0;
            assert!(apart, "arrow labels overlap: {a:?} and {b:?}");
        }
    }
}

/// Chromium, if this machine has it; `DETENTE_REQUIRE_CHROMIUM=1` (set by
/// .ci/run, which installs it) makes its absence a failure.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file());
    if found.is_none() && std::env::var("DETENTE_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!("DETENTE_REQUIRE_CHROMIUM=1 but no chromium on PATH (set CHROMIUM=/path/to/it)");
    }
    found
}

/// `page` rendered by headless Chromium at `size`, kept in
/// target/`name` for people to look at.
fn screenshot(chromium: &Path, page: &str, size: (u32, u32), name: &str) -> PathBuf {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, page).unwrap();
    let shot = root().join("target").join(name);
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    shot
}

/// How many pixels of the screenshot are close to `rgb`.
fn pixels_like(png_path: &Path, rgb: [u8; 3]) -> (usize, (u32, u32)) {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let near = |a: u8, b: u8| a.abs_diff(b) <= 12;
    let count = buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| near(p[0], rgb[0]) && near(p[1], rgb[1]) && near(p[2], rgb[2]))
        .count();
    (count, (info.width, info.height))
}

#[test]
fn the_html_report_renders_its_charts_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: no chromium on PATH (.ci/run installs it)");
        return;
    };
    // The shipped example data: every chart has something to draw.
    let shot = screenshot(&chromium, &html(&[]), (1100, 2600), "report-html.png");
    let (blue, size) = pixels_like(&shot, [0x2f, 0x6f, 0xdf]);
    let (orange, _) = pixels_like(&shot, [0xe0, 0x78, 0x2f]);
    eprintln!("screenshot {size:?}: {blue} blue, {orange} orange pixels");
    assert_eq!(size, (1100, 2600));
    // The funnel bars, stage boxes and time-in-stage bars are blue; the
    // detour boxes orange. Blank or unstyled pages have neither.
    assert!(
        blue > 40_000,
        "only {blue} blue pixels: did the charts render?"
    );
    assert!(
        orange > 3_000,
        "only {orange} orange pixels: no detour stages?"
    );
}

/// The scoreboard opens with a tile per metric and a segment picker
/// (radio buttons and CSS): in Chromium the picked pill is dark and the
/// tiles' figures blue; as text, every cut metric has a value block per
/// segment, shown only when its segment is picked.
#[test]
fn the_scoreboard_opens_with_kpi_tiles_and_a_segment_picker() {
    let out = detente()
        .current_dir(root().join("examples/scoreboard"))
        .args(["report", "--as-of", "2026-10-31T23:59:59Z", "-o", "html"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = String::from_utf8_lossy(&out.stdout).to_string();
    for part in [
        "id=\"kpi-tiles\"",
        "id=\"segment-picker\"",
        "<label for=\"seg-0-0\">contact.office: Boston</label>",
        "#seg-0-0:checked ~ .tiles .seg-0-0 { display: block; }",
        // The description as the tile's name, dates as people write them.
        "<div class=\"name\">Win rate by office</div>",
        "as of 31 Oct 2026 23:59 UTC",
    ] {
        assert!(page.contains(part), "missing {part}");
    }
    // Rates as percentages, money with its sign.
    assert!(
        page.contains("<div class=\"big\">75.0%</div>"),
        "win rate as %"
    );
    assert!(
        page.contains("<div class=\"big\">$411,000.00</div>"),
        "money with its sign"
    );
    // No touchpoints and no scores in this policy: those sections are left out.
    assert!(!page.contains("<h2>Attribution</h2>"));
    assert!(!page.contains("<h2>Score calibration</h2>"));
    let Some(chromium) = chromium() else {
        eprintln!("skipped: no chromium on PATH (.ci/run installs it)");
        return;
    };
    let shot = screenshot(&chromium, &page, (1100, 700), "scoreboard-html.png");
    // The top of the page is the picker and the tiles: the picked pill
    // (#1d2430) and the tiles' figures and trend lines (#2f6fdf).
    let (dark, _) = pixels_like(&shot, [0x1d, 0x24, 0x30]);
    let (blue, _) = pixels_like(&shot, [0x2f, 0x6f, 0xdf]);
    eprintln!("scoreboard screenshot: {dark} dark, {blue} blue pixels");
    assert!(dark > 1_500, "only {dark} dark pixels: no picked pill?");
    assert!(blue > 1_500, "only {blue} blue pixels: no tiles?");
}
