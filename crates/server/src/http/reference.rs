//! (being written)

use utoipa_axum::router::OpenApiRouter;

use crate::http::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
