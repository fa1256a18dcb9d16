//! SHR-01: the partner interface as a WebService, in the shape of the traffic-management
//! integrated platform's external access interface: `queryObjectOut(xtlb, jkxlh, jkid,
//! UTF8XmlDoc)`, where `jkxlh` is the partner's key, `jkid` the interface id of the registry
//! and `UTF8XmlDoc` a URL-encoded `<root><QueryCondition>…</QueryCondition></root>`. The answer
//! is a URL-encoded `<root><head><code/><message/><rownum/></head><body><row>…</row></body>
//! </root>`. SOAP 1.1 and 1.2 envelopes, document/literal or rpc (the operation's children are
//! read by local name). Bodies are size-limited; a DOCTYPE (and so any entity) is refused.
//! Errors are SOAP Faults. The answer comes from the same grant projection as the JSON one.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::events::Event;
use quick_xml::Reader;
use roadwarden_domain::sharing::grant::{Filter, FilterOp, PartnerQuery, Sort};

use crate::context::RequestMeta;
use crate::error::AppError;
use crate::services::sharing::partner_query::{self, Protocol};
use crate::state::AppState;

/// The largest envelope accepted, and the deepest nesting.
pub const MAX_ENVELOPE: usize = 64 * 1024;
const MAX_DEPTH: usize = 16;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const TNS: &str = "http://roadwarden/TmriOutAccess";

/// One element with text: its local name and its parent's local name.
struct Leaf {
    name: String,
    parent: String,
    text: String,
}

/// Reads the elements of a small XML document: refuses a DOCTYPE, too deep or too big.
fn leaves(xml: &[u8]) -> Result<(Vec<Leaf>, String), String> {
    if xml.len() > MAX_ENVELOPE {
        return Err(format!("the document is larger than {MAX_ENVELOPE} bytes"));
    }
    let mut reader = Reader::from_reader(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut root_ns = String::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                if stack.is_empty()
                    && e.attributes()
                        .flatten()
                        .any(|a| a.value.as_ref() == SOAP12.as_bytes())
                {
                    root_ns = SOAP12.into();
                }
                stack.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                if stack.len() > MAX_DEPTH {
                    return Err("the document is nested too deeply".into());
                }
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = stack.last().cloned().unwrap_or_default();
                out.push(Leaf {
                    name,
                    parent,
                    text: String::new(),
                });
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().cloned().unwrap_or_default();
                out.push(Leaf {
                    name,
                    parent,
                    text: text.trim().to_owned(),
                });
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.unescape().map_err(|e| e.to_string())?),
            Event::CData(c) => text.push_str(&c.decode().map_err(|e| e.to_string())?),
            Event::DocType(_) => return Err("DOCTYPE declarations are refused".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".into());
    }
    Ok((out, root_ns))
}

/// `%XX` and `+` decoding of `UTF8XmlDoc`.
fn url_decode(raw: &str) -> Result<String, String> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).map_err(|e| e.to_string())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad %-escape".to_owned())?);
                i += 3;
            }
            b'%' => return Err("bad %-escape".into()),
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The query conditions: `<field>value</field>` is an equality; `<sort>`, `<desc>`, `<limit>`
/// and `<grant>` are the order, its direction, the row count and an explicit grant.
fn conditions(leaves: &[Leaf]) -> Result<(PartnerQuery, Option<i64>), String> {
    let mut q = PartnerQuery::default();
    let mut grant = None;
    let mut descending = false;
    for l in leaves.iter().filter(|l| l.parent == "QueryCondition") {
        match l.name.as_str() {
            "grant" => grant = Some(l.text.parse().map_err(|_| "grant is a number")?),
            "limit" => q.limit = Some(l.text.parse().map_err(|_| "limit is a number")?),
            "sort" => {
                q.sort = Some(Sort {
                    field: l.text.clone(),
                    descending: false,
                });
            }
            "desc" => descending = l.text == "1" || l.text == "true",
            field => q.filters.push(Filter {
                field: field.to_owned(),
                op: FilterOp::Eq,
                value: l.text.clone(),
            }),
        }
    }
    if let Some(s) = q.sort.as_mut() {
        s.descending = descending;
    }
    Ok((q, grant))
}

fn envelope(soap12: bool, body: &str) -> Response {
    let (ns, ct) = if soap12 {
        (SOAP12, "application/soap+xml; charset=utf-8")
    } else {
        (SOAP11, "text/xml; charset=utf-8")
    };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"{ns}\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    );
    ([(header::CONTENT_TYPE, ct)], xml).into_response()
}

