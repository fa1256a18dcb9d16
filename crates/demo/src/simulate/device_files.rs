//! The devices that push, from a TOML or CSV file or the command line.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};
use roadwarden_domain::org::Country;

/// A device that pushes.
#[derive(Debug, Clone)]
pub struct SimDevice {
    pub number: String,
    pub key_id: String,
    pub secret: String,
    /// For ISAPI pushes (normalised, `bc:5e:33:62:2a:5c`); without it the device pushes JSON.
    pub mac: Option<String>,
    pub channel: Option<String>,
    pub violations: Vec<String>,
    pub country: Country,
}

/// Reads a devices file: TOML when it ends in `.toml` or holds `[[`, else CSV.
pub fn load_devices(path: &Path, default_country: Country) -> anyhow::Result<Vec<SimDevice>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        || (path
            .extension()
            .is_none_or(|e| !e.eq_ignore_ascii_case("csv"))
            && text.contains("[["));
    let rows = if toml {
        toml_rows(&text).with_context(|| format!("{name} is not a devices TOML file"))?
    } else {
        csv_rows(&text).with_context(|| format!("{name} is not a devices CSV file"))?
    };
    let devices = rows
        .into_iter()
        .map(|(at, row)| {
            device_from_row(&row, default_country).with_context(|| format!("{name}, {at}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if devices.is_empty() {
        bail!("{name} lists no devices");
    }
    Ok(devices)
}

type Row = HashMap<String, String>;

fn toml_rows(text: &str) -> anyhow::Result<Vec<(String, Row)>> {
    let doc: toml::Table = toml::from_str(text)?;
    let list = doc
        .get("device")
        .or_else(|| doc.get("devices"))
        .and_then(toml::Value::as_array)
        .context("expected [[device]] tables")?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let table = v.as_table().context("each [[device]] must be a table")?;
            let row = table
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Array(items) => items
                            .iter()
                            .map(|i| match i {
                                toml::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(";"),
                        other => other.to_string(),
                    };
                    (k.to_ascii_lowercase(), text)
                })
                .collect();
            Ok((format!("device {}", i + 1), row))
        })
        .collect()
}

fn csv_rows(text: &str) -> anyhow::Result<Vec<(String, Row)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = headers
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        rows.push((format!("line {line}"), row));
    }
    Ok(rows)
}

fn device_from_row(row: &Row, default_country: Country) -> anyhow::Result<SimDevice> {
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| row.get(*k))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let need = |keys: &[&str]| get(keys).with_context(|| format!("{} is missing", keys[0]));
    let country = match get(&["country"]) {
        Some(c) => Country::parse(&c).map_err(|e| anyhow::anyhow!("country {e}"))?,
        None => default_country,
    };
    let violations = get(&["violations", "violation_codes", "violation_types"])
        .map(|v| {
            v.split([';', ',', ' ', '|'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let (mac, channel) = mac_and_channel(get(&["mac", "mac_address"]), get(&["channel"]))?;
    Ok(SimDevice {
        number: need(&["number", "device_number"])?,
        key_id: need(&["key_id", "key"])?,
        secret: need(&["secret"])?,
        mac,
        channel,
        violations,
        country,
    })
}

fn mac_and_channel(
    mac: Option<String>,
    channel: Option<String>,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let Some(mac) = mac else {
        return Ok((None, None));
    };
    // Checked as the server checks it; written lowercase, as Hikvision cameras write it.
    let mac = roadwarden_domain::device::parse_mac(&mac)
        .map_err(|e| anyhow::anyhow!("mac {}", e.reason))?
        .to_ascii_lowercase();
    let channel = channel.unwrap_or_else(|| "1".into());
    if !channel.chars().all(|c| c.is_ascii_digit()) {
        bail!("channel must be a number, not {channel}");
    }
    Ok((Some(mac), Some(channel)))
}

/// `NUMBER:KEY:SECRET[:MAC:CHANNEL]`; the MAC keeps its own colons.
pub fn parse_inline_device(
    raw: &str,
    country: Country,
    violations: &[String],
) -> anyhow::Result<SimDevice> {
    let usage = || format!("--device {raw}: expected NUMBER:KEY:SECRET[:MAC:CHANNEL]");
    let mut parts = raw.trim().splitn(4, ':');
    let mut next = || {
        parts
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(number), Some(key_id), Some(secret)) = (next(), next(), next()) else {
        bail!(usage());
    };
    let (mac, channel) = match next() {
        None => (None, None),
        Some(rest) => {
            let Some((mac, channel)) = rest.rsplit_once(':') else {
                bail!("{}, MAC and channel as bc:5e:33:62:2a:5c:1", usage());
            };
            mac_and_channel(Some(mac.to_owned()), Some(channel.to_owned())).with_context(usage)?
        }
    };
    Ok(SimDevice {
        number,
        key_id,
        secret,
        mac,
        channel,
        violations: violations.to_vec(),
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_devices_keep_the_mac_colons() {
        let d = parse_inline_device(
            "330522010201:dk_1:ds_2:BC-5E-33-62-2A-5C:1",
            Country::China,
            &["1625".into()],
        )
        .unwrap();
        assert_eq!(d.mac.as_deref(), Some("bc:5e:33:62:2a:5c"));
        assert_eq!(d.channel.as_deref(), Some("1"));
        let d = parse_inline_device(
            "330522010201:dk_1:ds_2:bc:5e:33:62:2a:5c:2",
            Country::China,
            &[],
        )
        .unwrap();
        assert_eq!(d.mac.as_deref(), Some("bc:5e:33:62:2a:5c"));
        assert_eq!(d.channel.as_deref(), Some("2"));
        let d = parse_inline_device("n:k:s", Country::Vietnam, &[]).unwrap();
        assert!(d.mac.is_none() && d.country == Country::Vietnam);
        assert!(parse_inline_device("n:k", Country::China, &[]).is_err());
        assert!(parse_inline_device("n:k:s:nonsense", Country::China, &[]).is_err());
    }

    #[test]
    fn devices_files_in_toml_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("devices.toml");
        std::fs::write(
            &toml_path,
            r#"
[[device]]
number = "330522010201"
key_id = "dk_a"
secret = "ds_a"
mac = "bc:5e:33:62:2a:5c"
channel = 1
violations = ["1625", "1208"]

[[device]]
number = "450201030001"
key_id = "dk_b"
secret = "ds_b"
violations = "VN02"
country = "VN"
"#,
        )
        .unwrap();
        let d = load_devices(&toml_path, Country::China).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].channel.as_deref(), Some("1"));
        assert_eq!(d[0].violations, ["1625", "1208"]);
        assert_eq!(d[1].country, Country::Vietnam);
        assert!(d[1].mac.is_none());

        let csv_path = dir.path().join("devices.csv");
        std::fs::write(
            &csv_path,
            "number,key_id,secret,mac,channel,violations,country\n\
             330522010201,dk_a,ds_a,bc:5e:33:62:2a:5c,1,1625;1208,CN\n\
             450201030001,dk_b,ds_b,,,VN02,VN\n",
        )
        .unwrap();
        let c = load_devices(&csv_path, Country::China).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].mac, d[0].mac);
        assert_eq!(c[1].violations, ["VN02"]);

        std::fs::write(&csv_path, "number,key_id\n1,2\n").unwrap();
        let e = load_devices(&csv_path, Country::China).unwrap_err();
        assert!(format!("{e:#}").contains("secret is missing"), "{e:#}");
    }
}
