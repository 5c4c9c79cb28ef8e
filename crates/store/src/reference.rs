//! Reference data: chains, grids, posts, enterprises, units, categories with their SLAs, and
//! users with their roles and memberships. Written by admins and the demo, read everywhere.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use gridloop_core::{
    Actor, CategoryId, ChainId, Code, CreditCode, Email, EnterpriseId, GridId, Login, Name, Phone,
    PostId, Priority, Role, Rule, UnitId, UserId,
};

use crate::backend::{args, Arg, Backend, Tx};
use crate::error::StoreError;
use crate::model::{
    Category, Chain, Enterprise, Grid, NewCategory, NewEnterprise, NewGrid, NewPost, NewUnit,
    NewUser, Post, Unit, User,
};
use crate::rows::{
    stored, stored_opt, CategoryRow, ChainRow, EnterpriseRow, GridRow, PostRow, SlaRow, UnitRow,
    UserRow,
};

/// The locales templates exist in.
const LOCALES: [&str; 2] = ["zh-CN", "en"];

/// Turns the database's unique violation into [`StoreError::AlreadyExists`].
fn taken(e: StoreError, what: &'static str, key: &impl Display) -> StoreError {
    if e.is_unique_violation() {
        StoreError::AlreadyExists {
            what,
            key: key.to_string(),
        }
    } else {
        e
    }
}

/// An enterprise's write refused by the unique index on credit codes (the only unique
/// constraint of `enterprises`): `AlreadyExists` naming the code.
pub(crate) fn credit_code_taken(e: StoreError, code: Option<&CreditCode>) -> StoreError {
    match code {
        Some(code) => taken(e, "enterprise", code),
        None => e,
    }
}

/// The columns an [`EnterpriseRow`] is read from.
pub(crate) const ENTERPRISE_COLUMNS: &str = "id, name, grid_id, address, credit_code";

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