/// A SOAP Fault carrying the error code and its message.
fn fault(soap12: bool, client: bool, code: &str, message: &str) -> Response {
    let body = if soap12 {
        let who = if client {
            "soap:Sender"
        } else {
            "soap:Receiver"
        };
        format!("<soap:Fault><soap:Code><soap:Value>{who}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">{}: {}</soap:Text></soap:Reason></soap:Fault>", escape(code), escape(message))
    } else {
        let who = if client { "soap:Client" } else { "soap:Server" };
        format!("<soap:Fault><faultcode>{who}</faultcode><faultstring>{}: {}</faultstring></soap:Fault>", escape(code), escape(message))
    };
    let mut r = envelope(soap12, &body);
    // A sender's mistake is a 400; the server's own failure a 500 (the HTTP layer answers
    // any 500 with its generic error, so a client Fault keeps its envelope only as a 400).
    *r.status_mut() = if client {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    r
}

fn app_fault(soap12: bool, e: &AppError) -> Response {
    let client = e.status().is_client_error();
    fault(soap12, client, e.code().as_str(), &e.to_string())
}

/// SHR-01: `queryObjectOut` over SOAP 1.1 or 1.2.
#[utoipa::path(post, path = "/api/v1/soap/TmriOutAccess", tag = "sharing",
    request_body(content = String, content_type = "text/xml", description = "A SOAP 1.1 or 1.2 envelope calling queryObjectOut(xtlb, jkxlh, jkid, UTF8XmlDoc)"),
    responses((status = 200, description = "The envelope with queryObjectOutReturn: the URL-encoded result XML (SOAP 1.1 as text/xml, 1.2 as application/soap+xml)",
                  content((String = "text/xml"), (String = "application/soap+xml"))),
              (status = 400, description = "a refusal as a SOAP Fault naming the code: malformed, oversized or DOCTYPE envelope, unknown jkxlh, expired grant, field outside the grant (a refusal before the envelope is read is the usual error body)",
                  content((String = "text/xml"), (String = "application/soap+xml"), (crate::error::ErrorEnvelope = "application/json")))))]
pub async fn call(State(state): State<AppState>, meta: RequestMeta, body: Bytes) -> Response {
    let soap12_hint = body.windows(SOAP12.len()).any(|w| w == SOAP12.as_bytes());
    let (leaves, root_ns) = match leaves(&body) {
        Ok(v) => v,
        Err(m) => return fault(soap12_hint, true, "request.malformed", &m),
    };
    let soap12 = root_ns == SOAP12 || soap12_hint;
    let get = |name: &str| {
        leaves
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.text.clone())
    };
    if !leaves
        .iter()
        .any(|l| l.name == "queryObjectOut" || l.parent == "queryObjectOut")
    {
        return fault(
            soap12,
            true,
            "request.malformed",
            "only queryObjectOut is offered",
        );
    }
    let (Some(key), Some(jkid)) = (get("jkxlh"), get("jkid")) else {
        return fault(
            soap12,
            true,
            "request.malformed",
            "jkxlh and jkid are required",
        );
    };
    let doc = match url_decode(&get("UTF8XmlDoc").unwrap_or_default()) {
        Ok(d) => d,
        Err(m) => return fault(soap12, true, "request.malformed", &m),
    };
    let (query, grant) = match leaves_of(&doc) {
        Ok(v) => v,
        Err(m) => return fault(soap12, true, "request.malformed", &m),
    };
    let grant = match grant {
        Some(g) => g,
        None => match partner_query::grant_for(&state, &key, &jkid).await {
            Ok(g) => g,
            Err(e) => return app_fault(soap12, &e),
        },
    };
    match partner_query::query(&state, &meta, &key, Protocol::Soap, grant, &query).await {
        Ok(a) => {
            let mut xml = format!(
                "<root><head><code>1</code><message>ok</message><rownum>{}</rownum></head><body>",
                a.rows.len()
            );
            for row in &a.rows {
                xml.push_str("<row>");
                for (name, v) in a.fields.iter().zip(row) {
                    xml.push_str(&format!("<{name}>{}</{name}>", escape(&v.text())));
                }
                xml.push_str("</row>");
            }
            xml.push_str("</body></root>");
            let body = format!(
                "<ns:queryObjectOutResponse xmlns:ns=\"{TNS}\"><ns:queryObjectOutReturn>{}</ns:queryObjectOutReturn></ns:queryObjectOutResponse>",
                url_encode(&xml)
            );
            envelope(soap12, &body)
        }
        Err(e) => app_fault(soap12, &e),
    }
}

fn leaves_of(doc: &str) -> Result<(PartnerQuery, Option<i64>), String> {
    let (inner, _) = leaves(doc.as_bytes())?;
    conditions(&inner)
}

/// The WSDL of the service (document/literal, SOAP 1.1 and 1.2 bindings).
#[utoipa::path(get, path = "/api/v1/soap/TmriOutAccess.wsdl", tag = "sharing",
    responses((status = 200, content_type = "text/xml", body = String)))]
pub async fn wsdl(State(state): State<AppState>) -> Response {
    let base = state.settings.public_base_url();
    let xml = include_str!("partner_soap.wsdl")
        .replace("{{ADDRESS}}", &format!("{base}/api/v1/soap/TmriOutAccess"));
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shr_01_an_envelope_with_a_doctype_is_refused_and_the_doc_is_url_decoded() {
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>";
        assert!(leaves(bomb).is_err());
        assert_eq!(url_decode("%3Croot%3E+a").unwrap(), "<root> a");
        assert!(url_decode("%3").is_err());
        let (q, g) = leaves_of("<root><QueryCondition><place>路口</place><sort>id</sort><desc>1</desc><grant>7</grant></QueryCondition></root>").unwrap();
        assert_eq!(g, Some(7));
        assert_eq!(q.filters.len(), 1);
        assert!(q.sort.unwrap().descending);
        assert!(leaves(&vec![b'<'; MAX_ENVELOPE + 1]).is_err());
    }
}
