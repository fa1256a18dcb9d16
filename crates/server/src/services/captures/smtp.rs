//! E-mail notices through the deployment's SMTP relay, with lettre: one message per connection,
//! UTF-8 subject and body; plain, STARTTLS or TLS (rustls, so no system OpenSSL); AUTH when a
//! username is configured. Every failure comes back as a sentence saying which step failed,
//! never with the password in it.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{NoticeSettings, SmtpTls};

/// How long the relay may take to accept the connection or answer one command.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The relay as the settings describe it, set up once per outbox pass.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The error says what is wrong with the settings.
    pub fn new(n: &NoticeSettings) -> Result<Self, String> {
        if n.smtp_relay.is_empty() {
            return Err("no SMTP relay is configured".into());
        }
        let from = mailbox("from", &n.smtp_from)?;
        let (host, port) = host_and_port(&n.smtp_relay, n.smtp_tls)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .hello_name(ClientId::Domain("roadwarden".into()))
            .timeout(Some(TIMEOUT));
        builder = match n.smtp_tls {
            SmtpTls::None => builder.tls(Tls::None),
            SmtpTls::Starttls => builder.tls(Tls::Required(tls(host, &n.smtp_ca_file)?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(tls(host, &n.smtp_ca_file)?)),
        };
        if !n.smtp_username.is_empty() {
            if n.smtp_tls == SmtpTls::None && !is_loopback(host) {
                return Err("the SMTP password would cross the network unencrypted: \
                            set notices.smtp_tls to starttls or tls"
                    .into());
            }
            builder = builder.credentials(Credentials::new(
                n.smtp_username.clone(),
                n.smtp_password.expose().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message on its own connection.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox("recipient", to)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| describe(&e))
    }
}

/// `local@domain` with no spaces, angle brackets or line breaks (nothing that could inject
/// another SMTP command or header).
pub fn valid_address(addr: &str) -> bool {
    let ok_chars = addr
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '\\'));
    matches!(addr.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@'))
        && ok_chars
        && addr.len() <= 254
}

fn mailbox(what: &str, addr: &str) -> Result<Mailbox, String> {
    let refused = || format!("the {what} address is not a plain e-mail address");
    if !valid_address(addr) {
        return Err(refused());
    }
    let address: Address = addr.parse().map_err(|_| refused())?;
    Ok(Mailbox::new(None, address))
}

/// `host:port`, `[v6]:port`, or a host alone with the mode's usual port.
fn host_and_port(relay: &str, mode: SmtpTls) -> Result<(&str, u16), String> {
    let usual = match mode {
        SmtpTls::None => 25,
        SmtpTls::Starttls => 587,
        SmtpTls::Tls => 465,
    };
    let bad = || format!("notices.smtp_relay {relay:?} is not host:port");
    let (host, port) = match relay.strip_prefix('[') {
        Some(rest) => {
            let (host, tail) = rest.split_once(']').ok_or_else(bad)?;
            (host, tail.strip_prefix(':'))
        }
        None => match relay.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            _ => (relay, None),
        },
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| bad())?,
        None => usual,
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host, port))
}

/// Certificates are checked against the public roots, plus the private CA if one is named.
fn tls(host: &str, ca_file: &Path) -> Result<TlsParameters, String> {
    let mut params = TlsParameters::builder(host.to_owned());
    if !ca_file.as_os_str().is_empty() {
        let pem = std::fs::read(ca_file).map_err(|e| {
            format!(
                "cannot read notices.smtp_ca_file {}: {e}",
                ca_file.display()
            )
        })?;
        let ca = Certificate::from_pem(&pem).map_err(|e| {
            format!(
                "notices.smtp_ca_file {} holds no usable certificate: {e}",
                ca_file.display()
            )
        })?;
        params = params.add_root_certificate(ca);
    }
    params
        .build_rustls()
        .map_err(|e| format!("the TLS settings for the SMTP relay are unusable: {e}"))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn describe(e: &lettre::transport::smtp::Error) -> String {
    if e.is_timeout() {
        "the SMTP relay did not answer in time".into()
    } else if e.is_permanent() || e.is_transient() {
        format!("the SMTP relay answered: {e}")
    } else if e.is_tls() {
        format!("TLS with the SMTP relay failed: {e}")
    } else {
        format!("SMTP with the relay failed: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn addresses_that_could_inject_commands_are_refused() {
        assert!(valid_address("owner@example.cn"));
        assert!(!valid_address("owner@example.cn>\r\nRCPT TO:<x@y.z"));
        assert!(!valid_address("no-at-sign"));
        assert!(!valid_address("a b@example.cn"));
        assert!(mailbox("recipient", "owner@example.cn").is_ok());
        assert!(mailbox("recipient", "owner@example.cn\r\nBcc: x@y.z").is_err());
    }

    #[test]
    fn the_relay_takes_the_usual_port_of_its_mode() {
        assert_eq!(
            host_and_port("mail.example.cn:2525", SmtpTls::Tls),
            Ok(("mail.example.cn", 2525))
        );
        assert_eq!(
            host_and_port("mail.example.cn", SmtpTls::None),
            Ok(("mail.example.cn", 25))
        );
        assert_eq!(
            host_and_port("mail.example.cn", SmtpTls::Starttls),
            Ok(("mail.example.cn", 587))
        );
        assert_eq!(
            host_and_port("mail.example.cn", SmtpTls::Tls),
            Ok(("mail.example.cn", 465))
        );
        assert_eq!(host_and_port("[::1]:25", SmtpTls::None), Ok(("::1", 25)));
        assert_eq!(host_and_port("::1", SmtpTls::None), Ok(("::1", 25)));
        assert!(host_and_port("mail.example.cn:smtp", SmtpTls::None).is_err());
        assert!(host_and_port(":25", SmtpTls::None).is_err());
    }

    #[test]
    fn the_password_never_crosses_the_network_in_clear() {
        let mut n = NoticeSettings {
            smtp_relay: "mail.example.cn:25".into(),
            smtp_username: "notices".into(),
            smtp_password: Secret::new("hunter2"),
            ..NoticeSettings::default()
        };
        let refused = Mailer::new(&n).err().unwrap_or_default();
        assert!(refused.contains("smtp_tls"), "{refused}");
        assert!(!refused.contains("hunter2"), "{refused}");
        n.smtp_relay = "127.0.0.1:25".into();
        assert!(
            Mailer::new(&n).is_ok(),
            "a relay on this machine may take it"
        );
        n.smtp_relay = "mail.example.cn".into();
        n.smtp_tls = SmtpTls::Starttls;
        assert!(Mailer::new(&n).is_ok());
    }

    #[test]
    fn an_unreadable_ca_file_is_named() {
        let n = NoticeSettings {
            smtp_relay: "mail.example.cn".into(),
            smtp_tls: SmtpTls::Tls,
            smtp_ca_file: "/nonexistent/ca.pem".into(),
            ..NoticeSettings::default()
        };
        let err = Mailer::new(&n).err().unwrap_or_default();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }
}
