//! UI languages: zh-CN (default), en and vi. Each language is a flat TOML table of keys to
//! strings in `locales/`; a test proves every key exists in every language and every key a
//! template uses exists.

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

    fn source(self) -> &'static str {
        match self {
            Lang::ZhCn => include_str!("../locales/zh-CN.toml"),
            Lang::En => include_str!("../locales/en.toml"),
            Lang::Vi => include_str!("../locales/vi.toml"),
        }
    }
}

type Table = HashMap<String, String>;

fn tables() -> &'static HashMap<Lang, Table> {
    static TABLES: OnceLock<HashMap<Lang, Table>> = OnceLock::new();
    TABLES.get_or_init(|| {
        Lang::ALL
            .into_iter()
            .map(|lang| {
                let table: Table = toml::from_str(lang.source())
                    .unwrap_or_else(|e| panic!("locales/{}.toml: {e}", lang.code()));
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

    #[test]
    fn every_language_has_every_key() {
        let en = keys(Lang::En);
        for lang in Lang::ALL {
            assert_eq!(keys(lang), en, "{} differs from en", lang.code());
            for key in &en {
                assert!(
                    !t(lang, key).trim().is_empty(),
                    "{} {key} is empty",
                    lang.code()
                );
            }
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
