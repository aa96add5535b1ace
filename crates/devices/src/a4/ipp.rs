//! The four IPP/1.1 operations the kiosk needs from a CUPS queue (RFC 8011 §4.2.1 Print-Job,
//! §4.2.5 Get-Printer-Attributes, §4.3.3 Cancel-Job, §4.3.4 Get-Job-Attributes), sent as
//! `application/ipp` over HTTP (RFC 8010 encoding by the `ipp` crate, HTTP by reqwest).
//!
//! CUPS answers on `http://HOST:631/printers/QUEUE` and names the queue
//! `ipp://HOST:631/printers/QUEUE` in `printer-uri`.

use std::io::Cursor;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use ipp::attribute::{IppAttribute, IppAttributeGroup, IppAttributes};
use ipp::model::{DelimiterTag, IppVersion, Operation, StatusCode};
use ipp::parser::IppParser;
use ipp::reader::IppReader;
use ipp::request::IppRequestResponse;
use ipp::value::IppValue;

use super::A4Error;

/// The scheduler to talk to when `CUPS_SERVER` does not name a TCP host.
pub const DEFAULT_SERVER: &str = "localhost:631";

/// Above this the answer is not from CUPS (a printer-attributes answer is a few kB).
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A CUPS queue reached over IPP.
#[derive(Debug, Clone)]
pub struct IppQueue {
    /// Queue name, as in `lpstat -p`.
    pub queue: String,
    /// `http://HOST:PORT/printers/QUEUE`, where requests are posted.
    pub http_url: String,
    /// `ipp://HOST:PORT/printers/QUEUE`, the `printer-uri` operation attribute.
    pub printer_uri: String,
}

/// What Get-Printer-Attributes says about a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAttrs {
    /// `printer-state`: 3 idle, 4 processing, 5 stopped.
    pub state: i32,
    /// `printer-state-reasons` keywords (`none` dropped).
    pub reasons: Vec<String>,
    /// `printer-is-accepting-jobs`.
    pub accepting: bool,
    /// `printer-state-message`.
    pub message: String,
}

/// What Get-Job-Attributes says about a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobAttrs {
    /// `job-state`: 3 pending … 9 completed.
    pub state: i32,
    /// `job-state-reasons` keywords (`none` dropped).
    pub reasons: Vec<String>,
    /// `job-printer-state-reasons` (CUPS: the printer's reasons when the job last changed).
    pub printer_reasons: Vec<String>,
}

/// The process's reqwest client: plain HTTP to the local scheduler, short connect time-out.
/// No idle connections are kept: cupsd closes them on its own schedule, and a pooled
/// connection belongs to the tokio runtime that opened it; a new loopback connection costs
/// well under a millisecond.
fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(0)
            .build()
            .expect("a plain HTTP client builds")
    })
}

/// An error with its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// `requesting-user-name`: CUPS lets the job's owner cancel it, so print and cancel must
/// send the same name. The login name, or `manassa` when the environment has none.
fn user_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        ["USER", "LOGNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|n| !n.is_empty() && n.len() < 64 && n.chars().all(|c| c.is_ascii_graphic()))
            .unwrap_or_else(|| "manassa".into())
    })
}

fn next_request_id() -> i32 {
    static ID: AtomicI32 = AtomicI32::new(1);
    (ID.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff).max(1)
}

/// `host[:port]` of the scheduler: `CUPS_SERVER` when it names one (not a socket path),
/// otherwise [`DEFAULT_SERVER`].
pub fn server() -> String {
    server_from(std::env::var("CUPS_SERVER").ok().as_deref())
}

/// [`server`] for a given `CUPS_SERVER` value: `host`, `host:port`, `[v6]` or `[v6]:port`,
/// perhaps with a `/version=…` tail; a socket path or nothing gives [`DEFAULT_SERVER`].
pub fn server_from(cups_server: Option<&str>) -> String {
    match cups_server {
        Some(s) if !s.is_empty() && !s.starts_with('/') => {
            let s = s.split('/').next().unwrap_or_default();
            let has_port = if s.starts_with('[') {
                !s.ends_with(']')
            } else {
                s.contains(':')
            };
            if has_port {
                s.to_string()
            } else {
                format!("{s}:631")
            }
        }
        _ => DEFAULT_SERVER.into(),
    }
}

