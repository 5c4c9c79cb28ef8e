//! Every cell parsed into the core's types, by the parsers the API uses, and every reference
//! between sheets checked (a post's grid is in the workbook or the database, a plan's
//! commissioner holds the role, …), before anything is written. Each problem is a bad cell;
//! what passes is a [`Batch`] of typed rows, references still by their keys (a row may name
//! one that this import creates).

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use gridloop_core::visit::{DEFAULT_REMINDER_LEAD_MINUTES, DEFAULT_WINDOW_MINUTES};
use gridloop_core::{
    Code, CreditCode, CronExpr, Email, EnterpriseId, Format, Login, Name, ParseError, Phone,
    Priority, Role, Rule, Schedule, Sla, VisitPlan,
};
use gridloop_store::{Category, Chain, Enterprise, Grid, Post, Tx, Unit, User, VisitPlanRecord};

use super::columns::{self, Kind};
use super::problem::{BadCell, Problems, Reason};
use super::read::{Row, Sheet};
use crate::error::Thing;
use crate::visits::DEFAULT_CRON;

/// What the database holds of the kinds an import writes, read in the import's transaction.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub chains: Vec<Chain>,
    pub units: Vec<Unit>,
    pub grids: Vec<Grid>,
    pub posts: Vec<Post>,
    pub enterprises: Vec<Enterprise>,
    pub categories: Vec<Category>,
    pub users: Vec<User>,
    pub plans: Vec<VisitPlanRecord>,
}

impl Existing {
    pub async fn load(tx: &mut Tx) -> Result<Self, gridloop_store::StoreError> {
        Ok(Self {
            chains: tx.chains().await?,
            units: tx.units().await?,
            grids: tx.grids().await?,
            posts: tx.posts(None).await?,
            enterprises: tx.enterprises(None).await?,
            categories: tx.categories().await?,
            users: tx.users().await?,
            plans: tx.visit_plans(None).await?,
        })
    }
}

/// The settings validation needs.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// A visit plan's time zone when its cell is blank: the park's.
    pub time_zone: Tz,
    /// The most entries of a list cell (a user's roles, posts, …).
    pub list_max: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub row: u32,
    pub code: Code,
    pub name: Name,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    pub row: u32,
    pub code: Code,
    pub name: Name,
    /// `None`: the park's one chain (a new grid) or as stored.
    pub chain: Option<Code>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRow {
    pub row: u32,
    pub code: Code,
    pub name: Name,
    pub grid: Code,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRow {
    pub row: u32,
    pub name: Name,
    pub grid: Code,
    /// `None` when the sheet has no address column (the stored one stays); `Some(None)` clears.
    pub address: Option<Option<String>>,
    /// `None` when blank or without the column: a stored code stays (a key is never cleared
    /// by a blank cell).
    pub credit_code: Option<CreditCode>,
    /// The stored enterprise the row updates ([`target`]); `None`: a new one.
    pub target: Option<EnterpriseId>,
}

/// A category from its rows (one per priority, or one for all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    /// Its first row.
    pub row: u32,
    pub code: Code,
    /// Required for a new category; `None` keeps a stored one's.
    pub name: Option<Name>,
    /// `None` when the sheet has no such column; `Some(None)`: no default unit.
    pub default_unit: Option<Option<Code>>,
    pub slas: Vec<(Priority, Sla)>,
}

/// A user; `None` in a field means the sheet has no such column (the stored value stays), and
/// a list given replaces the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub row: u32,
    pub login: Login,
    pub name: Name,
    pub phone: Option<Option<Phone>>,
    pub email: Option<Option<Email>>,
    /// Blank: `zh-CN` for a new user, as stored for another.
    pub locale: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub posts: Option<Vec<Code>>,
    pub units: Option<Vec<Code>>,
    pub grids: Option<Vec<Code>>,
    /// By name.
    pub enterprises: Option<Vec<Name>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub row: u32,
    pub enterprise: Name,
    pub commissioner: Login,
    pub plan: VisitPlan,
}

/// A workbook's rows, each parsed and its references checked.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub units: Vec<UnitRow>,
    pub grids: Vec<GridRow>,
    pub posts: Vec<PostRow>,
    pub enterprises: Vec<EnterpriseRow>,
    pub categories: Vec<CategoryRow>,
    pub users: Vec<UserRow>,
    pub plans: Vec<PlanRow>,
}

impl Batch {
    /// The rows of each kind, for the report.
    pub fn rows(&self, kind: Kind) -> usize {
        match kind {
            Kind::Units => self.units.len(),
            Kind::Grids => self.grids.len(),
            Kind::Posts => self.posts.len(),
            Kind::Enterprises => self.enterprises.len(),
            Kind::Categories => self.categories.len(),
            Kind::Users => self.users.len(),
            Kind::VisitPlans => self.plans.len(),
        }
    }
}

/// One sheet's row being read: parses its cells, recording each bad one.
struct Cells<'a> {
    sheet: &'a Sheet,
    row: &'a Row,
    problems: &'a mut Problems,
}

