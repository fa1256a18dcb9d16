//! UI languages: zh-CN (default), en and vi. The strings live in one file,
//! `locales/strings.toml`, one line per key with its three languages side by side; tests prove
//! every key has exactly the three languages, none empty, and every key a template uses exists.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "vi")]
    Vi,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::En, Lang::Vi];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }

    /// Accepts `zh-CN`, `zh`, `en`, `en-US`, `vi`, `vi-VN` … case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        let lower = raw.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            "vi" => Some(Lang::Vi),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header
            .split(',')
            .find_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
    }
}

const SOURCE: &str = include_str!("../locales/strings.toml");

/// One line of `strings.toml`: a key's text per language code.
type Entry = HashMap<String, String>;

fn entries() -> HashMap<String, Entry> {
    toml::from_str(SOURCE).unwrap_or_else(|e| panic!("locales/strings.toml: {e}"))
}

/// Key to text, one table per language.
type Table = HashMap<String, String>;

fn tables() -> &'static HashMap<Lang, Table> {
    static TABLES: OnceLock<HashMap<Lang, Table>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let entries = entries();
        Lang::ALL
            .into_iter()
            .map(|lang| {
                let table: Table = entries
                    .iter()
                    .filter_map(|(key, entry)| Some((key.clone(), entry.get(lang.code())?.clone())))
                    .collect();
                (lang, table)
            })
            .collect()
    })
}

/// The translation of `key`; English if the language lacks it; the key itself as a last resort
/// (tests make sure neither fallback is ever needed).
pub fn t(lang: Lang, key: &str) -> String {
    let tables = tables();
    tables[&lang]
        .get(key)
        .or_else(|| tables[&Lang::En].get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The strings key of an error code's sentence.
pub fn error_key(code: roadwarden_domain::codes::Code) -> String {
    format!("error.code.{}", code.as_str())
}

pub fn has_key(lang: Lang, key: &str) -> bool {
    tables()[&lang].contains_key(key)
}

pub fn keys(lang: Lang) -> Vec<String> {
    let mut k: Vec<String> = tables()[&lang].keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error code of the catalogue has its sentence in the three languages, and no
    /// sentence is left for a code the catalogue no longer has.
    #[test]
    fn every_error_code_reads_in_every_language() {
        use roadwarden_domain::codes::Code;
        for code in Code::ALL {
            let key = error_key(*code);
            for lang in Lang::ALL {
                assert!(has_key(lang, &key), "{} lacks {key}", lang.code());
            }
        }
        for key in keys(Lang::En) {
            if let Some(code) = key.strip_prefix("error.code.") {
                assert!(Code::parse(code).is_some(), "{key}: no such code");
            }
        }
    }

    /// Every line of `strings.toml` has zh-CN, en and vi and nothing else, none of them blank.
    #[test]
    fn every_key_has_exactly_the_three_languages() {
        let entries = entries();
        assert!(entries.len() > 100, "strings.toml looks truncated");
        let mut expected: Vec<&str> = Lang::ALL.map(Lang::code).to_vec();
        expected.sort_unstable();
        let mut wrong = Vec::new();
        for (key, entry) in &entries {
            let mut codes: Vec<&str> = entry.keys().map(String::as_str).collect();
            codes.sort_unstable();
            if codes != expected {
                wrong.push(format!("{key}: has {codes:?}"));
            }
            for (code, text) in entry {
                if text.trim().is_empty() {
                    wrong.push(format!("{key}: {code} is empty"));
                }
            }
        }
        wrong.sort();
        assert!(wrong.is_empty(), "{wrong:#?}");
        let en = keys(Lang::En);
        assert_eq!(en.len(), entries.len());
        for lang in Lang::ALL {
            assert_eq!(keys(lang), en, "{} differs from en", lang.code());
        }
    }

    #[test]
    fn languages_parse_from_headers() {
        assert_eq!(
            Lang::from_accept_language("vi-VN,vi;q=0.9,en;q=0.8"),
            Some(Lang::Vi)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::parse("zh-cn"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("de"), None);
    }
}
