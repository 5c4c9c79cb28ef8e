//! Posted forms: [`WebForm`] reads a URL-encoded body only after the session and its CSRF token
//! have been checked, so no handler can act on a forged request by forgetting to check.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::Form;

use crate::csrf;
use crate::render::PageError;
use crate::session::Viewer;
use gridloop_app::AppState;

/// A form's fields as posted, in order; a name may repeat (checkboxes).
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of a field, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of a field exactly as sent, untrimmed (a password's spaces count).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of each field, to check the boxes and select the options of a form
    /// re-rendered with its errors (never the token).
    pub fn echo_lists(&self) -> BTreeMap<String, Vec<String>> {
        let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            if echoed(k) {
                lists.entry(k.clone()).or_default().push(v.clone());
            }
        }
        lists
    }

    /// The values to put back into a form re-rendered with its errors (never the token, never a password).
    pub fn echo(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter(|(k, _)| echoed(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Whether a field goes back into a re-rendered form: not the token, never a password.
fn echoed(name: &str) -> bool {
    name != csrf::FIELD && !name.starts_with("password")
}

/// A POSTed form from a signed-in viewer, its CSRF token and origin checked.
#[derive(Debug)]
pub struct WebForm {
    pub viewer: Viewer,
    pub fields: Fields,
}

impl FromRequest<AppState> for WebForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        if !csrf::same_origin(&parts.headers) {
            tracing::warn!(user_id = %viewer.user.id, "a cross-site POST was refused");
            return Err(PageError::Csrf);
        }
        let request = Request::from_parts(parts, body);
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            // A body that is not a form carries no token either.
            .map_err(|_| PageError::Csrf)?;
        let fields = Fields::new(pairs);
        if !csrf::matches(&viewer.csrf, fields.get(csrf::FIELD)) {
            tracing::warn!(user_id = %viewer.user.id, "a POST without a valid CSRF token was refused");
            return Err(PageError::Csrf);
        }
        Ok(Self { viewer, fields })
    }
}
