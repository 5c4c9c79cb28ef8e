//! A validated [`Batch`] written in the import's one transaction, kind after kind (units,
//! grids, posts, enterprises, categories, users, visit plans), each row upserted by its natural
//! key through the store's create and patch methods: a row equal to the stored one is left
//! alone, a different one is patched (only the fields that differ), a new one created. So the
//! same workbook twice changes nothing the second time. Enterprises are upserted as validation
//! matched them (by credit code, else by name), and the later kinds name them as the
//! enterprises sheet left them.
//!
//! A refusal only the store can make (the last admin demoted) becomes the row's bad cell; the
//! caller then drops the transaction, and nothing of the workbook is written.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Calendar, CategoryId, Code, EnterpriseId, GridId, Login, PostId, UnitId, UserId, VisitPlan,
};
use gridloop_store::{
    CategoryPatch, Enterprise, EnterprisePatch, GridPatch, NewCategory, NewEnterprise, NewGrid,
    NewPost, NewUnit, NewUser, PostPatch, StoreError, Tx, UnitPatch, UserPatch,
};
use serde::Serialize;

use super::columns::Kind;
use super::problem::{BadCell, ImportRefused, Problems, Reason};
use super::validate::{Batch, Existing};
use crate::error::{bug, AppError};

/// What an import did (or, in a dry run, would do) with the rows of a kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Counts {
    fn add(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Created,
    Updated,
    Unchanged,
}

/// The ids of every key, stored before the import or created by it.
#[derive(Debug, Default)]
struct Ids {
    units: HashMap<Code, UnitId>,
    grids: HashMap<Code, GridId>,
    posts: HashMap<Code, PostId>,
    /// Only names that one enterprise has (validation refused references to the others).
    enterprises: HashMap<String, EnterpriseId>,
    users: HashMap<Login, UserId>,
}

/// The enterprises by name, of the names one enterprise has.
fn unique_names(enterprises: &[Enterprise]) -> HashMap<String, EnterpriseId> {
    let mut names: HashMap<String, Option<EnterpriseId>> = HashMap::new();
    for e in enterprises {
        names
            .entry(e.name.as_str().to_owned())
            .and_modify(|id| *id = None)
            .or_insert(Some(e.id));
    }
    names
        .into_iter()
        .filter_map(|(name, id)| id.map(|id| (name, id)))
        .collect()
}

impl Ids {
    fn of(existing: &Existing) -> Self {
        Self {
            units: existing
                .units
                .iter()
                .map(|u| (u.code.clone(), u.id))
                .collect(),
            grids: existing
                .grids
                .iter()
                .map(|g| (g.code.clone(), g.id))
                .collect(),
            posts: existing
                .posts
                .iter()
                .map(|p| (p.code.clone(), p.id))
                .collect(),
            enterprises: unique_names(&existing.enterprises),
            users: existing
                .users
                .iter()
                .map(|u| (u.login.clone(), u.id))
                .collect(),
        }
    }
}

/// A name validation checked, looked up: missing now is a bug.
fn named(
    map: &HashMap<String, EnterpriseId>,
    name: &str,
    what: &str,
) -> Result<EnterpriseId, AppError> {
    map.get(name).copied().ok_or_else(|| bug(what))
}

