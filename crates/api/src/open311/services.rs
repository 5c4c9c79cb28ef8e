//! Discovery, the service list (one service per category) and service definitions.

use std::collections::HashMap;

use axum::http::HeaderMap;
use gridloop_core::{Code, Priority};

use super::doc::{Doc, Failure};
use gridloop_app::AppState;

/// When this API last changed, for clients that cache the discovery document.
const CHANGESET: &str = "2026-11-27T00:00:00+08:00";

/// The code of the required attribute naming the enterprise a problem concerns.
pub const ENTERPRISE_ATTRIBUTE: &str = "enterprise";
/// The code of the optional priority attribute.
pub const PRIORITY_ATTRIBUTE: &str = "priority";

/// The discovery document. The endpoint's URL is built from the request's `Host` (and
/// `X-Forwarded-Proto` behind a proxy); without a host it is the bare path.
pub fn discovery(headers: &HeaderMap) -> (&'static str, Doc) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let url = match header("host") {
        Some(host) => {
            let scheme = header("x-forwarded-proto").unwrap_or("http");
            format!("{scheme}://{host}/open311/v2")
        }
        None => "/open311/v2".to_owned(),
    };
    let doc = Doc::Record(vec![
        ("changeset", Doc::text(CHANGESET)),
        (
            "contact",
            Doc::text("the chain's coordinating office (链办), through the park's service desk"),
        ),
        (
            "key_service",
            Doc::text(
                "api_keys are gridloop tokens of scope open311 for an enterprise user, issued \
                 by an admin: gridloop token create --user <login> --scope open311; reading \
                 requests needs one too, and shows only its own",
            ),
        ),
        (
            "endpoints",
            Doc::List(
                "endpoint",
                vec![Doc::Record(vec![
                    (
                        "specification",
                        Doc::text("http://wiki.open311.org/GeoReport_v2"),
                    ),
                    ("url", Doc::text(url)),
                    ("changeset", Doc::text(CHANGESET)),
                    ("type", Doc::text("production")),
                    (
                        "formats",
                        Doc::List(
                            "format",
                            vec![Doc::text("text/xml"), Doc::text("application/json")],
                        ),
                    ),
                ])],
            ),
        ),
    ]);
    ("discovery", doc)
}

/// Every category as a service.
pub async fn list(state: &AppState) -> Result<(&'static str, Doc), Failure> {
    let units: HashMap<_, _> = state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let services = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| {
            let unit = c.default_unit.and_then(|u| units.get(&u));
            let description = match unit {
                Some(unit) => format!("{}; handled by default by {unit}", c.name),
                None => c.name.to_string(),
            };
            Doc::Record(vec![
                ("service_code", Doc::text(c.code.as_str())),
                ("service_name", Doc::text(c.name.as_str())),
                ("description", Doc::text(description)),
                ("metadata", Doc::Bool(true)),
                ("type", Doc::text("realtime")),
                (
                    "keywords",
                    Doc::text(format!("{}, {}", c.code.as_str(), c.name)),
                ),
                ("group", Doc::opt_text(unit.map(|u| u.to_string()))),
            ])
        })
        .collect();
    Ok(("services", Doc::List("service", services)))
}

/// A service's definition: the enterprise it concerns (required) and a priority (optional).
/// An unknown code is a 404.
pub async fn definition(state: &AppState, code: &str) -> Result<Doc, Failure> {
    let unknown = || Failure::not_found(format!("service_code '{code}' not found"));
    let code = Code::parse(code).map_err(|_| unknown())?;
    let category = state
        .store
        .category_by_code(&code)
        .await?
        .ok_or_else(unknown)?;
    let enterprises = state
        .store
        .enterprises(None)
        .await?
        .into_iter()
        .map(|e| value(e.id.to_string(), e.name.to_string()))
        .collect();
    let priorities = Priority::ALL
        .into_iter()
        .map(|p| value(p.as_str().to_owned(), p.as_str().to_owned()))
        .collect();
    let attributes = vec![
        attribute(
            ENTERPRISE_ATTRIBUTE,
            true,
            1,
            "Enterprise (企业) the problem concerns",
            "the id of an enterprise of the park, from the values listed",
            enterprises,
        ),
        attribute(
            PRIORITY_ATTRIBUTE,
            false,
            2,
            "Priority (优先级); normal when not given",
            "one of low, normal, high, urgent",
            priorities,
        ),
    ];
    Ok(Doc::Record(vec![
        ("service_code", Doc::text(category.code.as_str())),
        ("attributes", Doc::List("attribute", attributes)),
    ]))
}

fn attribute(
    code: &str,
    required: bool,
    order: i64,
    description: &str,
    datatype_description: &str,
    values: Vec<Doc>,
) -> Doc {
    Doc::Record(vec![
        ("variable", Doc::Bool(true)),
        ("code", Doc::text(code)),
        ("datatype", Doc::text("singlevaluelist")),
        ("required", Doc::Bool(required)),
        ("datatype_description", Doc::text(datatype_description)),
        ("order", Doc::Int(order)),
        ("description", Doc::text(description)),
        ("values", Doc::List("value", values)),
    ])
}

fn value(key: String, name: String) -> Doc {
    Doc::Record(vec![("key", Doc::Text(key)), ("name", Doc::Text(name))])
}
