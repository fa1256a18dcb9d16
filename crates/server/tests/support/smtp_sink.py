"""A real SMTP server for the e-mail notice test (aiosmtpd, from PyPI).

Listens on 127.0.0.1 at a free port, prints `ready <port>` once listening, and writes every
message it receives to the file named on the command line as one JSON line:
{"from": ..., "to": [...], "subject": ..., "body": ...} (subject and body decoded).
"""
import asyncio
import email
import email.header
import email.policy
import json
import socket
import sys

from aiosmtpd.controller import Controller

out_path = sys.argv[1]


class Keep:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
        }
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
controller = Controller(Keep(), hostname="127.0.0.1", port=port)
controller.start()
print(f"ready {port}", flush=True)
try:
    asyncio.run(asyncio.sleep(3600))
finally:
    controller.stop()
