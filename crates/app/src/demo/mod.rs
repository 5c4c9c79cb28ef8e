//! The reference park: its data ([`park`]) and how it is written to the store; [`chain`]: its
//! chain's stages, the enterprises' positions and a dozen needs and offers; [`matches`]: five
//! matches of those needs and offers in every state, the offcut pair agreed; and
//! [`history`]: eight weeks of issues played through the real workflow on a simulated clock,
//! so the demo's first reports and charts have figures to show; [`meetings`]: two matchmaking
//! events held in the past weeks, with attendance, and one ahead, on a simulated clock too.

pub mod chain;
pub mod history;
pub mod matches;
pub mod meetings;
pub mod park;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridloop_core::{
    Code, CreditCode, CronExpr, Email, EnterpriseId, Login, Name, Phone, Priority, Role, Schedule,
    Sla, UserId, VisitPlan,
};
use gridloop_store::{NewCategory, NewEnterprise, NewGrid, NewPost, NewUnit, NewUser, Store};

use park::Park;

use crate::error::SetupError;
use crate::passwords::Hasher;

/// The login of the demo's Open311 client: an `enterprise` user tied to every enterprise, whose
/// `open311`-scoped token serves as the Open311 `api_key` (and opens nothing else).
pub const OPEN311_LOGIN: &str = "open311";

/// What seeding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Seeded {
    pub already_present: bool,
    pub grids: usize,
    pub posts: usize,
    pub enterprises: usize,
    pub units: usize,
    pub categories: usize,
    pub users: usize,
}