/// A CUPS queue name the kiosk accepts: 1–127 characters from `A–Z a–z 0–9 - _ . @ +`
/// (CUPS allows more, but nothing that needs quoting in a URL path).
pub fn valid_queue_name(q: &str) -> bool {
    !q.is_empty()
        && q.len() < 128
        && q.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
}

fn attr(name: &str, value: IppValue) -> IppAttribute {
    IppAttribute::with_name(name, value).expect("attribute names here are short ASCII")
}

fn keyword(s: &str) -> IppValue {
    IppValue::new_keyword(s).expect("keywords here are short ASCII")
}

impl IppQueue {
    /// The queue `queue` on the scheduler at `server` (`host:port`).
    ///
    /// Errors: [`A4Error::BadQueueName`] for a name outside [`valid_queue_name`].
    pub fn new(server: &str, queue: &str) -> Result<IppQueue, A4Error> {
        if !valid_queue_name(queue) {
            return Err(A4Error::BadQueueName(queue.into()));
        }
        Ok(IppQueue {
            queue: queue.into(),
            http_url: format!("http://{server}/printers/{queue}"),
            printer_uri: format!("ipp://{server}/printers/{queue}"),
        })
    }

    /// A request for `op` on this queue, with the operation attributes every request
    /// carries (RFC 8011 §4.1.4: charset, language, target, requesting user).
    fn request(&self, op: Operation) -> IppRequestResponse {
        let mut req = IppRequestResponse::new(
            IppVersion::v1_1(),
            op,
            Some(
                self.printer_uri
                    .parse()
                    .expect("a checked queue name makes a URI"),
            ),
        )
        .expect("a checked queue name makes a URI");
        req.header_mut().request_id = next_request_id();
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attr(
                "requesting-user-name",
                IppValue::new_name_without_language(user_name()).expect("short name"),
            ),
        );
        req
    }

    /// Post `req` (and `document` after its attributes) and parse the answer.
    ///
    /// Errors: [`A4Error::Unreachable`] when nothing answers on the scheduler's port,
    /// [`A4Error::NoSuchQueue`] on `client-error-not-found` for a printer operation,
    /// [`A4Error::Ipp`] for any other non-successful IPP status, [`A4Error::Protocol`]
    /// for an HTTP error or an answer that is not IPP.
    async fn send(
        &self,
        what: &'static str,
        req: IppRequestResponse,
        document: Option<&[u8]>,
    ) -> Result<IppAttributes, A4Error> {
        let body = encode(&req, document);
        let resp = http()
            .post(&self.http_url)
            .header(reqwest::header::CONTENT_TYPE, "application/ipp")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    A4Error::Unreachable(format!("{}: {}", server_of(&self.http_url), chain(&e)))
                } else {
                    A4Error::Protocol(format!("{what}: {}", chain(&e)))
                }
            })?;
        let http_status = resp.status();
        // CUPS answers 404 at the HTTP level for a queue it has never heard of on some
        // versions, and an IPP client-error-not-found on others.
        if http_status == reqwest::StatusCode::NOT_FOUND {
            return Err(A4Error::NoSuchQueue(self.queue.clone()));
        }
        if !http_status.is_success() {
            return Err(A4Error::Protocol(format!("{what}: HTTP {http_status}")));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| A4Error::Protocol(format!("{what}: {}", chain(&e))))?;
        let (status, attrs) =
            decode_response(&bytes).map_err(|e| A4Error::Protocol(format!("{what}: {e}")))?;
        if status.is_success() {
            return Ok(attrs);
        }
        if status == StatusCode::ClientErrorNotFound
            && what != "Get-Job-Attributes"
            && what != "Cancel-Job"
        {
            return Err(A4Error::NoSuchQueue(self.queue.clone()));
        }
        Err(A4Error::Ipp {
            operation: what,
            status: format!("{status:?}"),
            message: status_message(&attrs),
        })
    }

    /// The Get-Printer-Attributes request for state, reasons and acceptance.
    pub fn printer_attributes_request(&self) -> IppRequestResponse {
        let mut req = self.request(Operation::GetPrinterAttributes);
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attr(
                "requested-attributes",
                IppValue::Array(
                    [
                        "printer-state",
                        "printer-state-reasons",
                        "printer-is-accepting-jobs",
                        "printer-state-message",
                    ]
                    .iter()
                    .map(|k| keyword(k))
                    .collect(),
                ),
            ),
        );
        req
    }

    /// Get-Printer-Attributes: state, reasons, whether jobs are accepted.
    pub async fn printer_attributes(&self) -> Result<PrinterAttrs, A4Error> {
        let req = self.printer_attributes_request();
        let attrs = self.send("Get-Printer-Attributes", req, None).await?;
        let group = attrs
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
            .ok_or_else(|| A4Error::Protocol("no printer attributes in the answer".into()))?;
        Ok(PrinterAttrs {
            state: integer(group, "printer-state")
                .ok_or_else(|| A4Error::Protocol("no printer-state in the answer".into()))?,
            reasons: keywords(group, "printer-state-reasons"),
            accepting: boolean(group, "printer-is-accepting-jobs").unwrap_or(true),
            message: text(group, "printer-state-message"),
        })
    }

    /// Print-Job with a PDF: `document-format application/pdf`, `job-name` `name`, job
    /// template `copies` and `media iso_a4_210x297mm` (ignored by a printer that does not
    /// support them: RFC 8011 §4.1.7, no `ipp-attribute-fidelity`). Returns the `job-id`.
    pub async fn print_job(&self, pdf: &[u8], name: &str, copies: u32) -> Result<i32, A4Error> {
        let req = self.print_job_request(name, copies)?;
        let attrs = self.send("Print-Job", req, Some(pdf)).await?;
        attrs
            .groups_of(DelimiterTag::JobAttributes)
            .find_map(|g| integer(g, "job-id"))
            .ok_or_else(|| A4Error::Protocol("Print-Job: no job-id in the answer".into()))
    }

    /// The Print-Job request (its attributes; the PDF follows them on the wire).
    pub fn print_job_request(
        &self,
        name: &str,
        copies: u32,
    ) -> Result<IppRequestResponse, A4Error> {
        let mut req = self.request(Operation::PrintJob);
        let ops = [
            attr(
                "job-name",
                IppValue::new_name_without_language(name)
                    .map_err(|e| A4Error::Protocol(format!("job-name: {e}")))?,
            ),
            attr(
                "document-format",
                IppValue::new_mime_media_type("application/pdf").expect("short"),
            ),
        ];
        for a in ops {
            req.attributes_mut()
                .add(DelimiterTag::OperationAttributes, a);
        }
        let copies = i32::try_from(copies.clamp(1, 99)).unwrap_or(1);
        req.attributes_mut().add(
            DelimiterTag::JobAttributes,
            attr("copies", IppValue::Integer(copies)),
        );
        req.attributes_mut().add(
            DelimiterTag::JobAttributes,
            attr("media", keyword("iso_a4_210x297mm")),
        );
        Ok(req)
    }

    /// The Get-Job-Attributes request for `job_id`.
    pub fn job_attributes_request(&self, job_id: i32) -> IppRequestResponse {
        let mut req = self.request(Operation::GetJobAttributes);
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attr("job-id", IppValue::Integer(job_id)),
        );
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attr(
                "requested-attributes",
                IppValue::Array(
                    [
                        "job-state",
                        "job-state-reasons",
                        "job-printer-state-reasons",
                    ]
                    .iter()
                    .map(|k| keyword(k))
                    .collect(),
                ),
            ),
        );
        req
    }

    /// Get-Job-Attributes for `job_id` on this queue.
    pub async fn job_attributes(&self, job_id: i32) -> Result<JobAttrs, A4Error> {
        let req = self.job_attributes_request(job_id);
        let attrs = self.send("Get-Job-Attributes", req, None).await?;
        let group = attrs
            .groups_of(DelimiterTag::JobAttributes)
            .next()
            .ok_or_else(|| A4Error::Protocol("no job attributes in the answer".into()))?;
        Ok(JobAttrs {
            state: integer(group, "job-state")
                .ok_or_else(|| A4Error::Protocol("no job-state in the answer".into()))?,
            reasons: keywords(group, "job-state-reasons"),
            printer_reasons: keywords(group, "job-printer-state-reasons"),
        })
    }

    /// Cancel-Job for `job_id`. A job that already ended cannot be cancelled: CUPS answers
    /// `client-error-not-possible`, which comes back as [`A4Error::Ipp`].
    pub async fn cancel_job(&self, job_id: i32) -> Result<(), A4Error> {
        let req = self.cancel_job_request(job_id);
        self.send("Cancel-Job", req, None).await.map(|_| ())
    }

    /// The Cancel-Job request for `job_id`.
    pub fn cancel_job_request(&self, job_id: i32) -> IppRequestResponse {
        let mut req = self.request(Operation::CancelJob);
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            attr("job-id", IppValue::Integer(job_id)),
        );
        req
    }
}

