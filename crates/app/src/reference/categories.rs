//! Categories: kinds of problem (问题类别), each with a default handling unit and an SLA
//! (response and resolution times in working minutes) per priority.
//!
//! An issue copies its category's SLA when it is assigned, so changing a category's SLA moves
//! the deadlines of the next assignments, never those already promised.

use gridloop_core::{Actor, CategoryId, Code, Name, ParseError, Priority, Rule, Sla};
use gridloop_store::{Category, CategoryPatch, NewCategory, Store};

use super::{require_admin, unit_ref};
use crate::error::{bug, AppError, Fields, Thing};
use crate::state::AppState;

/// Response and resolution times as typed, in working minutes from assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaMinutes {
    pub response_minutes: u32,
    pub resolve_minutes: u32,
}

/// SLAs by priority as typed: all four when creating, any of them when changing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaInput {
    pub low: Option<SlaMinutes>,
    pub normal: Option<SlaMinutes>,
    pub high: Option<SlaMinutes>,
    pub urgent: Option<SlaMinutes>,
}

/// The field that names a priority's SLA.
fn sla_field(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "sla.low",
        Priority::Normal => "sla.normal",
        Priority::High => "sla.high",
        Priority::Urgent => "sla.urgent",
    }
}

impl SlaInput {
    /// The slot of a priority.
    pub fn slot(&mut self, priority: Priority) -> &mut Option<SlaMinutes> {
        match priority {
            Priority::Low => &mut self.low,
            Priority::Normal => &mut self.normal,
            Priority::High => &mut self.high,
            Priority::Urgent => &mut self.urgent,
        }
    }

    /// The SLAs given, each checked (`sla.<priority>` names a bad one); with `all`, a missing
    /// priority is an error too.
    fn parse(&self, fields: &mut Fields, all: bool) -> Vec<(Priority, Sla)> {
        let given = [
            (Priority::Low, self.low),
            (Priority::Normal, self.normal),
            (Priority::High, self.high),
            (Priority::Urgent, self.urgent),
        ];
        let mut slas = Vec::new();
        for (priority, minutes) in given {
            let field = sla_field(priority);
            match minutes {
                Some(m) => {
                    if let Some(sla) =
                        fields.take_as(field, Sla::new(m.response_minutes, m.resolve_minutes))
                    {
                        slas.push((priority, sla));
                    }
                }
                None if all => fields.add(ParseError::new(field, Rule::Required)),
                None => {}
            }
        }
        slas
    }
}

/// A new category as typed.
#[derive(Debug, Clone, Default)]
pub struct NewCategoryInput {
    pub code: String,
    pub name: String,
    /// The code of the usual handling unit.
    pub default_unit: Option<String>,
    /// One SLA for each priority.
    pub sla: SlaInput,
}

/// Changes to a category as typed; `None` leaves a field as it is. The code cannot change.
#[derive(Debug, Clone, Default)]
pub struct CategoryPatchInput {
    pub name: Option<String>,
    /// A unit's code, or `Some(None)` for none.
    pub default_unit: Option<Option<String>>,
    /// The SLAs to replace; the priorities left out keep theirs.
    pub sla: Option<SlaInput>,
}

/// Every category with its SLAs, in id order.
pub async fn list(store: &Store) -> Result<Vec<Category>, AppError> {
    Ok(store.categories().await?)
}

/// One category.
pub async fn get(store: &Store, id: CategoryId) -> Result<Category, AppError> {
    store
        .category(id)
        .await?
        .ok_or(AppError::NotFound(Thing::Category))
}

/// Creates a category with an SLA for every priority (admins only).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NewCategoryInput,
) -> Result<Category, AppError> {
    require_admin(actor)?;
    create_as_operator(state, input).await
}

/// [`create`] for the operator at the command line (`gridloop category add`).
pub async fn create_as_operator(
    state: &AppState,
    input: &NewCategoryInput,
) -> Result<Category, AppError> {
    let mut fields = Fields::default();
    let code = fields.take(Code::parse(&input.code));
    let name = fields.take(Name::parse(&input.name));
    let slas = input.sla.parse(&mut fields, true);
    let mut tx = state.store.transaction().await?;
    let unit = match &input.default_unit {
        Some(raw) => unit_ref(&mut tx, &mut fields, "default_unit", raw)
            .await?
            .map(Some),
        None => Some(None),
    };
    fields.check()?;
    let (Some(code), Some(name), Some(unit)) = (code, name, unit) else {
        return Err(bug("category"));
    };
    let category = tx
        .create_category(NewCategory {
            code,
            name,
            default_unit: unit.as_ref().map(|u| u.id),
            slas,
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %category.id, code = %category.code, "category created");
    Ok(category)
}

/// Renames a category, changes its default unit or its SLAs (admins only). Issues already
/// assigned keep the SLA they were assigned with.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: CategoryId,
    input: &CategoryPatchInput,
) -> Result<Category, AppError> {
    require_admin(actor)?;
    update_as_operator(state, id, input).await
}

/// [`update`] for the operator at the command line (`gridloop category edit`).
pub async fn update_as_operator(
    state: &AppState,
    id: CategoryId,
    input: &CategoryPatchInput,
) -> Result<Category, AppError> {
    let mut fields = Fields::default();
    let name = input
        .name
        .as_deref()
        .and_then(|raw| fields.take(Name::parse(raw)));
    let slas = input
        .sla
        .as_ref()
        .map(|s| s.parse(&mut fields, false))
        .unwrap_or_default();
    let mut tx = state.store.transaction().await?;
    if tx.category(id).await?.is_none() {
        return Err(AppError::NotFound(Thing::Category));
    }
    let default_unit = match &input.default_unit {
        Some(Some(raw)) => unit_ref(&mut tx, &mut fields, "default_unit", raw)
            .await?
            .map(|u| Some(u.id)),
        Some(None) => Some(None),
        None => None,
    };
    fields.check()?;
    let category = tx
        .update_category(
            id,
            CategoryPatch {
                name,
                default_unit,
                slas,
            },
        )
        .await?;
    tx.commit().await?;
    tracing::info!(id = %category.id, "category updated");
    Ok(category)
}