/// Writes the park in one transaction, unless its chain is already there: then nothing changes.
/// One transaction makes seeding all-or-nothing, so "the chain exists" really means "the park
/// exists", and costs one fsync instead of four hundred.
pub async fn seed(store: &Store, park: &Park, now: DateTime<Utc>) -> Result<Seeded, SetupError> {
    let counts = Seeded {
        already_present: false,
        grids: park.grids.len(),
        posts: park.grids.iter().map(|g| g.posts.len()).sum(),
        enterprises: park.grids.iter().map(|g| g.enterprises.len()).sum(),
        units: park.units.len(),
        categories: park.categories.len(),
        // The park's people, and the Open311 client.
        users: park.users.len() + 1,
    };
    let chain_code = Code::parse(&park.chain.code)?;
    if store.chain_by_code(&chain_code).await?.is_some() {
        return Ok(Seeded {
            already_present: true,
            ..counts
        });
    }
    let mut tx = store.transaction().await?;
    let chain = tx
        .create_chain(chain_code, Name::parse(&park.chain.name)?)
        .await?;
    let mut grids = HashMap::new();
    let mut posts = HashMap::new();
    let mut enterprises = Vec::new();
    let mut grid_enterprises: HashMap<String, Vec<EnterpriseId>> = HashMap::new();
    // Per grid, in the park's order: the grid's id and its enterprises with their names.
    let mut grid_ids = Vec::new();
    let mut named_enterprises: Vec<Vec<(EnterpriseId, String)>> = Vec::new();
    for spec in &park.grids {
        let grid = tx
            .create_grid(NewGrid {
                code: Code::parse(&spec.code)?,
                name: Name::parse(&spec.name)?,
                chain: chain.id,
            })
            .await?;
        for post in &spec.posts {
            let created = tx
                .create_post(NewPost {
                    code: Code::parse(&post.code)?,
                    name: Name::parse(&post.name)?,
                    grid: grid.id,
                })
                .await?;
            posts.insert(post.code.clone(), created.id);
        }
        let mut named = Vec::new();
        for enterprise in &spec.enterprises {
            let created = tx
                .create_enterprise(NewEnterprise {
                    name: Name::parse(&enterprise.name)?,
                    grid: grid.id,
                    address: Some(enterprise.address.clone()),
                    credit_code: Some(CreditCode::parse(&enterprise.credit_code)?),
                })
                .await?;
            enterprises.push(created.id);
            named.push((created.id, enterprise.name.clone()));
            grid_enterprises
                .entry(spec.code.clone())
                .or_default()
                .push(created.id);
        }
        grids.insert(spec.code.clone(), grid.id);
        grid_ids.push(grid.id);
        named_enterprises.push(named);
    }
    let mut units = HashMap::new();
    for spec in &park.units {
        let unit = tx
            .create_unit(NewUnit {
                code: Code::parse(&spec.code)?,
                name: Name::parse(&spec.name)?,
            })
            .await?;
        units.insert(spec.code.clone(), unit.id);
    }
    for spec in &park.categories {
        let slas = spec
            .slas
            .iter()
            .map(|(p, respond, resolve)| {
                Ok((p.parse::<Priority>()?, Sla::new(*respond, *resolve)?))
            })
            .collect::<Result<Vec<_>, SetupError>>()?;
        tx.create_category(NewCategory {
            code: Code::parse(&spec.code)?,
            name: Name::parse(&spec.name)?,
            default_unit: units.get(&spec.default_unit).copied(),
            slas,
        })
        .await
        .map_err(|e| SetupError::failed(format!("category {}", spec.code), e))?;
    }
    let mut commissioners: HashMap<String, Vec<UserId>> = HashMap::new();
    for spec in &park.users {
        let roles = spec
            .roles
            .iter()
            .map(|r| r.parse::<Role>())
            .collect::<Result<Vec<_>, _>>()?;
        let user = tx
            .create_user(NewUser {
                login: Login::parse(&spec.login)?,
                name: Name::parse(&spec.name)?,
                phone: Some(Phone::parse(&spec.phone)?),
                email: Some(Email::parse(&spec.email)?),
                locale: "zh-CN".to_owned(),
                roles,
                posts: spec
                    .post
                    .iter()
                    .filter_map(|p| posts.get(p).copied())
                    .collect(),
                units: spec
                    .unit
                    .iter()
                    .filter_map(|u| units.get(u).copied())
                    .collect(),
                grids: spec
                    .grids
                    .iter()
                    .filter_map(|g| grids.get(g).copied())
                    .collect(),
                enterprises: vec![],
            })
            .await
            .map_err(|e| SetupError::failed(format!("user {}", spec.login), e))?;
        if user.roles.contains(&Role::Commissioner) {
            for grid in &spec.grids {
                commissioners.entry(grid.clone()).or_default().push(user.id);
            }
        }
    }
    // Every enterprise is visited weekly by one of its grid's commissioners, the visits spread
    // over the working week, mornings and afternoons.
    for spec in &park.grids {
        let (Some(visitors), Some(members)) = (
            commissioners.get(&spec.code),
            grid_enterprises.get(&spec.code),
        ) else {
            continue;
        };
        for (i, enterprise) in members.iter().enumerate() {
            let weekday = ["MON", "TUE", "WED", "THU", "FRI"][(i / visitors.len()) % 5];
            let hour = if (i / (visitors.len() * 5)) % 2 == 0 {
                9
            } else {
                14
            };
            let schedule =
                Schedule::in_default_tz(CronExpr::parse(&format!("0 {hour} * * {weekday}"))?);
            tx.add_visit_plan(
                *enterprise,
                visitors[i % visitors.len()],
                &VisitPlan::on(schedule),
                now,
            )
            .await
            .map_err(|e| {
                SetupError::failed(format!("visit plan for enterprise {enterprise}"), e)
            })?;
        }
    }
    // The chain: stages, positions, and needs and offers posted by a commissioner of each grid.
    let posters: HashMap<usize, UserId> = park
        .grids
        .iter()
        .enumerate()
        .filter_map(|(g, spec)| Some((g, *commissioners.get(&spec.code)?.first()?)))
        .collect();
    chain::seed(
        &mut tx,
        chain.id,
        &named_enterprises,
        &posters,
        &grid_ids,
        now,
    )
    .await?;
    matches::seed(&mut tx, &named_enterprises, now).await?;
    // The Open311 client: its api_key reports on behalf of any enterprise of the park.
    tx.create_user(NewUser {
        login: Login::parse(OPEN311_LOGIN)?,
        name: Name::parse("Open311 客户端")?,
        phone: None,
        email: None,
        locale: "zh-CN".to_owned(),
        roles: vec![Role::Enterprise],
        posts: vec![],
        units: vec![],
        grids: vec![],
        enterprises,
    })
    .await
    .map_err(|e| SetupError::failed("user open311", e))?;
    tx.commit().await?;
    Ok(counts)
}

/// The password every demo user signs in to the web pages with, printed by `gridloop demo`
/// and written in the README. Never set by `serve`.
pub const DEMO_PASSWORD: &str = "gridloop-demo";

/// Gives every user who has no password yet [`DEMO_PASSWORD`]; returns how many. One hash
/// serves them all (argon2 is slow on purpose; a public demo password needs no per-user salt).
/// Users who already have a password keep it, so running the demo again changes nothing.
pub async fn set_demo_passwords(store: &Store, hasher: &Hasher) -> Result<usize, SetupError> {
    let phc = hasher
        .hash(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| SetupError::failed("hashing the demo password", e))?;
    let mut set = 0;
    for user in store.users().await? {
        if user.active && store.password_hash(&user.login).await?.is_none() {
            store.set_password_hash(user.id, Some(&phc)).await?;
            set += 1;
        }
    }
    Ok(set)
}