impl Cells<'_> {
    fn bad(&mut self, i: usize, reason: Reason) {
        self.problems.push(self.sheet.bad(self.row, i, reason));
    }

    /// Cell `i`, non-blank; blank is `Rule::Required` when the sheet has the column (a
    /// missing column was reported with the header).
    fn required(&mut self, i: usize) -> Option<&str> {
        let got = self.row.get(i);
        if got.is_none() && self.sheet.has(i) {
            self.bad(i, Reason::Rule(Rule::Required));
        }
        got
    }

    /// Cell `i` through `parse`, a refusal recorded as the cell's.
    fn parsed<T>(&mut self, i: usize, parsed: Result<T, ParseError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.bad(i, Reason::Rule(e.rule()));
                None
            }
        }
    }

    fn required_as<T>(
        &mut self,
        i: usize,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        let raw = self.required(i)?.to_owned();
        self.parsed(i, parse(&raw))
    }

    /// An optional cell: `None` without the column, `Some(None)` when blank.
    fn optional_as<T>(
        &mut self,
        i: usize,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Option<Option<Option<T>>> {
        if !self.sheet.has(i) {
            return Some(None);
        }
        match self.row.get(i).map(str::to_owned) {
            None => Some(Some(None)),
            Some(raw) => self.parsed(i, parse(&raw)).map(|v| Some(Some(v))),
        }
    }

    /// A list cell: `None` without the column; each entry through `parse`, at most `max`.
    fn list_as<T>(
        &mut self,
        i: usize,
        max: usize,
        parse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Option<Option<Vec<T>>> {
        if !self.sheet.has(i) {
            return Some(None);
        }
        let raw = self.row.get(i).unwrap_or("").to_owned();
        let entries = columns::list(&raw);
        if entries.len() > max {
            self.bad(i, Reason::Rule(Rule::TooMany { max }));
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for entry in entries {
            match parse(entry) {
                Ok(v) => out.push(v),
                Err(e) => {
                    // Quote the entry at fault, not the whole list.
                    let mut cell = self.sheet.bad(self.row, i, Reason::Rule(e.rule()));
                    cell.value = BadCell::quote(entry);
                    self.problems.push(cell);
                    ok = false;
                }
            }
        }
        ok.then_some(Some(out))
    }

    /// A whole number of minutes; blank is `default`.
    fn minutes(&mut self, i: usize, default: Option<u32>) -> Option<Option<u32>> {
        match self.row.get(i).map(str::to_owned) {
            None => Some(default),
            Some(raw) => self.parsed(i, minutes(&raw)).map(Some),
        }
    }
}

fn minutes(raw: &str) -> Result<u32, ParseError> {
    raw.trim()
        .parse::<u32>()
        .map_err(|_| ParseError::new("minutes", Rule::Format(Format::Minutes)))
}

/// Where a key was first seen, to refuse a repeat.
#[derive(Debug)]
struct Seen<K>(HashMap<K, u32>);

impl<K: std::hash::Hash + Eq> Seen<K> {
    fn new() -> Self {
        Self(HashMap::new())
    }

    /// `Some(first row)` when the key was seen before.
    fn repeat(&mut self, key: K, row: u32) -> Option<u32> {
        match self.0.get(&key) {
            Some(first) => Some(*first),
            None => {
                self.0.insert(key, row);
                None
            }
        }
    }
}

/// Column indexes, by kind, as the table in `columns` has them.
mod col {
    pub const CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const GRID_CHAIN: usize = 2;
    pub const POST_GRID: usize = 2;
    pub const ENT_NAME: usize = 0;
    pub const ENT_CREDIT_CODE: usize = 1;
    pub const ENT_GRID: usize = 2;
    pub const ENT_ADDRESS: usize = 3;
    pub const CAT_UNIT: usize = 2;
    pub const CAT_PRIORITY: usize = 3;
    pub const CAT_RESPONSE: usize = 4;
    pub const CAT_RESOLVE: usize = 5;
    pub const USER_PHONE: usize = 2;
    pub const USER_EMAIL: usize = 3;
    pub const USER_LOCALE: usize = 4;
    pub const USER_ROLES: usize = 5;
    pub const USER_POSTS: usize = 6;
    pub const USER_UNITS: usize = 7;
    pub const USER_GRIDS: usize = 8;
    pub const USER_ENTERPRISES: usize = 9;
    pub const PLAN_ENTERPRISE: usize = 0;
    pub const PLAN_COMMISSIONER: usize = 1;
    pub const PLAN_CRON: usize = 2;
    pub const PLAN_TZ: usize = 3;
    pub const PLAN_WINDOW: usize = 4;
    pub const PLAN_LEAD: usize = 5;
}

/// Parses every sheet and checks every reference; what is wrong goes to `problems`.
pub fn validate(
    sheets: &[Sheet],
    existing: &Existing,
    ctx: Context,
    problems: &mut Problems,
) -> Batch {
    let mut batch = Batch::default();
    // Where each row came from, to say a reference's problem at its cell.
    let mut refs: Vec<Reference> = Vec::new();
    let mut seen_units = Seen::new();
    let mut seen_grids = Seen::new();
    let mut seen_posts = Seen::new();
    let mut seen_enterprises = Seen::new();
    let mut seen_credit_codes = Seen::new();
    let mut seen_targets = Seen::new();
    let mut seen_slas = Seen::new();
    let mut seen_users = Seen::new();
    let mut seen_plans = Seen::new();
    let mut categories: Vec<(CategoryRow, HashSet<Priority>, Reference)> = Vec::new();
    for sheet in sheets {
        for row in &sheet.rows {
            let mut c = Cells {
                sheet,
                row,
                problems,
            };
            let n = row.number;
            match sheet.kind {
                Kind::Units => {
                    let code = c.required_as(col::CODE, Code::parse);
                    let name = c.required_as(col::NAME, Name::parse);
                    if let Some(code) = &code {
                        if let Some(first) = seen_units.repeat(code.clone(), n) {
                            c.bad(col::CODE, Reason::Repeated { first_row: first });
                        }
                    }
                    if let (Some(code), Some(name)) = (code, name) {
                        batch.units.push(UnitRow { row: n, code, name });
                    }
                }
                Kind::Grids => {
                    let code = c.required_as(col::CODE, Code::parse);
                    let name = c.required_as(col::NAME, Name::parse);
                    let chain = c.optional_as(col::GRID_CHAIN, |s| Code::parse_field("chain", s));
                    if let Some(code) = &code {
                        if let Some(first) = seen_grids.repeat(code.clone(), n) {
                            c.bad(col::CODE, Reason::Repeated { first_row: first });
                        }
                    }
                    if let (Some(code), Some(name), Some(chain)) = (code, name, chain) {
                        let chain = chain.flatten();
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::GRID_CHAIN,
                            Ref::Chain {
                                grid: code.clone(),
                                chain: chain.clone(),
                            },
                        ));
                        batch.grids.push(GridRow {
                            row: n,
                            code,
                            name,
                            chain,
                        });
                    }
                }
                Kind::Posts => {
                    let code = c.required_as(col::CODE, Code::parse);
                    let name = c.required_as(col::NAME, Name::parse);
                    let grid = c.required_as(col::POST_GRID, |s| Code::parse_field("grid", s));
                    if let Some(code) = &code {
                        if let Some(first) = seen_posts.repeat(code.clone(), n) {
                            c.bad(col::CODE, Reason::Repeated { first_row: first });
                        }
                    }
                    if let (Some(code), Some(name), Some(grid)) = (code, name, grid) {
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::POST_GRID,
                            Ref::Grid(grid.clone()),
                        ));
                        batch.posts.push(PostRow {
                            row: n,
                            code,
                            name,
                            grid,
                        });
                    }
                }
                Kind::Enterprises => {
                    let name = c.required_as(col::ENT_NAME, Name::parse);
                    let grid = c.required_as(col::ENT_GRID, |s| Code::parse_field("grid", s));
                    let address = if sheet.has(col::ENT_ADDRESS) {
                        c.parsed(
                            col::ENT_ADDRESS,
                            crate::reference::enterprises::address(row.get(col::ENT_ADDRESS)),
                        )
                        .map(Some)
                    } else {
                        Some(None)
                    };
                    let credit_code = c
                        .optional_as(col::ENT_CREDIT_CODE, CreditCode::parse)
                        .map(Option::flatten);
                    // A row repeating an earlier one is said once, on the cell that repeats: a
                    // repeated code also makes both rows the same stored enterprise, and the
                    // name that differs is not what is wrong.
                    let mut repeated = false;
                    if let Some(code) = credit_code.iter().flatten().next() {
                        if let Some(first) = seen_credit_codes.repeat(code.clone(), n) {
                            c.bad(col::ENT_CREDIT_CODE, Reason::Repeated { first_row: first });
                            repeated = true;
                        }
                    }
                    if let Some(name) = &name {
                        if let Some(first) = seen_enterprises.repeat(name.as_str().to_owned(), n) {
                            c.bad(col::ENT_NAME, Reason::Repeated { first_row: first });
                            repeated = true;
                        }
                    }
                    let target = match (&name, &credit_code) {
                        (Some(name), Some(code)) => match target(existing, name, code.as_ref()) {
                            Ok(target) => Some(target),
                            Err((i, reason)) => {
                                c.bad(i, reason);
                                None
                            }
                        },
                        _ => None,
                    };
                    if let Some(Some(id)) = target {
                        if let Some(first) = seen_targets.repeat(id, n) {
                            if !repeated {
                                c.bad(col::ENT_NAME, Reason::Repeated { first_row: first });
                            }
                        }
                    }
                    if let (
                        Some(name),
                        Some(grid),
                        Some(address),
                        Some(credit_code),
                        Some(target),
                    ) = (name, grid, address, credit_code, target)
                    {
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::ENT_GRID,
                            Ref::Grid(grid.clone()),
                        ));
                        batch.enterprises.push(EnterpriseRow {
                            row: n,
                            name,
                            grid,
                            address,
                            credit_code,
                            target,
                        });
                    }
                }
                Kind::Categories => {
                    category_row(&mut c, &mut categories, &mut seen_slas, &mut refs)
                }
                Kind::Users => {
                    let login = c.required_as(col::CODE, Login::parse);
                    let name = c.required_as(col::NAME, Name::parse);
                    let phone = c.optional_as(col::USER_PHONE, Phone::parse);
                    let email = c.optional_as(col::USER_EMAIL, Email::parse);
                    let locale = c
                        .optional_as(col::USER_LOCALE, |s| {
                            columns::LOCALES
                                .iter()
                                .find(|l| l.eq_ignore_ascii_case(s))
                                .map(|l| (*l).to_owned())
                                .ok_or(ParseError::new(
                                    "locale",
                                    Rule::OneOf {
                                        allowed: columns::LOCALES,
                                    },
                                ))
                        })
                        .map(Option::flatten);
                    let max = ctx.list_max;
                    let roles = c.list_as(col::USER_ROLES, max, columns::role);
                    let posts = c.list_as(col::USER_POSTS, max, |s| Code::parse_field("posts", s));
                    let units = c.list_as(col::USER_UNITS, max, |s| Code::parse_field("units", s));
                    let grids = c.list_as(col::USER_GRIDS, max, |s| Code::parse_field("grids", s));
                    let enterprises = c.list_as(col::USER_ENTERPRISES, max, Name::parse);
                    if let Some(login) = &login {
                        if let Some(first) = seen_users.repeat(login.clone(), n) {
                            c.bad(col::CODE, Reason::Repeated { first_row: first });
                        }
                    }
                    let each = |list: &Option<Option<Vec<Code>>>, i, of: fn(Code) -> Ref| {
                        list.iter()
                            .flatten()
                            .flatten()
                            .map(|code| Reference::new(sheet, row, i, of(code.clone())))
                            .collect::<Vec<_>>()
                    };
                    refs.extend(each(&posts, col::USER_POSTS, Ref::Post));
                    refs.extend(each(&units, col::USER_UNITS, Ref::Unit));
                    refs.extend(each(&grids, col::USER_GRIDS, Ref::Grid));
                    for name in enterprises.iter().flatten().flatten() {
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::USER_ENTERPRISES,
                            Ref::Enterprise(name.clone()),
                        ));
                    }
                    let (
                        Some(login),
                        Some(name),
                        Some(phone),
                        Some(email),
                        Some(locale),
                        Some(roles),
                        Some(posts),
                        Some(units),
                        Some(grids),
                        Some(enterprises),
                    ) = (
                        login,
                        name,
                        phone,
                        email,
                        locale,
                        roles,
                        posts,
                        units,
                        grids,
                        enterprises,
                    )
                    else {
                        continue;
                    };
                    batch.users.push(UserRow {
                        row: n,
                        login,
                        name,
                        phone,
                        email,
                        locale,
                        roles,
                        posts,
                        units,
                        grids,
                        enterprises,
                    });
                }
                Kind::VisitPlans => {
                    let enterprise = c.required_as(col::PLAN_ENTERPRISE, Name::parse);
                    let commissioner = c.required_as(col::PLAN_COMMISSIONER, Login::parse);
                    let cron = c.parsed(
                        col::PLAN_CRON,
                        CronExpr::parse(row.get(col::PLAN_CRON).unwrap_or(DEFAULT_CRON)),
                    );
                    let tz = match row.get(col::PLAN_TZ) {
                        None => Some(ctx.time_zone),
                        Some(raw) => c.parsed(
                            col::PLAN_TZ,
                            raw.parse::<Tz>().map_err(|_| {
                                ParseError::new("time_zone", Rule::Format(Format::TimeZone))
                            }),
                        ),
                    };
                    let window = c
                        .minutes(col::PLAN_WINDOW, Some(DEFAULT_WINDOW_MINUTES))
                        .flatten();
                    let lead = c
                        .minutes(col::PLAN_LEAD, Some(DEFAULT_REMINDER_LEAD_MINUTES))
                        .flatten();
                    let plan = match (cron, tz, window, lead) {
                        (Some(cron), Some(tz), Some(window), Some(lead)) => {
                            match VisitPlan::new(Schedule::new(cron, tz), window, lead, true) {
                                Ok(plan) => Some(plan),
                                Err(e) => {
                                    let i = if e.field() == "reminder_lead_minutes" {
                                        col::PLAN_LEAD
                                    } else {
                                        col::PLAN_WINDOW
                                    };
                                    c.bad(i, Reason::Rule(e.rule()));
                                    None
                                }
                            }
                        }
                        _ => None,
                    };
                    if let (Some(enterprise), Some(commissioner)) = (&enterprise, &commissioner) {
                        let key = (enterprise.as_str().to_owned(), commissioner.clone());
                        if let Some(first) = seen_plans.repeat(key, n) {
                            c.bad(col::PLAN_ENTERPRISE, Reason::Repeated { first_row: first });
                        }
                    }
                    if let Some(enterprise) = &enterprise {
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::PLAN_ENTERPRISE,
                            Ref::Enterprise(enterprise.clone()),
                        ));
                    }
                    if let Some(commissioner) = &commissioner {
                        refs.push(Reference::new(
                            sheet,
                            row,
                            col::PLAN_COMMISSIONER,
                            Ref::Commissioner(commissioner.clone()),
                        ));
                    }
                    if let (Some(enterprise), Some(commissioner), Some(plan)) =
                        (enterprise, commissioner, plan)
                    {
                        batch.plans.push(PlanRow {
                            row: n,
                            enterprise,
                            commissioner,
                            plan,
                        });
                    }
                }
            }
        }
    }
    // A new category needs a name and an SLA for every priority.
    let stored_categories: HashSet<&Code> = existing.categories.iter().map(|c| &c.code).collect();
    for (category, _, first) in &categories {
        if stored_categories.contains(&category.code) {
            continue;
        }
        if category.name.is_none() {
            problems.push(first.bad_at(col::NAME, "", Reason::Rule(Rule::Required)));
        }
        for priority in Priority::ALL {
            if !category.slas.iter().any(|(p, _)| *p == priority) {
                problems.push(first.bad_at(
                    col::CAT_PRIORITY,
                    "",
                    Reason::Rule(Rule::OneSlaPerPriority { priority }),
                ));
            }
        }
    }
    batch.categories = categories.into_iter().map(|(c, _, _)| c).collect();
    // The keys the workbook names, its bad rows' too (their own cells are listed already, so a
    // reference to them is not a second problem).
    let named = Named {
        grids: seen_grids.0.into_keys().collect(),
        posts: seen_posts.0.into_keys().collect(),
        units: seen_units.0.into_keys().collect(),
        enterprises: seen_enterprises.0.into_keys().collect(),
        logins: seen_users.0.into_keys().collect(),
    };
    check_references(&batch, existing, &named, &refs, problems);
    batch
}

