//! A small SMTP client for e-mail notices: one message per connection, UTF-8 subject and body
//! (base64, so no line of the body can end the message early), no authentication (the relay
//! is the deployment's own, on its network).

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Sends one message through `relay` (`host:port`). The error says which step failed.
pub async fn send(
    relay: &str,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    for (what, addr) in [("from", from), ("recipient", to)] {
        if !valid_address(addr) {
            return Err(format!("the {what} address is not a plain e-mail address"));
        }
    }
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        TcpStream::connect(relay),
    )
    .await
    .map_err(|_| "connecting to the SMTP relay timed out".to_owned())?
    .map_err(|e| format!("cannot reach the SMTP relay: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, 220).await?;
    command(&mut write, &mut read, "EHLO roadwarden\r\n", 250).await?;
    command(
        &mut write,
        &mut read,
        &format!("MAIL FROM:<{from}>\r\n"),
        250,
    )
    .await?;
    command(&mut write, &mut read, &format!("RCPT TO:<{to}>\r\n"), 250).await?;
    command(&mut write, &mut read, "DATA\r\n", 354).await?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut message = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{}?=\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        b64.encode(subject)
    );
    let encoded = b64.encode(body);
    for chunk in encoded.as_bytes().chunks(76) {
        message.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        message.push_str("\r\n");
    }
    message.push_str(".\r\n");
    command(&mut write, &mut read, &message, 250).await?;
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(())
}

/// `local@domain` with no spaces, angle brackets or line breaks (nothing that could inject
/// another SMTP command).
pub fn valid_address(addr: &str) -> bool {
    let ok_chars = addr
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '\\'));
    matches!(addr.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@'))
        && ok_chars
        && addr.len() <= 254
}

async fn command(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &str,
    code: u16,
) -> Result<(), String> {
    write
        .write_all(line.as_bytes())
        .await
        .map_err(|e| format!("SMTP write failed: {e}"))?;
    expect(read, code).await
}

/// Reads a (possibly multi-line) reply and checks its code.
async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    code: u16,
) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            read.read_line(&mut line),
        )
        .await
        .map_err(|_| "the SMTP relay did not answer".to_owned())?
        .map_err(|e| format!("SMTP read failed: {e}"))?;
        if n == 0 {
            return Err("the SMTP relay closed the connection".into());
        }
        let got: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if got != code && !(code == 250 && got == 251) {
            return Err(format!("the SMTP relay answered: {}", line.trim()));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_could_inject_commands_are_refused() {
        assert!(valid_address("owner@example.cn"));
        assert!(!valid_address("owner@example.cn>\r\nRCPT TO:<x@y.z"));
        assert!(!valid_address("no-at-sign"));
        assert!(!valid_address("a b@example.cn"));
    }
}
