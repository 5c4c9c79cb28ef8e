//! Request parameters: the query string, and a POST's form-encoded or multipart body, as one
//! list of name/value pairs. GeoReport clients send `api_key` in either place, and attributes as
//! `attribute[CODE]` fields.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode, Uri};
use axum::Form;

use super::doc::Failure;

/// Name/value pairs in the order received; the body's before the query's.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The query string's parameters.
    pub fn from_query(uri: &Uri) -> Result<Self, Failure> {
        match uri.query() {
            None => Ok(Self::default()),
            Some(_) => axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
                .map(|q| Self(q.0))
                .map_err(|_| Failure::bad_request("the query string is malformed")),
        }
    }

    /// A POST's body fields followed by its query parameters. File parts of a multipart body
    /// are skipped: GeoReport v2 links media with `media_url`.
    pub async fn from_post(request: Request) -> Result<Self, Failure> {
        let mut params = Self::from_query(request.uri())?;
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = if content_type.starts_with("application/x-www-form-urlencoded") {
            let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, &())
                .await
                .map_err(|e| body_failure(e.status(), "the form body is malformed"))?;
            fields
        } else if content_type.starts_with("multipart/form-data") {
            multipart_fields(request).await?
        } else if content_type.is_empty() {
            Vec::new()
        } else {
            return Err(Failure::bad_request(
                "send the request as application/x-www-form-urlencoded or multipart/form-data",
            ));
        };
        let mut all = body;
        all.append(&mut params.0);
        params.0 = all;
        Ok(params)
    }

    /// The first non-blank value of a parameter, trimmed. Blank counts as absent, as the spec
    /// says of `jurisdiction_id` and clients do of every optional field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every value of a parameter that may be declared several times, each comma delimited
    /// (`service_code=roads,power&service_code=water`): the items trimmed, blanks left out.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of a parameter as sent (untrimmed), even blank.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn multipart_fields(request: Request) -> Result<Vec<(String, String)>, Failure> {
    let malformed = "the multipart body is malformed";
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| body_failure(e.status(), malformed))?;
    let mut fields = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| body_failure(e.status(), malformed))?
    {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if field.file_name().is_some() {
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|e| body_failure(e.status(), malformed))?;
        fields.push((name, value));
    }
    Ok(fields)
}

/// A body that could not be read: too large (413) or malformed (400).
fn body_failure(status: StatusCode, malformed: &str) -> Failure {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::new(
            status,
            format!("the body is too large: at most {} bytes", crate::BODY_LIMIT),
        )
    } else {
        Failure::bad_request(malformed)
    }
}
