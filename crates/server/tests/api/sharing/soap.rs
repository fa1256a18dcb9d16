//! SHR-01 / SHR-02 over SOAP: the WSDL is served, `queryObjectOut` answers through the same
//! grant projection (SOAP 1.1 and 1.2), and errors are SOAP Faults with the code.

use super::partners::granted;
use super::*;

fn envelope(ns: &str, key: &str, doc: &str) -> String {
    let encoded: String = doc
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope xmlns:s=\"{ns}\"><s:Body>\
        <t:queryObjectOut xmlns:t=\"http://roadwarden/TmriOutAccess\"><t:xtlb>04</t:xtlb>\
        <t:jkxlh>{key}</t:jkxlh><t:jkid>04C01</t:jkid><t:UTF8XmlDoc>{encoded}</t:UTF8XmlDoc>\
        </t:queryObjectOut></s:Body></s:Envelope>"
    )
}

async fn call(w: &World, body: String) -> (u16, String) {
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/soap/TmriOutAccess"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn decoded(xml: &str) -> String {
    let start = xml.find("queryObjectOutReturn>").map_or(0, |i| i + 21);
    let end = xml[start..].find('<').map_or(xml.len(), |i| start + i);
    let raw = &xml[start..end];
    let mut out = Vec::new();
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn shr_01_query_object_out_answers_through_the_grant_over_soap_11_and_12() {
    let w = world().await;
    let ps = people(&w).await;
    notified_record(&w, 1).await;
    let (_, key, _) = granted(&w, &ps).await;
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/soap/TmriOutAccess.wsdl"))
        .send()
        .await
        .unwrap();
    let wsdl = resp.text().await.unwrap();
    assert!(
        wsdl.contains("queryObjectOut") && wsdl.contains("/api/v1/soap/TmriOutAccess\""),
        "{wsdl}"
    );

    let doc = "<root><QueryCondition><sort>occurred_at</sort></QueryCondition></root>";
    for ns in [
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    ] {
        let (status, xml) = call(&w, envelope(ns, &key, doc)).await;
        assert_eq!(status, 200, "{xml}");
        assert!(xml.contains(ns));
        let inner = decoded(&xml);
        assert!(
            inner.contains("<code>1</code>") && inner.contains("<rownum>1</rownum>"),
            "{inner}"
        );
        assert!(
            inner.contains("<plate>浙E****5</plate>") && !inner.contains("owner"),
            "{inner}"
        );
    }
}

/// Faults: a refused call answers a SOAP Fault naming the code (the API's JSON error
/// normaliser leaves XML answers alone).
#[tokio::test]
async fn shr_01_soap_errors_are_faults_with_the_code() {
    let w = world().await;
    let ps = people(&w).await;
    notified_record(&w, 1).await;
    let (_, key, _) = granted(&w, &ps).await;
    // A field outside the grant: a Fault naming the code; nothing read.
    let doc = "<root><QueryCondition><owner_name>张三</owner_name></QueryCondition></root>";
    let (status, xml) = call(
        &w,
        envelope("http://schemas.xmlsoap.org/soap/envelope/", &key, doc),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        xml.contains("<faultcode>soap:Client</faultcode>")
            && xml.contains("sharing.field_not_granted"),
        "{xml}"
    );
    // Unknown jkxlh, a DOCTYPE, a malformed or an oversized envelope: Faults too.
    let (status, xml) = call(
        &w,
        envelope(
            "http://schemas.xmlsoap.org/soap/envelope/",
            "nope",
            "<root/>",
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert!(xml.contains("sharing.bad_partner_key"), "{xml}");
    let dtd = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        envelope("http://schemas.xmlsoap.org/soap/envelope/", &key, "<root/>")
            .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "")
    );
    let (status, xml) = call(&w, dtd).await;
    assert!(status == 400 && xml.contains("DOCTYPE"), "{xml}");
    let (status, xml) = call(&w, "<s:Envelope><s:Body><queryObjectOut>".into()).await;
    assert!(status == 400 && xml.contains("Fault"), "{xml}");
    let big = envelope(
        "http://schemas.xmlsoap.org/soap/envelope/",
        &key,
        &"x".repeat(70_000),
    );
    let (status, xml) = call(&w, big).await;
    assert!(status == 400 || status == 413, "{xml}");
    let refused = audit(&w, "partner.refused").await;
    assert!(refused.iter().any(|e| e["detail"]["protocol"] == "soap"));
}