/// A code validation checked, looked up: missing now is a bug.
fn code_id<V: Copy>(map: &HashMap<Code, V>, key: &Code, what: &str) -> Result<V, AppError> {
    map.get(key).copied().ok_or_else(|| bug(what))
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// The ids of a list of codes, sorted as the store keeps them; `None` without the column.
fn codes<V: Copy + Ord>(
    list: &Option<Vec<Code>>,
    map: &HashMap<Code, V>,
    what: &str,
) -> Result<Option<Vec<V>>, AppError> {
    list.as_ref()
        .map(|codes| {
            codes
                .iter()
                .map(|c| code_id(map, c, what))
                .collect::<Result<Vec<_>, _>>()
                .map(sorted)
        })
        .transpose()
}

/// Whether a list given differs from the stored one (both as sets).
fn differs<T: Ord + Clone>(new: &Option<Vec<T>>, old: &[T]) -> bool {
    new.as_ref().is_some_and(|n| *n != sorted(old.to_vec()))
}

/// Writes the batch in `tx`; the counts per kind, in the order written. `progress` hears the
/// rows written so far after each row.
pub async fn apply(
    tx: &mut Tx,
    batch: &Batch,
    existing: &Existing,
    sheets: &HashMap<Kind, String>,
    calendar: &Calendar,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64) + Send,
) -> Result<Vec<(Kind, Counts)>, AppError> {
    let mut ids = Ids::of(existing);
    let mut counts: HashMap<Kind, Counts> = HashMap::new();
    let mut written = 0_u64;
    let refused = |kind: Kind, row: u32, e: StoreError| -> AppError {
        let sheet = sheets.get(&kind).cloned().unwrap_or_default();
        let cell = |reason| BadCell {
            sheet: sheet.clone(),
            kind: Some(kind),
            row: Some(row),
            column: None,
            field: None,
            value: String::new(),
            reason,
        };
        let mut problems = Problems::default();
        match e {
            StoreError::Invalid(errors) => {
                for e in errors {
                    let mut c = cell(Reason::Rule(e.rule()));
                    c.field = kind
                        .columns()
                        .iter()
                        .map(|c| c.key)
                        .find(|k| *k == e.field());
                    problems.push(c);
                }
            }
            other => return AppError::from(other),
        }
        match problems.refusal() {
            Some(r) => AppError::Import(r),
            None => AppError::Import(ImportRefused {
                cells: Vec::new(),
                more: 0,
            }),
        }
    };

    // Units.
    let stored: HashMap<&Code, _> = existing.units.iter().map(|u| (&u.code, u)).collect();
    let count = counts.entry(Kind::Units).or_default();
    for row in &batch.units {
        let change = match stored.get(&row.code) {
            Some(u) if u.name == row.name => Change::Unchanged,
            Some(u) => {
                let patch = UnitPatch {
                    name: Some(row.name.clone()),
                };
                tx.update_unit(u.id, patch)
                    .await
                    .map_err(|e| refused(Kind::Units, row.row, e))?;
                Change::Updated
            }
            None => {
                let new = NewUnit {
                    code: row.code.clone(),
                    name: row.name.clone(),
                };
                let unit = tx
                    .create_unit(new)
                    .await
                    .map_err(|e| refused(Kind::Units, row.row, e))?;
                ids.units.insert(unit.code.clone(), unit.id);
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }

    // Grids.
    let stored: HashMap<&Code, _> = existing.grids.iter().map(|g| (&g.code, g)).collect();
    let count = counts.entry(Kind::Grids).or_default();
    for row in &batch.grids {
        let change = match stored.get(&row.code) {
            Some(g) if g.name == row.name => Change::Unchanged,
            Some(g) => {
                let patch = GridPatch {
                    name: Some(row.name.clone()),
                };
                tx.update_grid(g.id, patch)
                    .await
                    .map_err(|e| refused(Kind::Grids, row.row, e))?;
                Change::Updated
            }
            None => {
                let chain = match &row.chain {
                    Some(code) => existing.chains.iter().find(|c| &c.code == code),
                    None => existing
                        .chains
                        .first()
                        .filter(|_| existing.chains.len() == 1),
                }
                .ok_or_else(|| bug("grid's chain"))?;
                let new = NewGrid {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    chain: chain.id,
                };
                let grid = tx
                    .create_grid(new)
                    .await
                    .map_err(|e| refused(Kind::Grids, row.row, e))?;
                ids.grids.insert(grid.code.clone(), grid.id);
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }

    // Posts.
    let stored: HashMap<&Code, _> = existing.posts.iter().map(|p| (&p.code, p)).collect();
    let count = counts.entry(Kind::Posts).or_default();
    for row in &batch.posts {
        let grid = code_id(&ids.grids, &row.grid, "post's grid")?;
        let change = match stored.get(&row.code) {
            Some(p) if p.name == row.name && p.grid == grid => Change::Unchanged,
            Some(p) => {
                let patch = PostPatch {
                    name: (p.name != row.name).then(|| row.name.clone()),
                    grid: (p.grid != grid).then_some(grid),
                };
                tx.update_post(p.id, patch)
                    .await
                    .map_err(|e| refused(Kind::Posts, row.row, e))?;
                Change::Updated
            }
            None => {
                let new = NewPost {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    grid,
                };
                let post = tx
                    .create_post(new)
                    .await
                    .map_err(|e| refused(Kind::Posts, row.row, e))?;
                ids.posts.insert(post.code.clone(), post.id);
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }

    // Enterprises, as validation matched them: by credit code, else by name.
    let stored: HashMap<EnterpriseId, _> = existing.enterprises.iter().map(|e| (e.id, e)).collect();
    let count = counts.entry(Kind::Enterprises).or_default();
    for row in &batch.enterprises {
        let grid = code_id(&ids.grids, &row.grid, "enterprise's grid")?;
        let change = match row.target {
            Some(id) => {
                let e = stored.get(&id).ok_or_else(|| bug("enterprise's match"))?;
                let patch = EnterprisePatch {
                    name: (e.name != row.name).then(|| row.name.clone()),
                    grid: (e.grid != grid).then_some(grid),
                    address: row.address.clone().filter(|a| *a != e.address),
                    credit_code: row
                        .credit_code
                        .clone()
                        .filter(|c| e.credit_code.as_ref() != Some(c))
                        .map(Some),
                };
                if patch.name.is_none()
                    && patch.grid.is_none()
                    && patch.address.is_none()
                    && patch.credit_code.is_none()
                {
                    Change::Unchanged
                } else {
                    tx.update_enterprise(e.id, patch)
                        .await
                        .map_err(|e| refused(Kind::Enterprises, row.row, e))?;
                    Change::Updated
                }
            }
            None => {
                let new = NewEnterprise {
                    name: row.name.clone(),
                    grid,
                    address: row.address.clone().flatten(),
                    credit_code: row.credit_code.clone(),
                };
                tx.create_enterprise(new)
                    .await
                    .map_err(|e| refused(Kind::Enterprises, row.row, e))?;
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }
    if !batch.enterprises.is_empty() {
        // Users and visit plans name enterprises as the sheet left them (renamed, new).
        ids.enterprises = unique_names(&tx.enterprises(None).await?);
    }

    // Categories, with their SLAs.
    let stored: HashMap<&Code, _> = existing.categories.iter().map(|c| (&c.code, c)).collect();
    let count = counts.entry(Kind::Categories).or_default();
    for row in &batch.categories {
        let unit = match &row.default_unit {
            Some(Some(code)) => Some(Some(code_id(&ids.units, code, "category's unit")?)),
            Some(None) => Some(None),
            None => None,
        };
        let change = match stored.get(&row.code) {
            Some(c) => {
                let patch = CategoryPatch {
                    name: row.name.clone().filter(|n| *n != c.name),
                    default_unit: unit.filter(|u| *u != c.default_unit),
                    slas: row
                        .slas
                        .iter()
                        .filter(|(p, sla)| c.sla_for(*p) != Some(*sla))
                        .copied()
                        .collect(),
                };
                if patch.name.is_none() && patch.default_unit.is_none() && patch.slas.is_empty() {
                    Change::Unchanged
                } else {
                    tx.update_category(c.id, patch)
                        .await
                        .map_err(|e| refused(Kind::Categories, row.row, e))?;
                    Change::Updated
                }
            }
            None => {
                let name = row.name.clone().ok_or_else(|| bug("category's name"))?;
                let new = NewCategory {
                    code: row.code.clone(),
                    name,
                    default_unit: unit.flatten(),
                    slas: row.slas.clone(),
                };
                let _: CategoryId = tx
                    .create_category(new)
                    .await
                    .map_err(|e| refused(Kind::Categories, row.row, e))?
                    .id;
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }

    // Users, by login.
    let stored: HashMap<&Login, _> = existing.users.iter().map(|u| (&u.login, u)).collect();
    let count = counts.entry(Kind::Users).or_default();
    for row in &batch.users {
        let posts = codes(&row.posts, &ids.posts, "user's post")?;
        let units = codes(&row.units, &ids.units, "user's unit")?;
        let grids = codes(&row.grids, &ids.grids, "user's grid")?;
        let enterprises = row
            .enterprises
            .as_ref()
            .map(|names| {
                names
                    .iter()
                    .map(|n| named(&ids.enterprises, n.as_str(), "user's enterprise"))
                    .collect::<Result<Vec<_>, _>>()
                    .map(sorted)
            })
            .transpose()?;
        let roles = row.roles.clone().map(sorted);
        let change = match stored.get(&row.login) {
            Some(u) => {
                let patch = UserPatch {
                    name: (u.name != row.name).then(|| row.name.clone()),
                    phone: row.phone.clone().filter(|p| *p != u.phone),
                    email: row.email.clone().filter(|e| *e != u.email),
                    locale: row.locale.clone().filter(|l| *l != u.locale),
                    roles: roles.clone().filter(|_| differs(&roles, &u.roles)),
                    posts: posts.clone().filter(|_| differs(&posts, &u.posts)),
                    units: units.clone().filter(|_| differs(&units, &u.units)),
                    grids: grids.clone().filter(|_| differs(&grids, &u.grids)),
                    enterprises: enterprises
                        .clone()
                        .filter(|_| differs(&enterprises, &u.enterprises)),
                    active: None,
                };
                let same = patch.name.is_none()
                    && patch.phone.is_none()
                    && patch.email.is_none()
                    && patch.locale.is_none()
                    && patch.roles.is_none()
                    && patch.posts.is_none()
                    && patch.units.is_none()
                    && patch.grids.is_none()
                    && patch.enterprises.is_none();
                if same {
                    Change::Unchanged
                } else {
                    tx.update_user(u.id, patch)
                        .await
                        .map_err(|e| refused(Kind::Users, row.row, e))?;
                    Change::Updated
                }
            }
            None => {
                let new = NewUser {
                    login: row.login.clone(),
                    name: row.name.clone(),
                    phone: row.phone.clone().flatten(),
                    email: row.email.clone().flatten(),
                    locale: row.locale.clone().unwrap_or_else(|| "zh-CN".to_owned()),
                    roles: roles.unwrap_or_default(),
                    posts: posts.unwrap_or_default(),
                    units: units.unwrap_or_default(),
                    grids: grids.unwrap_or_default(),
                    enterprises: enterprises.unwrap_or_default(),
                };
                let user = tx
                    .create_user(new)
                    .await
                    .map_err(|e| refused(Kind::Users, row.row, e))?;
                ids.users.insert(user.login.clone(), user.id);
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }

    // Visit plans, by enterprise and commissioner (the first, if several); a paused plan stays
    // paused.
    let mut stored: HashMap<(EnterpriseId, UserId), &gridloop_store::VisitPlanRecord> =
        HashMap::new();
    for p in &existing.plans {
        stored.entry((p.enterprise, p.commissioner)).or_insert(p);
    }
    let count = counts.entry(Kind::VisitPlans).or_default();
    for row in &batch.plans {
        let enterprise = named(
            &ids.enterprises,
            row.enterprise.as_str(),
            "plan's enterprise",
        )?;
        let commissioner = ids
            .users
            .get(&row.commissioner)
            .copied()
            .ok_or_else(|| bug("plan's commissioner"))?;
        let change = match stored.get(&(enterprise, commissioner)) {
            Some(p) if same_schedule(&p.plan, &row.plan) => Change::Unchanged,
            Some(p) => {
                let plan = VisitPlan::new(
                    row.plan.schedule().clone(),
                    row.plan.window_minutes(),
                    row.plan.reminder_lead_minutes(),
                    p.plan.is_active(),
                )
                .map_err(|e| AppError::internal("a validated visit plan", &e))?;
                let record = tx
                    .update_visit_plan(p.id, &plan, now)
                    .await
                    .map_err(|e| refused(Kind::VisitPlans, row.row, e))?;
                if record.plan.is_active() {
                    gridloop_scheduler::visits::materialise(tx, &record, calendar, now)
                        .await
                        .map_err(|e| {
                            AppError::internal("materialising an imported visit plan", &e)
                        })?;
                }
                Change::Updated
            }
            None => {
                let record = tx
                    .add_visit_plan(enterprise, commissioner, &row.plan, now)
                    .await
                    .map_err(|e| refused(Kind::VisitPlans, row.row, e))?;
                gridloop_scheduler::visits::materialise(tx, &record, calendar, now)
                    .await
                    .map_err(|e| AppError::internal("materialising an imported visit plan", &e))?;
                Change::Created
            }
        };
        count.add(change);
        written += 1;
        progress(written);
    }
    Ok(Kind::ALL
        .into_iter()
        .filter(|k| batch.rows(*k) > 0)
        .map(|k| (k, counts.get(&k).copied().unwrap_or_default()))
        .collect())
}

/// Whether two plans visit alike (the crontab line, the zone, the window, the reminder).
fn same_schedule(a: &VisitPlan, b: &VisitPlan) -> bool {
    a.schedule().expr.as_str() == b.schedule().expr.as_str()
        && a.schedule().tz == b.schedule().tz
        && a.window_minutes() == b.window_minutes()
        && a.reminder_lead_minutes() == b.reminder_lead_minutes()
}
