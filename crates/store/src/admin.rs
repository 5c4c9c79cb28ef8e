//! Admin edits of reference data: partial updates of grids, posts, enterprises, units,
//! categories (name, default unit, SLAs) and users (profile, roles, memberships, active), and
//! the single-row reads the API needs besides those of `reference`.
//!
//! Nothing here deletes. Issues, their immutable events and API tokens refer to reference rows,
//! and history is never rewritten, so a person leaves by being deactivated (their tokens stop
//! working, their name stays on what they did) and a grid, post, unit or category stays.
//!
//! Each update is one transaction and checks everything before it writes: an unknown target is
//! `NotFound`; a referenced grid, unit, post or enterprise that does not exist is `Invalid`
//! naming the field (it is the request that is wrong, not its address); either way nothing is
//! written. Codes and logins are stable identifiers used on the command line, in URLs and in
//! configuration, so they are not editable.

use gridloop_core::{
    CreditCode, Email, EnterpriseId, GridId, Name, ParseError, Phone, PostId, Priority, Role, Rule,
    Sla, UnitId, UserId,
};

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::model::{Category, Enterprise, Grid, Post, Unit, User};
use crate::reference::credit_code_taken;
use crate::rows::{GridRow, PostRow};
use crate::store::Store;

/// The locales templates exist in (as `reference` checks on create).
const LOCALES: [&str; 2] = ["zh-CN", "en"];

/// Changes to a grid; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GridPatch {
    pub name: Option<Name>,
}

/// Changes to a post; moving it to another grid moves its members' reach with it.
#[derive(Debug, Clone, Default)]
pub struct PostPatch {
    pub name: Option<Name>,
    pub grid: Option<GridId>,
}

/// Changes to an enterprise. Issues already reported keep the grid they were reported in.
#[derive(Debug, Clone, Default)]
pub struct EnterprisePatch {
    pub name: Option<Name>,
    pub grid: Option<GridId>,
    /// `Some(None)` clears the address.
    pub address: Option<Option<String>>,
    /// `Some(None)` clears the code; one another enterprise holds is `AlreadyExists`.
    pub credit_code: Option<Option<CreditCode>>,
}

/// Changes to a handling unit.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub name: Option<Name>,
}

/// Changes to a category. SLAs are replaced per priority; the priorities not listed keep
/// theirs. Issues already assigned keep the SLA copied onto them at assignment.
#[derive(Debug, Clone, Default)]
pub struct CategoryPatch {
    pub name: Option<Name>,
    /// `Some(None)` clears the default unit.
    pub default_unit: Option<Option<UnitId>>,
    pub slas: Vec<(Priority, Sla)>,
}

/// Changes to a user. A list given replaces the whole list (sorted, duplicates dropped).
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<Name>,
    /// `Some(None)` clears the phone number.
    pub phone: Option<Option<Phone>>,
    /// `Some(None)` clears the email address.
    pub email: Option<Option<Email>>,
    pub locale: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub posts: Option<Vec<PostId>>,
    pub units: Option<Vec<UnitId>>,
    pub grids: Option<Vec<GridId>>,
    pub enterprises: Option<Vec<EnterpriseId>>,
    /// `false` deactivates: the user's tokens stop working and they can no longer act.
    pub active: Option<bool>,
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

impl Tx {
    /// `Some(error naming field)` unless `table` has a row with this id. `table` is always one
    /// of the store's own literals, never input.
    async fn missing_reference(
        &mut self,
        table: &'static str,
        field: &'static str,
        id: i64,
    ) -> Result<Option<ParseError>, StoreError> {
        let found: Option<(i64,)> = self
            .fetch_optional(&format!("SELECT id FROM {table} WHERE id = $1"), args![id])
            .await?;
        Ok(found
            .is_none()
            .then(|| ParseError::new(field, Rule::NoSuch)))
    }

    pub async fn grid(&mut self, id: GridId) -> Result<Option<Grid>, StoreError> {
        let row: Option<GridRow> = self
            .fetch_optional(
                "SELECT id, code, name, chain_id FROM grids WHERE id = $1",
                args![id.get()],
            )
            .await?;
        row.map(GridRow::into_domain).transpose()
    }

