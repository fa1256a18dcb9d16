//! SHR-01: the partner interface as a WebService, in the shape of the traffic-management
//! integrated platform's external access interface: `queryObjectOut(xtlb, jkxlh, jkid,
//! UTF8XmlDoc)` and `writeObjectOut(xtlb, jkxlh, jkid, UTF8XmlDoc)`, where `jkxlh` is the partner's key, `jkid` the interface id of the registry
//! and `UTF8XmlDoc` a URL-encoded `<root><QueryCondition>…</QueryCondition></root>`. The answer
//! is a URL-encoded `<root><head><code/><message/><rownum/></head><body><row>…</row></body>
//! </root>`. A write sends `<root><row>…</row>…</root>`, each record only the write grant's
//! fields; what it writes becomes a request the platform decides (SEC-06). SOAP 1.1 and 1.2
//! envelopes, document/literal or rpc/encoded as Axis 1 sends it (arguments unqualified, with
//! `xsi:type`, possibly multi-referenced); the answer follows the request's style. Envelopes
//! and documents are size- and depth-limited; a DOCTYPE (and so any entity) is refused.
//! Errors are SOAP Faults. The answer comes from the same grant projection as the JSON one.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::events::Event;
use quick_xml::Reader;
use roadwarden_domain::sharing::grant::{Filter, FilterOp, PartnerQuery, Sort, Submitted};

use crate::context::RequestMeta;
use crate::error::AppError;
use crate::services::sharing::partner_query::{self, Protocol};
use crate::services::sharing::partner_write;
use crate::state::AppState;

/// The largest envelope accepted, and the deepest nesting.
pub const MAX_ENVELOPE: usize = 64 * 1024;
const MAX_DEPTH: usize = 16;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const TNS: &str = "http://roadwarden/TmriOutAccess";

/// One element with text: its local name, its parent's local name, its depth (the root is
/// 1), whether its name is namespace-qualified, and the `id` / `href` attributes an Axis 1
/// rpc/encoded request uses for multi-referenced values.
struct Leaf {
    name: String,
    parent: String,
    depth: usize,
    qualified: bool,
    id: Option<String>,
    href: Option<String>,
    text: String,
}

/// An element's `id` and `href` attributes, and whether it declares a default namespace.
fn element_attrs(e: &quick_xml::events::BytesStart<'_>) -> (Option<String>, Option<String>, bool) {
    let (mut id, mut href, mut default_ns) = (None, None, false);
    for a in e.attributes().flatten() {
        let value = String::from_utf8_lossy(&a.value).into_owned();
        match a.key.as_ref() {
            b"id" => id = Some(value),
            b"href" => href = Some(value),
            b"xmlns" => default_ns = !value.is_empty(),
            _ => {}
        }
    }
    (id, href, default_ns)
}

/// Reads the elements of a small XML document: refuses a DOCTYPE (and so any entity
/// declaration), too deep or too big.
fn leaves(xml: &[u8]) -> Result<(Vec<Leaf>, String), String> {
    if xml.len() > MAX_ENVELOPE {
        return Err(format!("the document is larger than {MAX_ENVELOPE} bytes"));
    }
    let mut reader = Reader::from_reader(xml);
    // (local name, qualified, id, href) of each open element.
    type Open = (String, bool, Option<String>, Option<String>);
    let mut stack: Vec<Open> = Vec::new();
    // Whether a default namespace is in force, per open element.
    let mut default_ns: Vec<bool> = Vec::new();
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
                let (id, href, declares) = element_attrs(&e);
                let inherited = declares || default_ns.last().copied().unwrap_or(false);
                let qualified = e.name().prefix().is_some() || inherited;
                stack.push((
                    String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    qualified,
                    id,
                    href,
                ));
                default_ns.push(inherited);
                if stack.len() > MAX_DEPTH {
                    return Err("the document is nested too deeply".into());
                }
                text.clear();
            }
            Event::Empty(e) => {
                let (id, href, declares) = element_attrs(&e);
                let inherited = declares || default_ns.last().copied().unwrap_or(false);
                out.push(Leaf {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    parent: stack.last().map(|s| s.0.clone()).unwrap_or_default(),
                    depth: stack.len() + 1,
                    qualified: e.name().prefix().is_some() || inherited,
                    id,
                    href,
                    text: String::new(),
                });
            }
            Event::End(_) => {
                let depth = stack.len();
                let (name, qualified, id, href) = stack.pop().unwrap_or_default();
                default_ns.pop();
                out.push(Leaf {
                    name,
                    parent: stack.last().map(|s| s.0.clone()).unwrap_or_default(),
                    depth,
                    qualified,
                    id,
                    href,
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

/// The two operations of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Query,
    Write,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Query => "queryObjectOut",
            Operation::Write => "writeObjectOut",
        }
    }
}