impl Tx {
    /// Fails with `NotFound` unless `table` has a row with this id. `table` is always one of
    /// the store's own literals, never input.
    pub(crate) async fn must_exist(
        &mut self,
        table: &'static str,
        what: &'static str,
        id: i64,
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT id FROM {table} WHERE id = $1");
        let found: Option<(i64,)> = self.fetch_optional(&sql, args![id]).await?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::not_found(what, id))
    }

    pub async fn create_chain(&mut self, code: Code, name: Name) -> Result<Chain, StoreError> {
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO chains (code, name) VALUES ($1, $2) RETURNING id",
                args![code.as_str(), name.as_str()],
            )
            .await
            .map_err(|e| taken(e, "chain", &code))?;
        Ok(Chain {
            id: stored("chains", ChainId::new(id))?,
            code,
            name,
        })
    }

    pub async fn create_grid(&mut self, new: NewGrid) -> Result<Grid, StoreError> {
        self.must_exist("chains", "chain", new.chain.get()).await?;
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO grids (code, name, chain_id) VALUES ($1, $2, $3) RETURNING id",
                args![new.code.as_str(), new.name.as_str(), new.chain.get()],
            )
            .await
            .map_err(|e| taken(e, "grid", &new.code))?;
        Ok(Grid {
            id: stored("grids", GridId::new(id))?,
            code: new.code,
            name: new.name,
            chain: new.chain,
        })
    }

    pub async fn create_post(&mut self, new: NewPost) -> Result<Post, StoreError> {
        self.must_exist("grids", "grid", new.grid.get()).await?;
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO posts (code, name, grid_id) VALUES ($1, $2, $3) RETURNING id",
                args![new.code.as_str(), new.name.as_str(), new.grid.get()],
            )
            .await
            .map_err(|e| taken(e, "post", &new.code))?;
        Ok(Post {
            id: stored("posts", PostId::new(id))?,
            code: new.code,
            name: new.name,
            grid: new.grid,
        })
    }

    pub async fn create_enterprise(
        &mut self,
        new: NewEnterprise,
    ) -> Result<Enterprise, StoreError> {
        self.must_exist("grids", "grid", new.grid.get()).await?;
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO enterprises (name, grid_id, address, credit_code) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                args![
                    new.name.as_str(),
                    new.grid.get(),
                    new.address.as_deref(),
                    new.credit_code.as_ref().map(CreditCode::as_str)
                ],
            )
            .await
            .map_err(|e| credit_code_taken(e, new.credit_code.as_ref()))?;
        Ok(Enterprise {
            id: stored("enterprises", EnterpriseId::new(id))?,
            name: new.name,
            grid: new.grid,
            address: new.address,
            credit_code: new.credit_code,
        })
    }

    pub async fn create_unit(&mut self, new: NewUnit) -> Result<Unit, StoreError> {
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO units (code, name) VALUES ($1, $2) RETURNING id",
                args![new.code.as_str(), new.name.as_str()],
            )
            .await
            .map_err(|e| taken(e, "unit", &new.code))?;
        Ok(Unit {
            id: stored("units", UnitId::new(id))?,
            code: new.code,
            name: new.name,
        })
    }

    /// Creates a category with one SLA per priority; all four priorities must have exactly one.
    pub async fn create_category(&mut self, new: NewCategory) -> Result<Category, StoreError> {
        let mut problems = Vec::new();
        for priority in Priority::ALL {
            let n = new.slas.iter().filter(|(p, _)| *p == priority).count();
            if n != 1 {
                problems.push(gridloop_core::ParseError::new(
                    "sla",
                    Rule::OneSlaPerPriority { priority },
                ));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        if let Some(unit) = new.default_unit {
            self.must_exist("units", "unit", unit.get()).await?;
        }
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO categories (code, name, default_unit_id) VALUES ($1, $2, $3) RETURNING id",
                args![new.code.as_str(), new.name.as_str(), new.default_unit.map(UnitId::get)],
            )
            .await
            .map_err(|e| taken(e, "category", &new.code))?;
        let mut slas = new.slas;
        slas.sort_by_key(|(p, _)| *p);
        for (priority, sla) in &slas {
            self.execute(
                "INSERT INTO category_slas (category_id, priority, response_minutes, resolve_minutes) \
                 VALUES ($1, $2, $3, $4)",
                args![id, priority.as_str(), sla.response_minutes(), sla.resolve_minutes()],
            )
            .await?;
        }
        Ok(Category {
            id: stored("categories", CategoryId::new(id))?,
            code: new.code,
            name: new.name,
            default_unit: new.default_unit,
            slas,
        })
    }

    /// Creates an active user with roles and memberships (each list sorted, duplicates dropped).
    pub async fn create_user(&mut self, new: NewUser) -> Result<User, StoreError> {
        if !LOCALES.contains(&new.locale.as_str()) {
            return Err(StoreError::invalid(
                "locale",
                Rule::OneOf { allowed: &LOCALES },
            ));
        }
        let roles = sorted(new.roles);
        let posts = sorted(new.posts);
        let units = sorted(new.units);
        let grids = sorted(new.grids);
        let enterprises = sorted(new.enterprises);
        for post in &posts {
            self.must_exist("posts", "post", post.get()).await?;
        }
        for unit in &units {
            self.must_exist("units", "unit", unit.get()).await?;
        }
        for grid in &grids {
            self.must_exist("grids", "grid", grid.get()).await?;
        }
        for enterprise in &enterprises {
            self.must_exist("enterprises", "enterprise", enterprise.get())
                .await?;
        }
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO users (login, name, phone, email, locale, active) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                args![
                    new.login.as_str(),
                    new.name.as_str(),
                    new.phone.as_ref().map(Phone::as_str),
                    new.email.as_ref().map(Email::as_str),
                    new.locale.as_str(),
                    true,
                ],
            )
            .await
            .map_err(|e| taken(e, "user", &new.login))?;
        for role in &roles {
            self.execute(
                "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
                args![id, role.as_str()],
            )
            .await?;
        }
        let links: [(&str, Vec<i64>); 4] = [
            (
                "INSERT INTO user_posts (user_id, post_id) VALUES ($1, $2)",
                posts.iter().map(|x| x.get()).collect(),
            ),
            (
                "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2)",
                units.iter().map(|x| x.get()).collect(),
            ),
            (
                "INSERT INTO user_grids (user_id, grid_id) VALUES ($1, $2)",
                grids.iter().map(|x| x.get()).collect(),
            ),
            (
                "INSERT INTO user_enterprises (user_id, enterprise_id) VALUES ($1, $2)",
                enterprises.iter().map(|x| x.get()).collect(),
            ),
        ];
        for (sql, targets) in links {
            for target in targets {
                self.execute(sql, args![id, target]).await?;
            }
        }
        Ok(User {
            id: stored("users", UserId::new(id))?,
            login: new.login,
            name: new.name,
            phone: new.phone,
            email: new.email,
            locale: new.locale,
            roles,
            posts,
            units,
            grids,
            enterprises,
            active: true,
        })
    }

    pub async fn chains(&mut self) -> Result<Vec<Chain>, StoreError> {
        let rows: Vec<ChainRow> = self
            .fetch_all("SELECT id, code, name FROM chains ORDER BY id", args![])
            .await?;
        rows.into_iter().map(ChainRow::into_domain).collect()
    }

    pub async fn chain_by_code(&mut self, code: &Code) -> Result<Option<Chain>, StoreError> {
        let row: Option<ChainRow> = self
            .fetch_optional(
                "SELECT id, code, name FROM chains WHERE code = $1",
                args![code.as_str()],
            )
            .await?;
        row.map(ChainRow::into_domain).transpose()
    }

    pub async fn grids(&mut self) -> Result<Vec<Grid>, StoreError> {
        let rows: Vec<GridRow> = self
            .fetch_all(
                "SELECT id, code, name, chain_id FROM grids ORDER BY id",
                args![],
            )
            .await?;
        rows.into_iter().map(GridRow::into_domain).collect()
    }

    pub async fn grid_by_code(&mut self, code: &Code) -> Result<Option<Grid>, StoreError> {
        let row: Option<GridRow> = self
            .fetch_optional(
                "SELECT id, code, name, chain_id FROM grids WHERE code = $1",
                args![code.as_str()],
            )
            .await?;
        row.map(GridRow::into_domain).transpose()
    }

    /// Posts, of one grid or of all.
    pub async fn posts(&mut self, grid: Option<GridId>) -> Result<Vec<Post>, StoreError> {
        let rows: Vec<PostRow> = match grid {
            Some(grid) => {
                self.fetch_all(
                    "SELECT id, code, name, grid_id FROM posts WHERE grid_id = $1 ORDER BY id",
                    args![grid.get()],
                )
                .await?
            }
            None => {
                self.fetch_all(
                    "SELECT id, code, name, grid_id FROM posts ORDER BY id",
                    args![],
                )
                .await?
            }
        };
        rows.into_iter().map(PostRow::into_domain).collect()
    }

    /// Enterprises, of one grid or of all.
    pub async fn enterprises(
        &mut self,
        grid: Option<GridId>,
    ) -> Result<Vec<Enterprise>, StoreError> {
        let rows: Vec<EnterpriseRow> = match grid {
            Some(grid) => {
                self.fetch_all(
                    &format!(
                        "SELECT {ENTERPRISE_COLUMNS} FROM enterprises WHERE grid_id = $1 ORDER BY id"
                    ),
                    args![grid.get()],
                )
                .await?
            }
            None => {
                self.fetch_all(
                    &format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises ORDER BY id"),
                    args![],
                )
                .await?
            }
        };
        rows.into_iter().map(EnterpriseRow::into_domain).collect()
    }

    pub async fn enterprise(&mut self, id: EnterpriseId) -> Result<Option<Enterprise>, StoreError> {
        let row: Option<EnterpriseRow> = self
            .fetch_optional(
                &format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises WHERE id = $1"),
                args![id.get()],
            )
            .await?;
        row.map(EnterpriseRow::into_domain).transpose()
    }

    /// The enterprise holding a unified social credit code, if any (at most one does).
    pub async fn enterprise_by_credit_code(
        &mut self,
        code: &CreditCode,
    ) -> Result<Option<Enterprise>, StoreError> {
        let row: Option<EnterpriseRow> = self
            .fetch_optional(
                &format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises WHERE credit_code = $1"),
                args![code.as_str()],
            )
            .await?;
        row.map(EnterpriseRow::into_domain).transpose()
    }

    pub async fn units(&mut self) -> Result<Vec<Unit>, StoreError> {
        let rows: Vec<UnitRow> = self
            .fetch_all("SELECT id, code, name FROM units ORDER BY id", args![])
            .await?;
        rows.into_iter().map(UnitRow::into_domain).collect()
    }

    pub async fn unit(&mut self, id: UnitId) -> Result<Option<Unit>, StoreError> {
        let row: Option<UnitRow> = self
            .fetch_optional(
                "SELECT id, code, name FROM units WHERE id = $1",
                args![id.get()],
            )
            .await?;
        row.map(UnitRow::into_domain).transpose()
    }

    pub async fn unit_by_code(&mut self, code: &Code) -> Result<Option<Unit>, StoreError> {
        let row: Option<UnitRow> = self
            .fetch_optional(
                "SELECT id, code, name FROM units WHERE code = $1",
                args![code.as_str()],
            )
            .await?;
        row.map(UnitRow::into_domain).transpose()
    }

    pub async fn categories(&mut self) -> Result<Vec<Category>, StoreError> {
        self.categories_where("TRUE", args![]).await
    }

    pub async fn category(&mut self, id: CategoryId) -> Result<Option<Category>, StoreError> {
        Ok(self
            .categories_where("c.id = $1", args![id.get()])
            .await?
            .pop())
    }

    pub async fn category_by_code(&mut self, code: &Code) -> Result<Option<Category>, StoreError> {
        Ok(self
            .categories_where("c.code = $1", args![code.as_str()])
            .await?
            .pop())
    }

    /// Categories (alias `c`) matching `filter`, with their SLAs, in id order.
    async fn categories_where(
        &mut self,
        filter: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Category>, StoreError> {
        let rows: Vec<CategoryRow> = self
            .fetch_all(
                &format!(
                    "SELECT c.id, c.code, c.name, c.default_unit_id FROM categories c \
                     WHERE {filter} ORDER BY c.id"
                ),
                args.clone(),
            )
            .await?;
        let sla_rows: Vec<SlaRow> = self
            .fetch_all(
                &format!(
                    "SELECT s.category_id, s.priority, s.response_minutes, s.resolve_minutes \
                     FROM category_slas s JOIN categories c ON c.id = s.category_id WHERE {filter}"
                ),
                args,
            )
            .await?;
        let mut slas: HashMap<i64, Vec<(Priority, gridloop_core::Sla)>> = HashMap::new();
        for row in sla_rows {
            let category = row.category_id;
            slas.entry(category).or_default().push(row.into_domain()?);
        }
        rows.into_iter()
            .map(|row| {
                const T: &str = "categories";
                let mut own = slas.remove(&row.id).unwrap_or_default();
                own.sort_by_key(|(p, _)| *p);
                Ok(Category {
                    id: stored(T, CategoryId::new(row.id))?,
                    code: stored(T, Code::parse(&row.code))?,
                    name: stored(T, Name::from_stored(&row.name))?,
                    default_unit: stored_opt(T, row.default_unit_id, UnitId::new)?,
                    slas: own,
                })
            })
            .collect()
    }

    /// Every user, active or not, in id order.
    pub async fn users(&mut self) -> Result<Vec<User>, StoreError> {
        self.users_where("TRUE", args![]).await
    }

    pub async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.users_where("u.id = $1", args![id.get()]).await?.pop())
    }

    pub async fn user_by_login(&mut self, login: &Login) -> Result<Option<User>, StoreError> {
        Ok(self
            .users_where("u.login = $1", args![login.as_str()])
            .await?
            .pop())
    }

    /// The acting person behind a login: roles, and the grids (of their posts and their own),
    /// units and enterprises they act for. `NotFound` for an unknown or inactive login.
    pub async fn actor(&mut self, login: &Login) -> Result<Actor, StoreError> {
        let user = self
            .user_by_login(login)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| StoreError::not_found("user", login))?;
        self.actor_of(user).await
    }

    /// The acting person behind a user record: their grids are those of their posts joined
    /// to their own.
    pub(crate) async fn actor_of(&mut self, user: User) -> Result<Actor, StoreError> {
        let post_grids: Vec<(i64,)> = self
            .fetch_all(
                "SELECT p.grid_id FROM user_posts up JOIN posts p ON p.id = up.post_id \
                 WHERE up.user_id = $1",
                args![user.id.get()],
            )
            .await?;
        actor_from(user, post_grids.into_iter().map(|(grid,)| grid))
    }

    /// Users (alias `u`) matching `filter`, with roles and memberships, in id order.
    async fn users_where(&mut self, filter: &str, args: Vec<Arg>) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = self
            .fetch_all(
                &format!(
                    "SELECT u.id, u.login, u.name, u.phone, u.email, u.locale, u.active \
                     FROM users u WHERE {filter} ORDER BY u.id"
                ),
                args.clone(),
            )
            .await?;
        let roles: Vec<(i64, String)> = self
            .fetch_all(
                &format!(
                    "SELECT l.user_id, l.role FROM user_roles l \
                     JOIN users u ON u.id = l.user_id WHERE {filter}"
                ),
                args.clone(),
            )
            .await?;
        let mut roles_of: HashMap<i64, Vec<Role>> = HashMap::new();
        for (user, role) in roles {
            roles_of
                .entry(user)
                .or_default()
                .push(stored("user_roles", Role::from_str(&role))?);
        }
        let mut links = Vec::new();
        for (table, column) in [
            ("user_posts", "post_id"),
            ("user_units", "unit_id"),
            ("user_grids", "grid_id"),
            ("user_enterprises", "enterprise_id"),
        ] {
            let pairs: Vec<(i64, i64)> = self
                .fetch_all(
                    &format!(
                        "SELECT l.user_id, l.{column} FROM {table} l \
                         JOIN users u ON u.id = l.user_id WHERE {filter}"
                    ),
                    args.clone(),
                )
                .await?;
            let mut of: HashMap<i64, Vec<i64>> = HashMap::new();
            for (user, target) in pairs {
                of.entry(user).or_default().push(target);
            }
            links.push(of);
        }
        // Memberships of one user, by the index of the table in the loop above.
        let mut take = |i: usize, user: i64| -> Vec<i64> {
            links
                .get_mut(i)
                .and_then(|of| of.remove(&user))
                .unwrap_or_default()
        };
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let links = Links {
                roles: roles_of.remove(&row.id).unwrap_or_default(),
                posts: take(0, row.id),
                units: take(1, row.id),
                grids: take(2, row.id),
                enterprises: take(3, row.id),
            };
            users.push(user_from(row, links)?);
        }
        Ok(users)
    }

    /// The user with this `WHERE` condition on `api_tokens t` joined to `users u` (the token's
    /// scope with them), its roles and memberships and the actor they are, in one statement:
    /// authentication runs on every API request, and each statement has a fixed cost.
    pub(crate) async fn user_by_token(
        &mut self,
        condition: &str,
        args: Vec<Arg>,
    ) -> Result<Option<(User, Actor, String)>, StoreError> {
        let sql = user_by_token_sql(self.backend(), condition);
        let row: Option<TokenUserRow> = self.fetch_optional(&sql, args).await?;
        row.map(TokenUserRow::into_domain).transpose()
    }
}