    pub async fn post(&mut self, id: PostId) -> Result<Option<Post>, StoreError> {
        let row: Option<PostRow> = self
            .fetch_optional(
                "SELECT id, code, name, grid_id FROM posts WHERE id = $1",
                args![id.get()],
            )
            .await?;
        row.map(PostRow::into_domain).transpose()
    }

    pub async fn post_by_code(
        &mut self,
        code: &gridloop_core::Code,
    ) -> Result<Option<Post>, StoreError> {
        let row: Option<PostRow> = self
            .fetch_optional(
                "SELECT id, code, name, grid_id FROM posts WHERE code = $1",
                args![code.as_str()],
            )
            .await?;
        row.map(PostRow::into_domain).transpose()
    }

    pub async fn update_grid(&mut self, id: GridId, patch: GridPatch) -> Result<Grid, StoreError> {
        let mut grid = self
            .grid(id)
            .await?
            .ok_or_else(|| StoreError::not_found("grid", id))?;
        if let Some(name) = patch.name {
            grid.name = name;
        }
        self.execute(
            "UPDATE grids SET name = $2 WHERE id = $1",
            args![id.get(), grid.name.as_str()],
        )
        .await?;
        Ok(grid)
    }

    pub async fn update_post(&mut self, id: PostId, patch: PostPatch) -> Result<Post, StoreError> {
        let mut post = self
            .post(id)
            .await?
            .ok_or_else(|| StoreError::not_found("post", id))?;
        if let Some(grid) = patch.grid {
            if let Some(e) = self.missing_reference("grids", "grid", grid.get()).await? {
                return Err(StoreError::Invalid(vec![e]));
            }
            post.grid = grid;
        }
        if let Some(name) = patch.name {
            post.name = name;
        }
        self.execute(
            "UPDATE posts SET name = $2, grid_id = $3 WHERE id = $1",
            args![id.get(), post.name.as_str(), post.grid.get()],
        )
        .await?;
        Ok(post)
    }

    pub async fn update_enterprise(
        &mut self,
        id: EnterpriseId,
        patch: EnterprisePatch,
    ) -> Result<Enterprise, StoreError> {
        let mut enterprise = self
            .enterprise(id)
            .await?
            .ok_or_else(|| StoreError::not_found("enterprise", id))?;
        if let Some(grid) = patch.grid {
            if let Some(e) = self.missing_reference("grids", "grid", grid.get()).await? {
                return Err(StoreError::Invalid(vec![e]));
            }
            enterprise.grid = grid;
        }
        if let Some(name) = patch.name {
            enterprise.name = name;
        }
        if let Some(address) = patch.address {
            enterprise.address = address;
        }
        if let Some(code) = patch.credit_code {
            enterprise.credit_code = code;
        }
        self.execute(
            "UPDATE enterprises SET name = $2, grid_id = $3, address = $4, credit_code = $5 \
             WHERE id = $1",
            args![
                id.get(),
                enterprise.name.as_str(),
                enterprise.grid.get(),
                enterprise.address.as_deref(),
                enterprise.credit_code.as_ref().map(CreditCode::as_str)
            ],
        )
        .await
        .map_err(|e| credit_code_taken(e, enterprise.credit_code.as_ref()))?;
        Ok(enterprise)
    }

    pub async fn update_unit(&mut self, id: UnitId, patch: UnitPatch) -> Result<Unit, StoreError> {
        let mut unit = self
            .unit(id)
            .await?
            .ok_or_else(|| StoreError::not_found("unit", id))?;
        if let Some(name) = patch.name {
            unit.name = name;
        }
        self.execute(
            "UPDATE units SET name = $2 WHERE id = $1",
            args![id.get(), unit.name.as_str()],
        )
        .await?;
        Ok(unit)
    }