/// A call as read from the envelope.
#[derive(Debug)]
struct Call {
    op: Operation,
    /// rpc style (the arguments are unqualified, as Axis 1 rpc/encoded sends them): the answer
    /// is in rpc shape too.
    rpc: bool,
    jkxlh: String,
    jkid: String,
    doc: String,
}

const ARGS: [&str; 4] = ["xtlb", "jkxlh", "jkid", "UTF8XmlDoc"];

/// Reads the operation and its arguments: by name (document/literal, and rpc with named
/// parts), else by position (Axis `in0`..`in3`); an Axis multi-reference (`href="#id0"`) is
/// the text of the element whose `id` it names. `xsi:type` and other attributes are ignored.
fn read_call(leaves: &[Leaf]) -> Result<Call, String> {
    let Some((op, op_leaf)) = leaves.iter().find_map(|l| {
        let op = match l.name.as_str() {
            "queryObjectOut" => Operation::Query,
            "writeObjectOut" => Operation::Write,
            _ => return None,
        };
        (l.parent == "Body").then_some((op, l))
    }) else {
        return Err("the body calls queryObjectOut or writeObjectOut".into());
    };
    let args: Vec<&Leaf> = leaves
        .iter()
        .filter(|l| l.parent == op_leaf.name && l.depth == op_leaf.depth + 1)
        .collect();
    let value = |l: &Leaf| match l.href.as_deref().and_then(|h| h.strip_prefix('#')) {
        Some(id) => leaves
            .iter()
            .find(|m| m.id.as_deref() == Some(id))
            .map(|m| m.text.clone())
            .ok_or_else(|| format!("href #{id} names no element")),
        None => Ok(l.text.clone()),
    };
    let mut found: [Option<String>; 4] = Default::default();
    for (slot, name) in found.iter_mut().zip(ARGS) {
        if let Some(l) = args.iter().find(|l| l.name == name) {
            *slot = Some(value(l)?);
        }
    }
    if found.iter().all(Option::is_none) && args.len() == ARGS.len() {
        for (slot, l) in found.iter_mut().zip(&args) {
            *slot = Some(value(l)?);
        }
    }
    let [_, jkxlh, jkid, doc] = found;
    let (Some(jkxlh), Some(jkid)) = (jkxlh, jkid) else {
        return Err("jkxlh and jkid are required".into());
    };
    Ok(Call {
        op,
        rpc: args.iter().any(|l| !l.qualified),
        jkxlh,
        jkid,
        doc: url_decode(&doc.unwrap_or_default())?,
    })
}

/// The records of a `writeObjectOut` document: each child of `<root>` is one record and its
/// children are the fields, e.g. `<root><row><violation_id>7</violation_id>…</row></root>`.
fn records(doc: &str) -> Result<Vec<Submitted>, String> {
    let (inner, _) = leaves(doc.as_bytes())?;
    if inner.last().map(|l| l.name.as_str()) != Some("root") {
        return Err("the document is <root> with one element per record".into());
    }
    let mut out = Vec::new();
    let mut current = Vec::new();
    for l in &inner {
        match l.depth {
            3 => current.push((l.name.clone(), l.text.clone())),
            2 => out.push(std::mem::take(&mut current)),
            1 => {}
            _ => return Err("a record's fields hold text, not elements".into()),
        }
    }
    Ok(out)
}