/// The request on the wire (RFC 8010 §3.1.1): header, attribute groups, end-of-attributes
/// tag, then the document, if any.
pub fn encode(req: &IppRequestResponse, document: Option<&[u8]>) -> Vec<u8> {
    let head = req.to_bytes();
    let mut body = Vec::with_capacity(head.len() + document.map_or(0, <[u8]>::len));
    body.extend_from_slice(&head);
    if let Some(doc) = document {
        body.extend_from_slice(doc);
    }
    body
}

fn server_of(url: &str) -> &str {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or(url)
}

/// Decode an IPP response (RFC 8010 §3.1.1): its status and attribute groups. Any document
/// data after the attributes is ignored.
pub fn decode_response(bytes: &[u8]) -> Result<(StatusCode, IppAttributes), String> {
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(format!("answer of {} bytes is too large", bytes.len()));
    }
    let reader = IppReader::new(Cursor::new(bytes.to_vec()));
    let (header, attrs, _) = IppParser::new(reader)
        .parse_parts()
        .map_err(|e| format!("not an IPP answer: {e}"))?;
    if header.version.0 >> 8 == 0 {
        return Err(format!(
            "not an IPP answer: version {:#06x}",
            header.version.0
        ));
    }
    Ok((header.status_code(), attrs))
}