/// The statement of [`Tx::user_by_token`], also run outside a transaction: one statement reads
/// one snapshot.
pub(crate) fn user_by_token_sql(backend: Backend, condition: &str) -> String {
    let list = |expr: &str, from: &str| {
        format!(
            "(SELECT {} FROM {from} WHERE l.user_id = u.id)",
            backend.list_of(expr)
        )
    };
    format!(
        "SELECT t.scope, u.id, u.login, u.name, u.phone, u.email, u.locale, u.active, \
         {} AS roles, {} AS posts, {} AS units, {} AS grids, {} AS enterprises, {} AS post_grids \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE {condition}",
        list("l.role", "user_roles l"),
        list("l.post_id", "user_posts l"),
        list("l.unit_id", "user_units l"),
        list("l.grid_id", "user_grids l"),
        list("l.enterprise_id", "user_enterprises l"),
        list("p.grid_id", "user_posts l JOIN posts p ON p.id = l.post_id"),
    )
}

/// A user's roles and memberships as stored (ids not yet parsed).
struct Links {
    roles: Vec<Role>,
    posts: Vec<i64>,
    units: Vec<i64>,
    grids: Vec<i64>,
    enterprises: Vec<i64>,
}

fn user_from(row: UserRow, links: Links) -> Result<User, StoreError> {
    const T: &str = "users";
    fn ids<I>(
        table: &str,
        raw: Vec<i64>,
        new: impl Fn(i64) -> Result<I, gridloop_core::ParseError>,
    ) -> Result<Vec<I>, StoreError>
    where
        I: Ord,
    {
        let parsed = raw
            .into_iter()
            .map(|x| stored(table, new(x)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sorted(parsed))
    }
    Ok(User {
        id: stored(T, UserId::new(row.id))?,
        login: stored(T, Login::parse(&row.login))?,
        name: stored(T, Name::from_stored(&row.name))?,
        phone: row.phone.map(|p| stored(T, Phone::parse(&p))).transpose()?,
        email: row.email.map(|e| stored(T, Email::parse(&e))).transpose()?,
        locale: row.locale,
        roles: sorted(links.roles),
        posts: ids("user_posts", links.posts, PostId::new)?,
        units: ids("user_units", links.units, UnitId::new)?,
        grids: ids("user_grids", links.grids, GridId::new)?,
        enterprises: ids("user_enterprises", links.enterprises, EnterpriseId::new)?,
        active: row.active,
    })
}

/// The acting person behind a user record: their grids are those of their posts joined to
/// their own.
fn actor_from(user: User, post_grids: impl IntoIterator<Item = i64>) -> Result<Actor, StoreError> {
    let mut grids = user.grids;
    for grid in post_grids {
        grids.push(stored("posts", GridId::new(grid))?);
    }
    Ok(Actor {
        user: user.id,
        roles: user.roles,
        grids: sorted(grids),
        units: user.units,
        enterprises: user.enterprises,
    })
}

/// A row of [`user_by_token_sql`]: the lists are comma-separated, `NULL` when empty.
#[derive(sqlx::FromRow)]
pub(crate) struct TokenUserRow {
    scope: String,
    #[sqlx(flatten)]
    user: UserRow,
    roles: Option<String>,
    posts: Option<String>,
    units: Option<String>,
    grids: Option<String>,
    enterprises: Option<String>,
    post_grids: Option<String>,
}

/// [`user_by_token_sql`]'s columns, in its order (the user's flattened).
impl crate::readers::FromLite for TokenUserRow {
    const COLUMNS: &'static [&'static str] = &[
        "scope",
        "id",
        "login",
        "name",
        "phone",
        "email",
        "locale",
        "active",
        "roles",
        "posts",
        "units",
        "grids",
        "enterprises",
        "post_grids",
    ];

    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        use crate::readers::column;
        Ok(Self {
            scope: column(row, 0)?,
            user: UserRow {
                id: column(row, 1)?,
                login: column(row, 2)?,
                name: column(row, 3)?,
                phone: column(row, 4)?,
                email: column(row, 5)?,
                locale: column(row, 6)?,
                active: column(row, 7)?,
            },
            roles: column(row, 8)?,
            posts: column(row, 9)?,
            units: column(row, 10)?,
            grids: column(row, 11)?,
            enterprises: column(row, 12)?,
            post_grids: column(row, 13)?,
        })
    }
}