/// The answer envelope: `{op}Response` with `{op}Return`, the URL-encoded result document;
/// qualified for document/literal, unqualified and typed for rpc/encoded.
fn answer(soap12: bool, op: Operation, rpc: bool, xml: &str) -> Response {
    let name = op.name();
    let body = if rpc {
        let style = if soap12 {
            String::new()
        } else {
            " soap:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"".to_owned()
        };
        format!(
            "<ns:{name}Response xmlns:ns=\"{TNS}\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"{style}><{name}Return xsi:type=\"xsd:string\">{}</{name}Return></ns:{name}Response>",
            url_encode(xml)
        )
    } else {
        format!(
            "<ns:{name}Response xmlns:ns=\"{TNS}\"><ns:{name}Return>{}</ns:{name}Return></ns:{name}Response>",
            url_encode(xml)
        )
    };
    envelope(soap12, &body)
}

/// SHR-01: `queryObjectOut` and `writeObjectOut` over SOAP 1.1 or 1.2, document/literal or
/// rpc/encoded.
#[utoipa::path(post, path = "/api/v1/soap/TmriOutAccess", tag = "sharing",
    request_body(content = String, content_type = "text/xml", description = "A SOAP 1.1 or 1.2 envelope, document/literal or rpc/encoded (Axis 1), calling queryObjectOut(xtlb, jkxlh, jkid, UTF8XmlDoc) with <root><QueryCondition>…</QueryCondition></root>, or writeObjectOut(xtlb, jkxlh, jkid, UTF8XmlDoc) with <root><row>field elements</row>…</root> (at most 100 records, only the write grant's fields; each record of the correction interface 04W01 becomes a data-modification request)"),
    responses((status = 200, description = "The envelope with queryObjectOutReturn or writeObjectOutReturn: the URL-encoded <root><head><code/><message/><rownum/></head><body><row>…</row></body></root> (SOAP 1.1 as text/xml, 1.2 as application/soap+xml)",
                  content((String = "text/xml"), (String = "application/soap+xml"))),
              (status = 400, description = "a refusal as a SOAP Fault naming the code: malformed, oversized or DOCTYPE envelope or document, unknown jkxlh, no or expired grant, field outside the grant, a record outside the grant's scope (a refusal before the envelope is read is the usual error body)",
                  content((String = "text/xml"), (String = "application/soap+xml"), (crate::error::ErrorEnvelope = "application/json")))))]
pub async fn call(State(state): State<AppState>, meta: RequestMeta, body: Bytes) -> Response {
    let soap12_hint = body.windows(SOAP12.len()).any(|w| w == SOAP12.as_bytes());
    let (leaves, root_ns) = match leaves(&body) {
        Ok(v) => v,
        Err(m) => return fault(soap12_hint, true, "request.malformed", &m),
    };
    let soap12 = root_ns == SOAP12 || soap12_hint;
    let c = match read_call(&leaves) {
        Ok(c) => c,
        Err(m) => return fault(soap12, true, "request.malformed", &m),
    };
    let outcome = match c.op {
        Operation::Query => query(&state, &meta, &c).await,
        Operation::Write => write(&state, &meta, &c).await,
    };
    match outcome {
        Ok(xml) => answer(soap12, c.op, c.rpc, &xml),
        Err(Refusal::Malformed(m)) => fault(soap12, true, "request.malformed", &m),
        Err(Refusal::App(e)) => app_fault(soap12, &e),
    }
}

enum Refusal {
    Malformed(String),
    App(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

async fn query(state: &AppState, meta: &RequestMeta, c: &Call) -> Result<String, Refusal> {
    let (query, grant) = leaves_of(&c.doc).map_err(Refusal::Malformed)?;
    let grant = match grant {
        Some(g) => g,
        None => partner_query::grant_for(state, &c.jkxlh, &c.jkid).await?,
    };
    let a = partner_query::query(state, meta, &c.jkxlh, Protocol::Soap, grant, &query).await?;
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
    Ok(xml)
}

async fn write(state: &AppState, meta: &RequestMeta, c: &Call) -> Result<String, Refusal> {
    let rows = records(&c.doc).map_err(Refusal::Malformed)?;
    let done = partner_write::write(state, meta, &c.jkxlh, Protocol::Soap, &c.jkid, &rows).await?;
    let mut xml = format!(
        "<root><head><code>1</code><message>accepted for the platform to decide</message><rownum>{}</rownum></head><body>",
        done.rows.len()
    );
    for r in &done.rows {
        xml.push_str(&format!(
            "<row><id>{}</id><state>{}</state></row>",
            r.id, r.state
        ));
    }
    xml.push_str("</body></root>");
    Ok(xml)
}

fn leaves_of(doc: &str) -> Result<(PartnerQuery, Option<i64>), String> {
    let (inner, _) = leaves(doc.as_bytes())?;
    conditions(&inner)
}

/// Which description: document/literal (the default) or rpc/encoded (`?style=rpc`).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct WsdlQuery {
    /// `rpc` for the rpc/encoded description Axis 1 clients generate stubs from.
    #[serde(default)]
    pub style: Option<String>,
}

/// The WSDL of the service (document/literal, or rpc/encoded with `?style=rpc`; SOAP 1.1 and
/// 1.2 bindings each). The endpoint accepts either style whichever description a client read.
#[utoipa::path(get, path = "/api/v1/soap/TmriOutAccess.wsdl", tag = "sharing",
    params(WsdlQuery),
    responses((status = 200, content_type = "text/xml", body = String)))]
