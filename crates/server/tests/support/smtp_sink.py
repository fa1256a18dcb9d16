"""A real SMTP server for the e-mail notice test (aiosmtpd, from PyPI).

Listens on 127.0.0.1 at a free port, prints `ready <port>` once listening, and writes every
message it receives to the file named on the command line as one JSON line:
{"from": ..., "to": [...], "subject": ..., "body": ..., "auth": login or null, "tls": bool}
(subject and body decoded).

Options after the file name:
  --starttls            offer STARTTLS and require it before mail
  --tls                 TLS from the first byte (SMTPS)
  --auth USER:PASSWORD  require AUTH (PLAIN or LOGIN) with these credentials
The certificate is tests/fixtures/smtp_tls/relay.pem (127.0.0.1 and localhost, signed by
ca.pem, both valid until 2126; test-only, made with `openssl req -x509` and `openssl x509 -req`).
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os
import socket
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--starttls", action="store_true")
parser.add_argument("--tls", action="store_true")
parser.add_argument("--auth")
args = parser.parse_args()
out_path = args.out


class Keep:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
            "auth": session.login_data.decode() if session.authenticated else None,
            "tls": args.tls or session.ssl is not None,
        }
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tls_context():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "smtp_tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(here, "relay.pem"), os.path.join(here, "relay.key"))
    return context


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and f"{auth_data.login.decode()}:{auth_data.password.decode()}" == args.auth
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


options = {}
if args.starttls:
    options.update(tls_context=tls_context(), require_starttls=True)
if args.tls:
    options.update(ssl_context=tls_context())
if args.auth:
    options.update(authenticator=authenticator, auth_required=True,
                   auth_require_tls=args.starttls or args.tls)

port = free_port()
controller = Controller(Keep(), hostname="127.0.0.1", port=port, **options)
controller.start()
print(f"ready {port}", flush=True)
try:
    asyncio.run(asyncio.sleep(3600))
finally:
    controller.stop()