/// The stored enterprise an enterprise row updates, or `None` for a new one; `Err` with the
/// column and the reason when the row cannot say which.
///
/// The credit code is the key: the enterprise holding it is the one, whatever the row calls it
/// (so a corrected name updates it in place). A row without a code, or with one nobody holds
/// yet, is matched by its name, as before codes were kept: the one stored enterprise of that
/// name is updated (and given the code), none is a new enterprise, several cannot be told
/// apart. An enterprise found by its name that holds another code is not silently re-keyed: the
/// row's code is either mistyped or names another enterprise of the same name.
fn target(
    existing: &Existing,
    name: &Name,
    code: Option<&CreditCode>,
) -> Result<Option<EnterpriseId>, (usize, Reason)> {
    if let Some(code) = code {
        let holder = existing
            .enterprises
            .iter()
            .find(|e| e.credit_code.as_ref() == Some(code));
        if let Some(holder) = holder {
            return Ok(Some(holder.id));
        }
    }
    let mut named = existing.enterprises.iter().filter(|e| e.name == *name);
    match (named.next(), named.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err((col::ENT_NAME, Reason::Ambiguous)),
        (Some(e), None) => match (&e.credit_code, code) {
            (Some(stored), Some(given)) if stored != given => {
                Err((col::ENT_CREDIT_CODE, Reason::OtherCreditCode))
            }
            _ => Ok(Some(e.id)),
        },
    }
}

