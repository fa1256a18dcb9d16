//! Line breaking shared by the letter and the document: greedy, with
//! breaks at spaces and next to CJK characters, no closing punctuation at
//! the start of a line, and hard breaks inside words longer than a line.

use crate::fonts::{is_cjk, Glyph};

/// Characters that must not begin a line (closing punctuation).
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '”'
            | '’'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '…'
    )
}

/// Characters that must not end a line (opening punctuation).
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '《' | '〈' | '【' | '“' | '‘' | '(' | '[' | '{'
    )
}

/// How good a line break between `a` and `b` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    /// Not allowed (inside a word, or it would leave punctuation stranded).
    Never,
    /// Inside a long URL or code, after a slash or dash: used only when the
    /// whole word does not fit on a line.
    Emergency,
    /// After a space, or next to a CJK character.
    Normal,
}

fn break_between(a: &Glyph, b: &Glyph) -> Break {
    if b.is_space() {
        return Break::Never;
    }
    if a.is_space() {
        return Break::Normal;
    }
    if no_line_start(b.ch) || no_line_end(a.ch) {
        return Break::Never;
    }
    if is_cjk(a.ch) || is_cjk(b.ch) {
        return Break::Normal;
    }
    if matches!(
        a.ch,
        '/' | '-' | '–' | '—' | '&' | '?' | '=' | '_' | '.' | ','
    ) && !matches!(b.ch, '/' | '-' | '.')
    {
        return Break::Emergency;
    }
    Break::Never
}

pub(crate) fn width(glyphs: &[Glyph]) -> f32 {
    glyphs.iter().map(|g| g.advance).sum()
}

fn trim_end(line: &mut Vec<Glyph>) {
    while line.last().is_some_and(Glyph::is_space) {
        line.pop();
    }
}

/// The last position in `line` where a break of at least `level` may fall.
fn last_break(line: &[Glyph], level: Break) -> Option<usize> {
    (1..line.len())
        .rev()
        .find(|&j| break_between(&line[j - 1], &line[j]) >= level)
}

/// Greedy line breaking; `max` is in thousandths of an em. Words longer
/// than a line are broken between characters.
pub(crate) fn wrap(glyphs: &[Glyph], max: f32) -> Vec<Vec<Glyph>> {
    let mut lines = Vec::new();
    let mut line: Vec<Glyph> = Vec::new();
    let mut line_w = 0.0;
    for g in glyphs {
        if line.is_empty() && g.is_space() {
            continue;
        }
        while !line.is_empty() && !g.is_space() && line_w + g.advance > max {
            let mut candidate = line.clone();
            candidate.push(*g);
            // Prefer a normal break; inside a word longer than the line
            // use an emergency break, and failing that break anywhere.
            let cut = last_break(&candidate, Break::Normal)
                .or_else(|| last_break(&candidate, Break::Emergency))
                .unwrap_or(line.len());
            let mut rest = line.split_off(cut.min(line.len()));
            trim_end(&mut line);
            lines.push(std::mem::take(&mut line));
            let lead = rest.iter().take_while(|g| g.is_space()).count();
            rest.drain(..lead);
            line = rest;
            line_w = width(&line);
        }
        if line.is_empty() && g.is_space() {
            continue;
        }
        line.push(*g);
        line_w += g.advance;
    }
    trim_end(&mut line);
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Wraps and keeps at most `max_lines`, ending the last kept line with "…"
/// when something was dropped.
pub(crate) fn fit(
    glyphs: &[Glyph],
    max: f32,
    max_lines: usize,
    ellipsis: Option<Glyph>,
) -> Vec<Vec<Glyph>> {
    let mut lines = wrap(glyphs, max);
    if lines.len() > max_lines {
        lines.truncate(max_lines.max(1));
        if let (Some(last), Some(ell)) = (lines.last_mut(), ellipsis) {
            while !last.is_empty() && width(last) + ell.advance > max {
                last.pop();
            }
            trim_end(last);
            last.push(ell);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::{fonts, Weight};

    fn text(lines: &[Vec<Glyph>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|g| g.ch).collect())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_and_hard_breaks_long_words() {
        let f = fonts();
        let g = f.shape("aaaa bbbb cccc", Weight::Regular);
        let one = f.shape("aaaa b", Weight::Regular);
        let lines = wrap(&g, width(&one));
        assert_eq!(text(&lines), ["aaaa", "bbbb", "cccc"]);
        let g = f.shape("abcdefghij", Weight::Regular);
        let lines = wrap(&g, width(&g[..4]) + 1.0);
        assert_eq!(text(&lines), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn cjk_breaks_anywhere_but_not_before_closing_punctuation() {
        let f = fonts();
        let g = f.shape("一二三，四五", Weight::Regular);
        let lines = wrap(&g, 3000.0);
        assert_eq!(text(&lines), ["一二", "三，四", "五"]);
        // No line may start with the full-width comma.
        assert!(lines.iter().all(|l| l.first().map(|g| g.ch) != Some('，')));
    }

    #[test]
    fn fit_truncates_with_ellipsis() {
        let f = fonts();
        let g = f.shape(&"word ".repeat(200), Weight::Regular);
        let ell = f.shape("…", Weight::Regular).first().copied();
        let lines = fit(&g, 20_000.0, 2, ell);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].last().map(|g| g.ch), Some('…'));
        assert!(width(&lines[1]) <= 20_000.0);
    }
}
