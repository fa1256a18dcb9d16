#!/usr/bin/env python3
"""SHR-01: a real SOAP client (zeep, from PyPI) reads the WSDL the platform serves, in both
styles (document/literal, and rpc/encoded as Axis 1 describes it: ?style=rpc), and calls
queryObjectOut and writeObjectOut over the SOAP 1.1 and the SOAP 1.2 binding of each.

Prints one JSON line per call: {"style", "soap", "op", "answer"} with the URL-decoded answer
document, or {"style", "soap", "op", "fault"} with the Fault's text. The API test
`shr_01_a_zeep_client_calls_both_styles_over_soap_11_and_12` runs it against a test server
and checks the lines; it can also be run by hand:

    python3 -m pip install zeep
    python3 scripts/soap_zeep_client.py --base http://127.0.0.1:8080 --key KEY \
        --query-doc '<root><QueryCondition/></root>' \
        --write-doc '<root><row><violation_id>1</violation_id>…</row></root>'
"""

import argparse
import json
import sys
import urllib.parse

try:
    from zeep import Client, Settings
    from zeep.exceptions import Fault
except ImportError:
    sys.exit("soap_zeep_client: needs zeep (python3 -m pip install zeep)")

TNS = "http://roadwarden/TmriOutAccess"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the server's base URL")
    ap.add_argument("--key", required=True, help="the partner's key (jkxlh)")
    ap.add_argument("--query-jkid", default="04C01")
    ap.add_argument("--write-jkid", default="04W01")
    ap.add_argument("--query-doc", required=True)
    ap.add_argument("--write-doc", required=True)
    ap.add_argument("--styles", default="document,rpc")
    a = ap.parse_args()
    address = a.base.rstrip("/") + "/api/v1/soap/TmriOutAccess"
    for style in a.styles.split(","):
        wsdl = address + ".wsdl" + ("?style=rpc" if style == "rpc" else "")
        client = Client(wsdl, settings=Settings(strict=False))
        for soap, port in (("1.1", "TmriOutAccessSoap11"), ("1.2", "TmriOutAccessSoap12")):
            # The address the test server really listens on, whatever the WSDL says.
            service = client.create_service("{%s}%s" % (TNS, port), address)
            calls = (
                ("queryObjectOut", service.queryObjectOut, a.query_jkid, a.query_doc),
                ("writeObjectOut", service.writeObjectOut, a.write_jkid, a.write_doc),
            )
            for op, method, jkid, doc in calls:
                line = {"style": style, "soap": soap, "op": op}
                try:
                    out = method(
                        xtlb="04",
                        jkxlh=a.key,
                        jkid=jkid,
                        UTF8XmlDoc=urllib.parse.quote(doc, safe=""),
                    )
                    line["answer"] = urllib.parse.unquote_plus(str(out))
                except Fault as f:
                    line["fault"] = str(f.message)
                print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