impl TokenUserRow {
    pub(crate) fn into_domain(self) -> Result<(User, Actor, String), StoreError> {
        fn numbers(table: &str, list: Option<String>) -> Result<Vec<i64>, StoreError> {
            list.as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| stored(table, s.trim().parse::<i64>()))
                .collect()
        }
        let roles = self
            .roles
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| stored("user_roles", Role::from_str(s)))
            .collect::<Result<Vec<_>, _>>()?;
        let links = Links {
            roles,
            posts: numbers("user_posts", self.posts)?,
            units: numbers("user_units", self.units)?,
            grids: numbers("user_grids", self.grids)?,
            enterprises: numbers("user_enterprises", self.enterprises)?,
        };
        let user = user_from(self.user, links)?;
        let actor = actor_from(user.clone(), numbers("posts", self.post_grids)?)?;
        Ok((user, actor, self.scope))
    }
}

impl Tx {
    /// The escalation ladder of a category, if it has its own (`None`: the standard one).
    pub async fn escalation_ladder(
        &mut self,
        category: CategoryId,
    ) -> Result<Option<gridloop_core::EscalationLadder>, StoreError> {
        let row: Option<(Option<sqlx::types::Json<serde_json::Value>>,)> = self
            .fetch_optional(
                "SELECT escalation_ladder FROM categories WHERE id = $1",
                args![category.get()],
            )
            .await?;
        match row.and_then(|(ladder,)| ladder) {
            None => Ok(None),
            Some(json) => serde_json::from_value(json.0)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("categories: escalation_ladder: {e}"))),
        }
    }
}