fn status_message(attrs: &IppAttributes) -> String {
    attrs
        .groups_of(DelimiterTag::OperationAttributes)
        .next()
        .map(|g| text(g, "status-message"))
        .unwrap_or_default()
}

fn integer(group: &IppAttributeGroup, name: &str) -> Option<i32> {
    match group.get(name)?.value() {
        IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
        _ => None,
    }
}

fn boolean(group: &IppAttributeGroup, name: &str) -> Option<bool> {
    match group.get(name)?.value() {
        IppValue::Boolean(b) => Some(*b),
        _ => None,
    }
}

fn text(group: &IppAttributeGroup, name: &str) -> String {
    group
        .get(name)
        .map(|a| match a.value() {
            IppValue::TextWithoutLanguage(t) => t.to_string(),
            IppValue::TextWithLanguage { text, .. } => text.to_string(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// The keywords of a `1setOf keyword` attribute, `none` dropped (RFC 8011 §5.4.12).
fn keywords(group: &IppAttributeGroup, name: &str) -> Vec<String> {
    let Some(a) = group.get(name) else {
        return Vec::new();
    };
    a.value()
        .into_iter()
        .filter_map(|v| match v {
            IppValue::Keyword(k) => Some(k.to_string()),
            IppValue::NameWithoutLanguage(k) => Some(k.to_string()),
            _ => None,
        })
        .filter(|k| k != "none")
        .collect()
}

#[cfg(test)]
mod tests;