/// The keys a workbook names, each on some row, good or bad.
#[derive(Debug, Default)]
struct Named {
    grids: HashSet<Code>,
    posts: HashSet<Code>,
    units: HashSet<Code>,
    enterprises: HashSet<String>,
    logins: HashSet<Login>,
}

/// One row of the categories sheet: merged into its category (the rows of one category give
/// one SLA each, or one for every priority; a priority's own row wins over an every-priority
/// row; a name or unit given twice must agree).
fn category_row(
    c: &mut Cells<'_>,
    categories: &mut Vec<(CategoryRow, HashSet<Priority>, Reference)>,
    seen_slas: &mut Seen<(Code, Option<Priority>)>,
    refs: &mut Vec<Reference>,
) {
    let n = c.row.number;
    let code = c.required_as(col::CODE, Code::parse);
    let name = c.optional_as(col::NAME, Name::parse).map(Option::flatten);
    let unit = c.optional_as(col::CAT_UNIT, |s| Code::parse_field("default_unit", s));
    let priority = c
        .optional_as(col::CAT_PRIORITY, columns::priority)
        .map(Option::flatten);
    let response = c.row.get(col::CAT_RESPONSE).map(str::to_owned);
    let resolve = c.row.get(col::CAT_RESOLVE).map(str::to_owned);
    let sla = match (response, resolve) {
        (None, None) => Some(None),
        (response, resolve) => {
            let response = match response {
                Some(raw) => c.parsed(col::CAT_RESPONSE, minutes(&raw)),
                None => {
                    c.bad(col::CAT_RESPONSE, Reason::Rule(Rule::Required));
                    None
                }
            };
            let resolve = match resolve {
                Some(raw) => c.parsed(col::CAT_RESOLVE, minutes(&raw)),
                None => {
                    c.bad(col::CAT_RESOLVE, Reason::Rule(Rule::Required));
                    None
                }
            };
            match (response, resolve) {
                (Some(a), Some(b)) => c.parsed(col::CAT_RESPONSE, Sla::new(a, b)).map(Some),
                _ => None,
            }
        }
    };
    let (Some(code), Some(name), Some(unit), Some(priority), Some(sla)) =
        (code, name, unit, priority, sla)
    else {
        return;
    };
    if sla.is_some() {
        if let Some(first) = seen_slas.repeat((code.clone(), priority), n) {
            c.bad(col::CAT_PRIORITY, Reason::Repeated { first_row: first });
            return;
        }
    } else if priority.is_some() {
        c.bad(col::CAT_RESPONSE, Reason::Rule(Rule::Required));
        return;
    }
    let index = match categories.iter().position(|(cat, _, _)| cat.code == code) {
        Some(i) => i,
        None => {
            categories.push((
                CategoryRow {
                    row: n,
                    code: code.clone(),
                    name: None,
                    default_unit: None,
                    slas: Vec::new(),
                },
                HashSet::new(),
                Reference::new(c.sheet, c.row, col::CODE, Ref::Category(code.clone())),
            ));
            categories.len() - 1
        }
    };
    let (category, own, _) = &mut categories[index];
    if let Some(name) = name {
        match &category.name {
            Some(first) if *first != name => {
                c.bad(
                    col::NAME,
                    Reason::Repeated {
                        first_row: category.row,
                    },
                );
            }
            _ => category.name = Some(name),
        }
    }
    if let Some(unit) = unit {
        match (&category.default_unit, &unit) {
            (Some(Some(first)), Some(this)) if first != this => {
                c.bad(
                    col::CAT_UNIT,
                    Reason::Repeated {
                        first_row: category.row,
                    },
                );
            }
            (Some(Some(_)), None) => {}
            _ => {
                if let Some(code) = &unit {
                    refs.push(Reference::new(
                        c.sheet,
                        c.row,
                        col::CAT_UNIT,
                        Ref::Unit(code.clone()),
                    ));
                }
                category.default_unit = Some(unit);
            }
        }
    }
    if let Some(sla) = sla {
        match priority {
            Some(p) => {
                own.insert(p);
                category.slas.retain(|(q, _)| *q != p);
                category.slas.push((p, sla));
            }
            None => {
                for p in Priority::ALL {
                    if !own.contains(&p) {
                        category.slas.retain(|(q, _)| *q != p);
                        category.slas.push((p, sla));
                    }
                }
            }
        }
        category.slas.sort_by_key(|(p, _)| *p);
    }
}

