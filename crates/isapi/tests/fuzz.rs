//! The fuzzing for this crate: `parse_alert` reads bodies from the network, so
//! it must answer every input with `Ok` or `Err`, never a panic, and whatever
//! it accepts must still satisfy the promises the types make.

use proptest::prelude::*;
use proptest::sample::Index;
use roadwarden_isapi::{parse_alert, Alert, MAX_XML_BYTES};

const FIXTURES: [&[u8]; 2] = [
    include_bytes!("fixtures/anpr_plate_detected.xml"),
    include_bytes!("fixtures/fielddetection_vehicle.xml"),
];

/// Pieces of markup that reach the parser's less travelled paths.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&",
    "&amp;",
    "&#x41;",
    "&#0;",
    "&lol;",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE x>",
    "<?pi?>",
    "\"",
    "'",
    "=",
    "<x>",
    "</x>",
    "<pictureInfo>",
    "</pictureInfo>",
    "<ANPR>",
    "</ANPR>",
    "<plateRect><X>1</X></plateRect>",
    "h:",
    "\u{FEFF}",
    "\u{e9}",
    "\0",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Delete(Index),
    Insert(Index, u8),
    InsertToken(Index, Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        1 => any::<Index>().prop_map(Mutation::Delete),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(at, t)| Mutation::InsertToken(at, t)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    if len == 0 {
        return;
    }
    match mutation {
        Mutation::Flip(at, mask) => bytes[at.index(len)] ^= mask,
        Mutation::Delete(at) => {
            bytes.remove(at.index(len));
        }
        Mutation::Insert(at, b) => bytes.insert(at.index(len), *b),
        Mutation::InsertToken(at, token) => {
            let at = at.index(len);
            let token = TOKENS[token.index(TOKENS.len())].as_bytes();
            bytes.splice(at..at, token.iter().copied());
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(len)),
    }
}

/// What every accepted alert promises, however odd the input was.
fn check(alert: &Alert) {
    let mac = alert.mac.as_bytes();
    assert_eq!(mac.len(), 17, "{}", alert.mac);
    for (i, b) in mac.iter().enumerate() {
        if i % 3 == 2 {
            assert_eq!(*b, b':', "{}", alert.mac);
        } else {
            assert!(
                b.is_ascii_digit() || (b'a'..=b'f').contains(b),
                "{}",
                alert.mac
            );
        }
    }
    assert!(!alert.channel.is_empty());
    assert!(!alert.event_type.is_empty());
    if let Some(gps) = alert.gps {
        assert!(
            gps.longitude.is_finite() && gps.longitude.abs() <= 180.0,
            "{gps:?}"
        );
        assert!(
            gps.latitude.is_finite() && gps.latitude.abs() <= 90.0,
            "{gps:?}"
        );
    }
    if let Some(anpr) = &alert.anpr {
        assert!(anpr.confidence.is_none_or(|c| c <= 100));
    }
}

proptest! {
    // The brief asks for 10,000 cases here: mutations of real payloads get
    // deep into the parser, unlike random bytes, which mostly stop at byte 0.
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        let mut bytes = FIXTURES[which].to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Ok(alert) = parse_alert(&bytes) {
            check(&alert);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(alert) = parse_alert(&bytes) {
            check(&alert);
        }
    }

    #[test]
    fn markup_soup_never_panics(
        pieces in prop::collection::vec((any::<Index>(), "[a-zA-Z0-9 :.-]{0,6}"), 0..200),
    ) {
        let mut xml = String::from("<EventNotificationAlert>");
        for (token, text) in &pieces {
            xml.push_str(TOKENS[token.index(TOKENS.len())]);
            xml.push_str(text);
        }
        prop_assume!(xml.len() <= MAX_XML_BYTES);
        if let Ok(alert) = parse_alert(xml.as_bytes()) {
            check(&alert);
        }
    }
}
