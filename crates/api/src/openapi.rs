//! The OpenAPI 3.1 document of `/api/v1`, assembled from the handlers' own annotations, so it
//! cannot drift from what the server does.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
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
    tags(
        (name = "issues", description = "Report problems, follow them through the loop, act on them.")
    ),
    security(("bearer" = [])),
    components(schemas(crate::problem::Problem, crate::problem::FieldError))
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

/// Adds the answers every operation gives through the shared extractors, so that handlers need
/// not repeat them and the document cannot forget them: 401 for every authenticated operation,
/// and for every operation with a JSON body 400 (malformed JSON), 413 (over the body limit) and
/// 415 (not `application/json`). Multipart uploads keep their own list.
pub fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for operation in operations.into_iter().flatten() {
            add_common_errors(operation);
        }
    }
}

fn add_common_errors(operation: &mut Operation) {
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.keys().any(|mime| mime == "application/json"));
    let mut wanted = vec![("401", "Missing or unknown bearer token")];
    if json_body {
        wanted.extend([
            ("400", "The body is not JSON"),
            ("413", "The body is larger than the limit"),
            ("415", "The body is not application/json"),
        ]);
    }
    for (status, description) in wanted {
        if operation.responses.responses.contains_key(status) {
            continue;
        }
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        operation
            .responses
            .responses
            .insert(status.to_owned(), response.into());
    }
}

/// Schemas of the values a handler parses from a fixed set of names, for `schema_with` and
/// `param(schema_with)`: the document lists exactly what the parser accepts (the core's
/// `NAMES`), so a client, or a fuzzer, sends only values that can be served.
pub mod names {
    use gridloop_app::store::NotificationState;
    use gridloop_core::{Locale, Priority, Role, VisitStatus};
    use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, Type};

    fn one_of(values: &[&'static str], description: &str) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .description(Some(description))
            .build()
    }

    pub fn locale() -> Object {
        one_of(Locale::NAMES, "`zh-CN` (the default) or `en`.")
    }

    /// A user's roles: each one of the role names, none twice.
    pub fn roles() -> Array {
        ArrayBuilder::new()
            .items(one_of(Role::NAMES, "A role."))
            .unique_items(true)
            .build()
    }

    /// Codes of stored reference data (posts, units, grids), each as a code parses.
    pub fn codes() -> Array {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(32))
                    .pattern(Some(r"^[a-z0-9][a-z0-9_-]*$")),
            )
            .build()
    }

    pub fn priority() -> Object {
        one_of(
            Priority::NAMES,
            "`low`, `normal` (when not given), `high` or `urgent`.",
        )
    }

    pub fn visit_status() -> Object {
        one_of(
            VisitStatus::NAMES,
            "`planned`, `checked_in`, `completed` or `missed`.",
        )
    }

    pub fn visit_due() -> Object {
        one_of(
            &["today", "week"],
            "`today` or `week` (Monday to Sunday, in the park's time zone).",
        )
    }

    pub fn export_format() -> Object {
        one_of(
            gridloop_app::export::Format::NAMES,
            "`xlsx` (Excel, WPS) or `csv` (UTF-8 with a byte-order mark).",
        )
    }

    pub fn report_format() -> Object {
        one_of(
            &["json", "html", "csv", "md"],
            "`json` (default), `html`, `csv` or `md`.",
        )
    }

    pub fn notification_state() -> Object {
        one_of(
            NotificationState::NAMES,
            "pending, sending, sent, delivered, failed or dead.",
        )
    }
}

/// The SLAs of a new category: one for each priority, all four required (a change may give
/// fewer, so `SlaInput` itself requires none).
pub fn sla_for_create() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    gridloop_core::Priority::NAMES
        .iter()
        .fold(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "One SLA for each of `low`, `normal`, `high`, `urgent`.",
                ))
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                )),
            |object, name| {
                object
                    .property(*name, Ref::from_schema_name("SlaBody"))
                    .required(*name)
            },
        )
        .build()
}