/// A reference a row makes, to check once every sheet is read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ref {
    Grid(Code),
    Post(Code),
    Unit(Code),
    /// A category's own first row (so its problems can be placed), never missing.
    Category(Code),
    /// An enterprise by its name as the import leaves it (a row may rename one).
    Enterprise(Name),
    Commissioner(Login),
    /// A grid's chain: stored, needed for a new grid (unless the park has one), fixed after.
    Chain {
        grid: Code,
        chain: Option<Code>,
    },
}

#[derive(Debug, Clone)]
struct Reference {
    sheet: String,
    kind: Kind,
    row: u32,
    /// The letters of the sheet's columns (by the kind's index).
    columns: Vec<Option<String>>,
    column: usize,
    what: Ref,
}

impl Reference {
    fn new(sheet: &Sheet, row: &Row, column: usize, what: Ref) -> Self {
        Self {
            sheet: sheet.name.clone(),
            kind: sheet.kind,
            row: row.number,
            columns: sheet
                .columns
                .iter()
                .map(|c| c.map(super::problem::letter))
                .collect(),
            column,
            what,
        }
    }

    fn bad(&self, value: &str, reason: Reason) -> BadCell {
        self.bad_at(self.column, value, reason)
    }

    /// A bad cell in another column of the referring row.
    fn bad_at(&self, column: usize, value: &str, reason: Reason) -> BadCell {
        BadCell {
            sheet: self.sheet.clone(),
            kind: Some(self.kind),
            row: Some(self.row),
            column: self.columns.get(column).cloned().flatten(),
            field: self.kind.columns().get(column).map(|c| c.key),
            value: BadCell::quote(value),
            reason,
        }
    }
}

