//! One document model, two renderings: every Open311 answer is built once as a [`Doc`] and
//! written as JSON or XML, as the path's suffix asks. The spec's errors are documents too
//! ([`Failure`]), in the same format as the answer would have been.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridloop_app::store::StoreError;
use gridloop_app::AppError;
use serde_json::{Map, Number, Value};

use super::xml::XmlWriter;

/// How a client asked to be answered: the path's `.json` or `.xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Splits `services.json` into `("services", Json)`. A missing or unknown suffix is a 404 —
    /// in JSON, since the client did not say what it reads.
    pub fn split(file: &str) -> Result<(&str, Self), Failure> {
        let unknown = || Failure::not_found("unknown format: end the path with .json or .xml");
        let (name, suffix) = file.rsplit_once('.').ok_or_else(unknown)?;
        let format = if suffix.eq_ignore_ascii_case("json") {
            Self::Json
        } else if suffix.eq_ignore_ascii_case("xml") {
            Self::Xml
        } else {
            return Err(unknown());
        };
        Ok((name, format))
    }

    /// The format a path's suffix asks for, to answer a path no route knows: XML when it ends
    /// in `.xml`, JSON otherwise.
    pub fn of_path(path: &str) -> Self {
        match path.rsplit_once('.') {
            Some((_, suffix)) if suffix.eq_ignore_ascii_case("xml") => Self::Xml,
            _ => Self::Json,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A value of a GeoReport document.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// A JSON array; in XML, each item is an element named by the tag given here.
    List(&'static str, Vec<Doc>),
    /// A JSON object; in XML, one child element per field, in order.
    Record(Vec<(&'static str, Doc)>),
}

impl Doc {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Self::Null, |s| Self::Text(s.into()))
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::Number((*i).into()),
            Self::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Text(s) => Value::String(s.clone()),
            Self::List(_, items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Self::Record(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    fn write_xml(&self, tag: &str, xml: &mut XmlWriter) {
        match self {
            Self::Null => xml.empty(tag),
            Self::Bool(b) => xml.leaf(tag, if *b { "true" } else { "false" }),
            Self::Int(i) => xml.leaf(tag, &i.to_string()),
            Self::Float(f) => xml.leaf(tag, &f.to_string()),
            Self::Text(s) => xml.leaf(tag, s),
            Self::List(item, items) => {
                xml.open(tag);
                for i in items {
                    i.write_xml(item, xml);
                }
                xml.close(tag);
            }
            Self::Record(fields) => {
                xml.open(tag);
                for (k, v) in fields {
                    v.write_xml(k, xml);
                }
                xml.close(tag);
            }
        }
    }

    /// The document as a response. `root` names the XML root element; JSON has none.
    pub fn respond(&self, status: StatusCode, root: &str, format: Format) -> Response {
        let body = match format {
            Format::Json => self.to_json().to_string(),
            Format::Xml => {
                let mut xml = XmlWriter::default();
                self.write_xml(root, &mut xml);
                xml.finish()
            }
        };
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        response
    }
}

/// An Open311 error: an HTTP status and a description for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: StatusCode,
    pub description: String,
}

impl Failure {
    pub fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
        }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; it was logged, try again later",
        )
    }

    /// `[{"code": 400, "description": "…"}]`, or `<errors><error>…</error></errors>`.
    pub fn respond(&self, format: Format) -> Response {
        let doc = Doc::List(
            "error",
            vec![Doc::Record(vec![
                ("code", Doc::Int(i64::from(self.status.as_u16()))),
                ("description", Doc::text(self.description.clone())),
            ])],
        );
        doc.respond(self.status, "errors", format)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// Open311's answer to every way a use case can refuse, in the spec's error shape: a bad
/// request is a 400 whatever made it bad (the spec knows no 422), the other statuses as the
/// JSON API's. The description is the error's English.
impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let description = e.to_string();
        match e {
            AppError::Invalid(errors) => Self::bad_request(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field(), e.rule()))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::NotFound(thing) => Self::not_found(format!("no such {thing}")),
            AppError::NotPermitted { .. } | AppError::OutOfScope { .. } => {
                Self::forbidden(description)
            }
            AppError::NoSuchTransition { .. }
            | AppError::NoSuchMatchStep { .. }
            | AppError::Precondition(_)
            | AppError::Visit(_)
            | AppError::Calendar(_)
            | AppError::Copy(_)
            | AppError::Import(_)
            | AppError::AlreadyExists { .. }
            | AppError::KeyReuse => Self::bad_request(description),
            AppError::Conflict { .. } => Self::new(StatusCode::CONFLICT, description),
            AppError::Throttled { .. } => Self::new(StatusCode::TOO_MANY_REQUESTS, description),
            AppError::Busy { .. } | AppError::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, description)
            }
            AppError::Internal => Self::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_choose_the_format() {
        assert_eq!(
            Format::split("services.json").ok(),
            Some(("services", Format::Json))
        );
        assert_eq!(Format::split("a.b.XML").ok(), Some(("a.b", Format::Xml)));
        assert!(Format::split("services").is_err());
        assert!(Format::split("services.html").is_err());
    }

    #[test]
    fn lists_and_records_render_alike_in_both_formats() {
        let doc = Doc::List(
            "service",
            vec![Doc::Record(vec![
                ("service_code", Doc::text("roads")),
                ("metadata", Doc::Bool(true)),
                ("lat", Doc::Float(29.5)),
                ("group", Doc::Null),
            ])],
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!([{"service_code": "roads", "metadata": true, "lat": 29.5, "group": null}])
        );
        let mut xml = XmlWriter::default();
        doc.write_xml("services", &mut xml);
        assert!(xml.finish().ends_with(
            "<services><service><service_code>roads</service_code><metadata>true</metadata>\
             <lat>29.5</lat><group/></service></services>"
        ));
    }
}