    /// Renames a category, changes its default unit, replaces the SLAs of the priorities given
    /// (`Invalid` if one is given twice). Issues keep the SLA they were assigned with.
    pub async fn update_category(
        &mut self,
        id: gridloop_core::CategoryId,
        patch: CategoryPatch,
    ) -> Result<Category, StoreError> {
        let mut category = self
            .category(id)
            .await?
            .ok_or_else(|| StoreError::not_found("category", id))?;
        let mut problems = Vec::new();
        for priority in Priority::ALL {
            let n = patch.slas.iter().filter(|(p, _)| *p == priority).count();
            if n > 1 {
                problems.push(ParseError::new("sla", Rule::OneSlaPerPriority { priority }));
            }
        }
        if let Some(Some(unit)) = patch.default_unit {
            problems.extend(
                self.missing_reference("units", "default_unit", unit.get())
                    .await?,
            );
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        if let Some(name) = patch.name {
            category.name = name;
        }
        if let Some(unit) = patch.default_unit {
            category.default_unit = unit;
        }
        self.execute(
            "UPDATE categories SET name = $2, default_unit_id = $3 WHERE id = $1",
            args![
                id.get(),
                category.name.as_str(),
                category.default_unit.map(UnitId::get)
            ],
        )
        .await?;
        for (priority, sla) in patch.slas {
            self.execute(
                "INSERT INTO category_slas (category_id, priority, response_minutes, resolve_minutes) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (category_id, priority) DO UPDATE \
                 SET response_minutes = excluded.response_minutes, \
                     resolve_minutes = excluded.resolve_minutes",
                args![id.get(), priority.as_str(), sla.response_minutes(), sla.resolve_minutes()],
            )
            .await?;
            match category.slas.iter_mut().find(|(p, _)| *p == priority) {
                Some(slot) => slot.1 = sla,
                None => category.slas.push((priority, sla)),
            }
        }
        category.slas.sort_by_key(|(p, _)| *p);
        Ok(category)
    }

    /// Updates a user's profile, roles, memberships and active flag. Every problem is reported
    /// at once (`Invalid`): a locale other than `zh-CN`/`en`, each post, unit, grid or
    /// enterprise that does not exist, and a change that would leave no active admin.
    pub async fn update_user(&mut self, id: UserId, patch: UserPatch) -> Result<User, StoreError> {
        let mut user = self
            .user(id)
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        let mut problems = Vec::new();
        if let Some(locale) = &patch.locale {
            if !LOCALES.contains(&locale.as_str()) {
                problems.push(ParseError::new("locale", Rule::OneOf { allowed: &LOCALES }));
            }
        }
        for post in patch.posts.iter().flatten() {
            problems.extend(self.missing_reference("posts", "posts", post.get()).await?);
        }
        for unit in patch.units.iter().flatten() {
            problems.extend(self.missing_reference("units", "units", unit.get()).await?);
        }
        for grid in patch.grids.iter().flatten() {
            problems.extend(self.missing_reference("grids", "grids", grid.get()).await?);
        }
        for enterprise in patch.enterprises.iter().flatten() {
            problems.extend(
                self.missing_reference("enterprises", "enterprises", enterprise.get())
                    .await?,
            );
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }

        if let Some(name) = patch.name {
            user.name = name;
        }
        if let Some(phone) = patch.phone {
            user.phone = phone;
        }
        if let Some(email) = patch.email {
            user.email = email;
        }
        if let Some(locale) = patch.locale {
            user.locale = locale;
        }
        if let Some(active) = patch.active {
            user.active = active;
        }
        self.execute(
            "UPDATE users SET name = $2, phone = $3, email = $4, locale = $5, active = $6 \
             WHERE id = $1",
            args![
                id.get(),
                user.name.as_str(),
                user.phone.as_ref().map(Phone::as_str),
                user.email.as_ref().map(Email::as_str),
                user.locale.as_str(),
                user.active,
            ],
        )
        .await?;
        if let Some(roles) = patch.roles {
            user.roles = sorted(roles);
            self.execute("DELETE FROM user_roles WHERE user_id = $1", args![id.get()])
                .await?;
            for role in &user.roles {
                self.execute(
                    "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
                    args![id.get(), role.as_str()],
                )
                .await?;
            }
        }
        if let Some(posts) = patch.posts {
            user.posts = sorted(posts);
            let ids = user.posts.iter().map(|x| x.get()).collect();
            self.replace_links(id, "user_posts", "post_id", ids).await?;
        }
        if let Some(units) = patch.units {
            user.units = sorted(units);
            let ids = user.units.iter().map(|x| x.get()).collect();
            self.replace_links(id, "user_units", "unit_id", ids).await?;
        }
        if let Some(grids) = patch.grids {
            user.grids = sorted(grids);
            let ids = user.grids.iter().map(|x| x.get()).collect();
            self.replace_links(id, "user_grids", "grid_id", ids).await?;
        }
        if let Some(enterprises) = patch.enterprises {
            user.enterprises = sorted(enterprises);
            let ids = user.enterprises.iter().map(|x| x.get()).collect();
            self.replace_links(id, "user_enterprises", "enterprise_id", ids)
                .await?;
        }

        // Nobody could set the park up again: refuse to lock every admin out. The check runs
        // after the writes, in the same transaction, so the error rolls them back.
        let (admins,): (i64,) = self
            .fetch_one(
                "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id \
                 WHERE r.role = $1 AND u.active = $2",
                args![Role::Admin.as_str(), true],
            )
            .await?;
        if admins == 0 {
            let field = if user.active { "roles" } else { "active" };
            return Err(StoreError::invalid(field, Rule::LastAdmin));
        }
        Ok(user)
    }

    /// Replaces the rows of a membership table for one user. `table` and `column` are always
    /// the store's own literals.
    async fn replace_links(
        &mut self,
        user: UserId,
        table: &'static str,
        column: &'static str,
        targets: Vec<i64>,
    ) -> Result<(), StoreError> {
        self.execute(
            &format!("DELETE FROM {table} WHERE user_id = $1"),
            args![user.get()],
        )
        .await?;
        let sql = format!("INSERT INTO {table} (user_id, {column}) VALUES ($1, $2)");
        for target in targets {
            self.execute(&sql, args![user.get(), target]).await?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn grid(&self, id: GridId) -> Result<Option<Grid>, StoreError> {
        self.read(async move |tx| tx.grid(id).await).await
    }

    pub async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        self.read(async move |tx| tx.post(id).await).await
    }

    pub async fn post_by_code(
        &self,
        code: &gridloop_core::Code,
    ) -> Result<Option<Post>, StoreError> {
        self.read(async move |tx| tx.post_by_code(code).await).await
    }

    /// Renames a grid. `NotFound` for an unknown grid.
    pub async fn update_grid(&self, id: GridId, patch: GridPatch) -> Result<Grid, StoreError> {
        self.write(async move |tx| tx.update_grid(id, patch).await)
            .await
    }

    /// Renames a post or moves it to another grid (`Invalid` if that grid does not exist).
    pub async fn update_post(&self, id: PostId, patch: PostPatch) -> Result<Post, StoreError> {
        self.write(async move |tx| tx.update_post(id, patch).await)
            .await
    }

    /// Renames, moves, readdresses an enterprise or changes its credit code (`AlreadyExists`
    /// if another enterprise holds it).
    pub async fn update_enterprise(
        &self,
        id: EnterpriseId,
        patch: EnterprisePatch,
    ) -> Result<Enterprise, StoreError> {
        self.write(async move |tx| tx.update_enterprise(id, patch).await)
            .await
    }

    /// Renames a unit.
    pub async fn update_unit(&self, id: UnitId, patch: UnitPatch) -> Result<Unit, StoreError> {
        self.write(async move |tx| tx.update_unit(id, patch).await)
            .await
    }

    /// Renames a category, changes its default unit or replaces SLAs per priority.
    pub async fn update_category(
        &self,
        id: gridloop_core::CategoryId,
        patch: CategoryPatch,
    ) -> Result<Category, StoreError> {
        self.write(async move |tx| tx.update_category(id, patch).await)
            .await
    }

    /// Edits a user's profile, roles, memberships, or deactivates/reactivates them.
    pub async fn update_user(&self, id: UserId, patch: UserPatch) -> Result<User, StoreError> {
        self.write(async move |tx| tx.update_user(id, patch).await)
            .await
    }
}