fn check_references(
    batch: &Batch,
    existing: &Existing,
    named: &Named,
    refs: &[Reference],
    problems: &mut Problems,
) {
    let grids: HashSet<&Code> = named
        .grids
        .iter()
        .chain(existing.grids.iter().map(|g| &g.code))
        .collect();
    let posts: HashSet<&Code> = named
        .posts
        .iter()
        .chain(existing.posts.iter().map(|p| &p.code))
        .collect();
    let units: HashSet<&Code> = named
        .units
        .iter()
        .chain(existing.units.iter().map(|u| &u.code))
        .collect();
    // The enterprises' names as the import leaves them: the stored ones but those the rows
    // update, which take their rows' names, and the new ones. A reference names one of these;
    // a name on a bad row is that row's problem, listed already.
    let updated: HashSet<EnterpriseId> =
        batch.enterprises.iter().filter_map(|r| r.target).collect();
    let mut after: HashMap<&str, usize> = HashMap::new();
    for e in &existing.enterprises {
        if !updated.contains(&e.id) {
            *after.entry(e.name.as_str()).or_default() += 1;
        }
    }
    // A name on two rows is refused already (a repeat): counted once.
    let mut rows: HashSet<&str> = HashSet::new();
    for r in &batch.enterprises {
        if rows.insert(r.name.as_str()) {
            *after.entry(r.name.as_str()).or_default() += 1;
        }
    }
    let stored_users: HashMap<&Login, &User> =
        existing.users.iter().map(|u| (&u.login, u)).collect();
    let user_rows: HashMap<&Login, &UserRow> = batch.users.iter().map(|u| (&u.login, u)).collect();
    // A commissioner's roles: the workbook's where its row has them, else the stored ones; a
    // user whose own row is bad is not judged again here.
    let commissioner = |login: &Login| -> Option<bool> {
        let stored = stored_users.get(login);
        match (user_rows.get(login), stored) {
            (
                Some(UserRow {
                    roles: Some(roles), ..
                }),
                stored,
            ) => Some(roles.contains(&Role::Commissioner) && stored.is_none_or(|u| u.active)),
            (Some(_), None) => Some(false),
            (None, _) if named.logins.contains(login) => Some(true),
            (_, Some(u)) => Some(u.active && u.roles.contains(&Role::Commissioner)),
            (None, None) => None,
        }
    };
    let stored_grids: HashMap<&Code, &Grid> = existing.grids.iter().map(|g| (&g.code, g)).collect();
    for r in refs {
        match &r.what {
            Ref::Grid(code) if !grids.contains(code) => {
                problems.push(r.bad(code.as_str(), Reason::NoSuch(Thing::Grid)));
            }
            Ref::Post(code) if !posts.contains(code) => {
                problems.push(r.bad(code.as_str(), Reason::NoSuch(Thing::Post)));
            }
            Ref::Unit(code) if !units.contains(code) => {
                problems.push(r.bad(code.as_str(), Reason::NoSuch(Thing::Unit)));
            }
            Ref::Enterprise(name) => match after.get(name.as_str()).copied().unwrap_or(0) {
                0 if named.enterprises.contains(name.as_str()) => {}
                0 => problems.push(r.bad(name.as_str(), Reason::NoSuch(Thing::Enterprise))),
                1 => {}
                _ => problems.push(r.bad(name.as_str(), Reason::Ambiguous)),
            },
            Ref::Commissioner(login) => match commissioner(login) {
                None => problems.push(r.bad(login.as_str(), Reason::NoSuch(Thing::User))),
                Some(false) => problems.push(r.bad(
                    login.as_str(),
                    Reason::Rule(Rule::NeedsRole {
                        role: Role::Commissioner,
                    }),
                )),
                Some(true) => {}
            },
            Ref::Chain { grid, chain } => {
                let found = chain
                    .as_ref()
                    .map(|code| existing.chains.iter().find(|c| &c.code == code));
                match (stored_grids.get(grid), chain, found) {
                    (_, Some(code), Some(None)) => {
                        problems.push(r.bad(code.as_str(), Reason::NoSuch(Thing::Chain)));
                    }
                    (Some(stored), Some(code), Some(Some(chain))) if chain.id != stored.chain => {
                        problems.push(r.bad(code.as_str(), Reason::Fixed));
                    }
                    (None, None, _) if existing.chains.len() != 1 => {
                        problems.push(r.bad("", Reason::Rule(Rule::Required)));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use gridloop_core::{ChainId, Rule};

    use super::super::read::{read, FileFormat, Source};
    use super::*;

    fn ctx() -> Context {
        Context {
            time_zone: chrono_tz::Asia::Shanghai,
            list_max: 100,
        }
    }

    /// One chain stored, nothing else.
    fn existing() -> Existing {
        Existing {
            chains: vec![Chain {
                id: ChainId::new(1).expect("id"),
                code: Code::parse("aluminium").expect("code"),
                name: Name::parse("铝").expect("name"),
            }],
            ..Existing::default()
        }
    }

    /// The batch and the bad cells (as `place: reason`) of a .csv of `kind`.
    fn csv(kind: Kind, text: &str) -> (Batch, Vec<(String, Reason)>) {
        csv_on(&existing(), kind, text)
    }

    /// [`csv`] with `existing` stored.
    fn csv_on(existing: &Existing, kind: Kind, text: &str) -> (Batch, Vec<(String, Reason)>) {
        let mut problems = Problems::default();
        let sheets = read(
            Source {
                name: "x.csv",
                bytes: text.as_bytes(),
                format: FileFormat::Csv,
                sheet: None,
                kind: Some(kind),
            },
            &mut problems,
        );
        let batch = validate(&sheets, existing, ctx(), &mut problems);
        let cells = problems
            .refusal()
            .map(|r| r.cells.into_iter().map(|c| (c.place(), c.reason)).collect())
            .unwrap_or_default();
        (batch, cells)
    }

    #[test]
    fn a_users_cells_are_parsed_by_the_cores_parsers_and_lists_split() {
        let (batch, bad) = csv(
            Kind::Users,
            "登录名,姓名,手机,邮箱,通知语言,角色,网格编码\n\
             zhang.wei,张伟,13812345678,zw@example.cn,EN,\"先锋岗成员、commissioner\",\"g1, g2\"\n",
        );
        // The grids name nothing stored: that is a reference's problem, the cells parsed.
        assert_eq!(
            bad,
            vec![
                ("x.csv!G2".to_owned(), Reason::NoSuch(Thing::Grid)),
                ("x.csv!G2".to_owned(), Reason::NoSuch(Thing::Grid)),
            ]
        );
        let user = &batch.users[0];
        assert_eq!(user.login.as_str(), "zhang.wei");
        assert_eq!(
            user.phone.clone().flatten().map(|p| p.as_str().to_owned()),
            Some("+8613812345678".to_owned())
        );
        assert_eq!(user.locale.as_deref(), Some("en"));
        assert_eq!(user.roles, Some(vec![Role::PostMember, Role::Commissioner]));
        assert_eq!(user.grids.as_ref().map(Vec::len), Some(2));
        // Columns the sheet lacks are left as stored.
        assert_eq!(user.posts, None);
        assert_eq!(user.enterprises, None);
    }

    #[test]
    fn every_bad_cell_of_a_row_is_named_at_its_column() {
        let (batch, bad) = csv(
            Kind::Users,
            "login,name,phone,email,locale,roles\nBad Login,,12,not-mail,fr,boss\n",
        );
        assert!(batch.users.is_empty());
        let reasons: Vec<(&str, Reason)> = bad.iter().map(|(p, r)| (p.as_str(), *r)).collect();
        assert_eq!(
            reasons,
            vec![
                (
                    "x.csv!A2",
                    Reason::Rule(Rule::Format(gridloop_core::Format::Login))
                ),
                ("x.csv!B2", Reason::Rule(Rule::Required)),
                (
                    "x.csv!C2",
                    Reason::Rule(Rule::Format(gridloop_core::Format::Phone))
                ),
                (
                    "x.csv!D2",
                    Reason::Rule(Rule::Format(gridloop_core::Format::Email))
                ),
                (
                    "x.csv!E2",
                    Reason::Rule(Rule::OneOf {
                        allowed: columns::LOCALES
                    })
                ),
                (
                    "x.csv!F2",
                    Reason::Rule(Rule::OneOf {
                        allowed: Role::NAMES
                    })
                ),
            ]
        );
    }

    #[test]
    fn a_categorys_rows_merge_an_every_priority_sla_with_a_priority_of_its_own() {
        let (batch, bad) = csv(
            Kind::Categories,
            "category_code,name,priority,response_minutes,resolve_minutes\n\
             leak,漏水,,120,960\nleak,,紧急,30,240\n",
        );
        assert_eq!(bad, vec![]);
        let leak = &batch.categories[0];
        assert_eq!(leak.row, 2);
        assert_eq!(leak.name.as_ref().map(Name::as_str), Some("漏水"));
        let urgent = leak.slas.iter().find(|(p, _)| *p == Priority::Urgent);
        assert_eq!(urgent.map(|(_, s)| *s), Sla::new(30, 240).ok());
        assert_eq!(leak.slas.len(), 4);

        // Twice the same priority, a new category short of priorities, a response after the
        // resolution, a minute that is not a number.
        let (_, bad) = csv(
            Kind::Categories,
            "category_code,name,priority,response_minutes,resolve_minutes\n\
             a,甲,urgent,30,240\na,,urgent,20,200\nb,乙,,500,100\nc,丙,,x,100\n",
        );
        let reasons: Vec<Reason> = bad.iter().map(|(_, r)| *r).collect();
        assert!(
            reasons.contains(&Reason::Repeated { first_row: 2 }),
            "{bad:?}"
        );
        assert!(
            reasons.contains(&Reason::Rule(Rule::OneSlaPerPriority {
                priority: Priority::Low
            })),
            "{bad:?}"
        );
        assert!(
            reasons.contains(&Reason::Rule(Rule::ResponseAfterResolution)),
            "{bad:?}"
        );
        assert!(
            reasons.contains(&Reason::Rule(Rule::Format(gridloop_core::Format::Minutes))),
            "{bad:?}"
        );
    }

    /// A park with the grid `g1` and the enterprises 甲 (Tencent's code), 乙 (no code) and two
    /// called 丙.
    fn coded_park() -> (Existing, [EnterpriseId; 4]) {
        let mut park = existing();
        let grid = gridloop_core::GridId::new(1).expect("id");
        park.grids.push(Grid {
            id: grid,
            code: Code::parse("g1").expect("code"),
            name: Name::parse("一网格").expect("name"),
            chain: ChainId::new(1).expect("id"),
        });
        let ids = [1, 2, 3, 4].map(|i| EnterpriseId::new(i).expect("id"));
        for (id, name, code) in [
            (ids[0], "甲", Some("9144030071526726XG")),
            (ids[1], "乙", None),
            (ids[2], "丙", None),
            (ids[3], "丙", None),
        ] {
            park.enterprises.push(Enterprise {
                id,
                name: Name::parse(name).expect("name"),
                grid,
                address: None,
                credit_code: code.map(|c| CreditCode::parse(c).expect("code")),
            });
        }
        (park, ids)
    }

    #[test]
    fn an_enterprise_row_is_matched_by_its_credit_code_first_then_by_its_name() {
        let (park, ids) = coded_park();
        let (batch, bad) = csv_on(
            &park,
            Kind::Enterprises,
            "企业名称,统一社会信用代码,网格编码\n\
             甲（更名）,9144 0300 7152 6726 xg,g1\n\
             乙,914403001922038216,g1\n\
             丁,,g1\n\
             丙,91350200776049653A,g1\n",
        );
        assert_eq!(
            bad,
            vec![("x.csv!A5".to_owned(), Reason::Ambiguous)],
            "two stored 丙: which one gets the code?"
        );
        let matched: Vec<(&str, Option<EnterpriseId>)> = batch
            .enterprises
            .iter()
            .map(|r| (r.name.as_str(), r.target))
            .collect();
        assert_eq!(
            matched,
            vec![
                ("甲（更名）", Some(ids[0])),
                ("乙", Some(ids[1])),
                ("丁", None),
            ]
        );
        assert_eq!(
            batch.enterprises[0]
                .credit_code
                .as_ref()
                .map(CreditCode::as_str),
            Some("9144030071526726XG")
        );
        assert_eq!(batch.enterprises[2].credit_code, None);

        // A code twice; one enterprise twice (by the code it holds, then by its name).
        let (_, bad) = csv_on(
            &park,
            Kind::Enterprises,
            "name,credit_code,grid_code\n\
             甲（新）,9144030071526726XG,g1\n\
             戊,91350200776049653A,g1\n\
             己,91350200776049653A,g1\n\
             甲,,g1\n\
             乙,914403001922038216,g1\n\
             庚,9144030071526726XG,g1\n",
        );
        // The stored code repeated (row 7) is said once, on the code: not again on the name
        // for making the row the same enterprise as row 2.
        assert_eq!(
            bad,
            vec![
                ("x.csv!B4".to_owned(), Reason::Repeated { first_row: 3 }),
                ("x.csv!A5".to_owned(), Reason::Repeated { first_row: 2 }),
                ("x.csv!B7".to_owned(), Reason::Repeated { first_row: 2 }),
            ]
        );
        // 甲, found by its name, holds another code than the row's.
        let (_, bad) = csv_on(
            &park,
            Kind::Enterprises,
            "name,credit_code,grid_code\n甲,914403001922038216,g1\n",
        );
        assert_eq!(bad, vec![("x.csv!B2".to_owned(), Reason::OtherCreditCode)]);
    }

    #[test]
    fn plans_and_users_name_enterprises_as_the_sheet_leaves_them() {
        let (park, _) = coded_park();
        let mut problems = Problems::default();
        let read = |name: &str, kind: Kind, text: &str, problems: &mut Problems| {
            read(
                Source {
                    name,
                    bytes: text.as_bytes(),
                    format: FileFormat::Csv,
                    sheet: None,
                    kind: Some(kind),
                },
                problems,
            )
        };
        let mut sheets = read(
            "e.csv",
            Kind::Enterprises,
            "name,credit_code,grid_code\n甲（更名）,9144030071526726XG,g1\n",
            &mut problems,
        );
        sheets.extend(read(
            "u.csv",
            Kind::Users,
            "login,name,enterprises\nc1,联系人,甲（更名）、乙\nc2,联系人二,甲\nc3,联系人三,丙\n",
            &mut problems,
        ));
        validate(&sheets, &park, ctx(), &mut problems);
        let bad: Vec<(String, Reason)> = problems
            .refusal()
            .map(|r| r.cells.into_iter().map(|c| (c.place(), c.reason)).collect())
            .unwrap_or_default();
        assert_eq!(
            bad,
            vec![
                // 甲 is 甲（更名） now.
                ("u.csv!C3".to_owned(), Reason::NoSuch(Thing::Enterprise)),
                ("u.csv!C4".to_owned(), Reason::Ambiguous),
            ]
        );
    }

    #[test]
    fn a_new_grid_takes_the_parks_one_chain_and_a_repeated_code_is_refused() {
        let (batch, bad) = csv(Kind::Grids, "grid_code,name\ng1,一网格\ng1,重复\n");
        assert_eq!(
            bad,
            vec![("x.csv!A3".to_owned(), Reason::Repeated { first_row: 2 })]
        );
        assert_eq!(batch.grids[0].chain, None);
    }
}
