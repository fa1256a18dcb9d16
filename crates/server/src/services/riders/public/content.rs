//! RID-12: case studies, the safety quiz's question bank and the penalties, kept as data in
//! `content/rider_services.toml` (each text in zh-CN, en and vi), read once.

use std::sync::OnceLock;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// One text in the three languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
    pub vi: String,
}

impl Texts {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.zh_cn,
            Lang::En => &self.en,
            Lang::Vi => &self.vi,
        }
    }

    fn all(&self) -> [&str; 3] {
        [&self.zh_cn, &self.en, &self.vi]
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub title: Texts,
    pub body: Texts,
    pub lesson: Texts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub text: Texts,
    pub options: Vec<Texts>,
    /// The right option, from 0.
    pub answer: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penalty {
    /// no_helmet, wrong_way or red_light.
    pub violation: String,
    pub rule: Texts,
    pub penalty: Texts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
    #[serde(rename = "penalty")]
    pub penalties: Vec<Penalty>,
}

const SOURCE: &str = include_str!("../../../../content/rider_services.toml");

impl Content {
    /// Every text present in the three languages, every answer an option, ids unique.
    fn check(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for q in &self.questions {
            if !ids.insert(q.id.as_str()) {
                return Err(format!("question {} twice", q.id));
            }
            if q.options.len() < 2 || q.answer >= q.options.len() {
                return Err(format!("question {}: the answer names no option", q.id));
            }
        }
        let texts = self
            .cases
            .iter()
            .flat_map(|c| [&c.title, &c.body, &c.lesson])
            .chain(
                self.questions
                    .iter()
                    .flat_map(|q| std::iter::once(&q.text).chain(q.options.iter())),
            )
            .chain(self.penalties.iter().flat_map(|p| [&p.rule, &p.penalty]));
        for t in texts {
            if t.all().iter().any(|s| s.trim().is_empty()) {
                return Err(format!("a text lacks a language: {}", t.en));
            }
        }
        Ok(())
    }
}

/// The content, parsed and checked once (the file is part of the build: a broken one fails
/// the test below, not a rider's request).
pub fn content() -> &'static Content {
    static CONTENT: OnceLock<Content> = OnceLock::new();
    CONTENT.get_or_init(|| {
        let c: Content = toml::from_str(SOURCE).expect("content/rider_services.toml parses");
        c.check().expect("content/rider_services.toml is complete");
        c
    })
}

/// A case study in one language.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    pub title: String,
    pub body: String,
    pub lesson: String,
}

/// The penalty for one violation, in one language.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PenaltyView {
    /// no_helmet, wrong_way or red_light.
    pub violation: String,
    pub rule: String,
    pub penalty: String,
}

pub fn cases(lang: Lang) -> Vec<CaseView> {
    content()
        .cases
        .iter()
        .map(|c| CaseView {
            id: c.id.clone(),
            title: c.title.get(lang).to_owned(),
            body: c.body.get(lang).to_owned(),
            lesson: c.lesson.get(lang).to_owned(),
        })
        .collect()
}

pub fn penalties(lang: Lang) -> Vec<PenaltyView> {
    content()
        .penalties
        .iter()
        .map(|p| PenaltyView {
            violation: p.violation.clone(),
            rule: p.rule.get(lang).to_owned(),
            penalty: p.penalty.get(lang).to_owned(),
        })
        .collect()
}

/// `n` questions of the bank at random (all of them when it holds fewer).
pub fn draw(n: usize) -> Vec<&'static Question> {
    let bank = &content().questions;
    let mut rng = rand::thread_rng();
    bank.choose_multiple(&mut rng, n.min(bank.len())).collect()
}

pub fn question(id: &str) -> Option<&'static Question> {
    content().questions.iter().find(|q| q.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_12_the_content_is_complete_in_three_languages() {
        let c = content();
        assert!(c.cases.len() >= 3);
        assert!(c.questions.len() >= crate::config::PublicRiderSettings::default().quiz_questions);
        for v in ["no_helmet", "wrong_way", "red_light"] {
            assert!(c.penalties.iter().any(|p| p.violation == v), "{v}");
        }
        let drawn = draw(10);
        let ids: std::collections::HashSet<_> = drawn.iter().map(|q| &q.id).collect();
        assert_eq!(ids.len(), 10, "drawn without repeats");
    }
}
