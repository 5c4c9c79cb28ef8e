//! The OpenAPI 3.1 document of `/api/v1`, assembled from the handlers' own annotations, so it
//! cannot drift from what the server does.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gridloop API",
        description = "Collect problems, hand them to the unit that solves them, verify the fix. \
                       Errors are RFC 9457 problem documents (application/problem+json).",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::http::problem::Problem, crate::http::problem::FieldError))
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Declares the bearer-token scheme every endpoint uses.
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("glt_…")
                    .build(),
            ),
        );
    }
}