pub async fn wsdl(State(state): State<AppState>, Query(q): Query<WsdlQuery>) -> Response {
    let base = state.settings.public_base_url();
    let template = if q.style.as_deref().map(str::trim) == Some("rpc") {
        include_str!("partner_soap_rpc.wsdl")
    } else {
        include_str!("partner_soap.wsdl")
    };
    let xml = template.replace("{{ADDRESS}}", &format!("{base}/api/v1/soap/TmriOutAccess"));
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

    /// An envelope as Axis 1 sends it (rpc/encoded): unqualified, `xsi:type`d arguments, one
    /// of them multi-referenced.
    const AXIS: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <ns1:writeObjectOut soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="http://roadwarden/TmriOutAccess">
   <xtlb xsi:type="xsd:string">04</xtlb>
   <jkxlh xsi:type="xsd:string">KEY</jkxlh>
   <jkid xsi:type="soapenc:string" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">04W01</jkid>
   <UTF8XmlDoc href="#id0"/>
  </ns1:writeObjectOut>
  <multiRef id="id0" soapenc:root="0" xsi:type="xsd:string" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">%3Croot%3E%3Crow%3E%3Cviolation_id%3E7%3C%2Fviolation_id%3E%3C%2Frow%3E%3C%2Froot%3E</multiRef>
 </soapenv:Body>
</soapenv:Envelope>"##;

    #[test]
    fn shr_01_rpc_encoded_and_document_literal_calls_read_alike() {
        let (l, _) = leaves(AXIS.as_bytes()).unwrap();
        let c = read_call(&l).unwrap();
        assert_eq!(c.op, Operation::Write);
        assert!(c.rpc, "unqualified arguments answer in rpc shape");
        assert_eq!((c.jkxlh.as_str(), c.jkid.as_str()), ("KEY", "04W01"));
        assert_eq!(
            records(&c.doc).unwrap(),
            vec![vec![("violation_id".to_owned(), "7".to_owned())]]
        );
        // Document/literal with a default namespace: qualified.
        let doc = "<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\"><Body>\
            <queryObjectOut xmlns=\"http://roadwarden/TmriOutAccess\"><xtlb>04</xtlb>\
            <jkxlh>K</jkxlh><jkid>04C02</jkid><UTF8XmlDoc>%3Croot%2F%3E</UTF8XmlDoc>\
            </queryObjectOut></Body></Envelope>";
        let (l, ns) = leaves(doc.as_bytes()).unwrap();
        assert_eq!(ns, SOAP12);
        let c = read_call(&l).unwrap();
        assert!(c.op == Operation::Query && !c.rpc && c.doc == "<root/>");
        // Axis positional parts in0..in3.
        let pos = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
            <n:queryObjectOut xmlns:n=\"x\"><in0>04</in0><in1>K</in1><in2>04C01</in2>\
            <in3></in3></n:queryObjectOut></s:Body></s:Envelope>";
        let (l, _) = leaves(pos.as_bytes()).unwrap();
        let c = read_call(&l).unwrap();
        assert_eq!((c.jkxlh.as_str(), c.jkid.as_str()), ("K", "04C01"));
        // Another operation, or records nested deeper than fields: refused.
        let other = pos.replace("queryObjectOut", "deleteObjectOut");
        assert!(read_call(&leaves(other.as_bytes()).unwrap().0).is_err());
        assert!(records("<root><row><a><b>1</b></a></row></root>").is_err());
        assert!(records("<other/>").is_err());
    }
}
