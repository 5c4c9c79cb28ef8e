//! The industry chain's matchmaking: a chain's stages, enterprises' chain positions, needs and
//! offers (listings) with their tags and bigrams, the list and search, and the candidates a
//! need's suggestions are ranked from.
//!
//! Search works on both backends the same way, without a word segmenter or a full-text
//! extension: each listing's distinct character bigrams (core's `chain::grams`) are rows of
//! `listing_grams`, keyed by gram; a search keeps the listings holding all of the query's
//! bigrams. Expiry is read, never stored: a listing is open while not withdrawn and its
//! `valid_until` is today or later, so every filter takes today's date.

use chrono::{DateTime, NaiveDate, Utc};
use gridloop_core::chain::{
    grams, Candidate, ChainPosition, ListingKind, ListingStatus, SearchText, Side, Stage,
    StagePlan, Tag, TagKind, Tags, Target, ValidUntil,
};
use gridloop_core::{
    Actor, ChainId, Code, EnterpriseId, GridId, ListingId, ListingText, Name, Quantity, Rule,
    StageId, Title, UserId,
};
use serde::Serialize;

use crate::backend::{args, Arg, Tx};
use crate::error::StoreError;
use crate::list::{decode_key, scope_sql, ScopeColumns, Where};
use crate::model::Page;
use crate::rows::stored;
use crate::store::Store;

/// Listings per page at most.
pub const MAX_LISTING_PAGE: u32 = 200;
/// The most offers and the most enterprises loaded as candidates for one need's suggestions:
/// those sharing the most bigrams (offers) or a tag (enterprises) with it.
pub const MAX_CANDIDATES: u32 = 400;

/// A need or an offer as stored, with its status on the day it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    pub id: ListingId,
    pub side: Side,
    pub kind: ListingKind,
    pub enterprise: EnterpriseId,
    pub enterprise_name: Name,
    /// The grid the enterprise was in when the listing was posted (its scope).
    pub grid: GridId,
    /// The enterprise's stage now, if set.
    pub stage: Option<StageId>,
    pub title: Title,
    pub text: ListingText,
    pub quantity: Option<Quantity>,
    pub tags: Tags,
    pub valid_until: ValidUntil,
    pub status: ListingStatus,
    pub posted_by: UserId,
    pub posted_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The on-site visit it was raised on, if any.
    pub visit: Option<i64>,
}

/// A listing to post; everything parsed, the enterprise's grid looked up.
#[derive(Debug, Clone)]
pub struct NewListing {
    pub side: Side,
    pub kind: ListingKind,
    pub enterprise: EnterpriseId,
    pub grid: GridId,
    pub title: Title,
    pub text: ListingText,
    pub quantity: Option<Quantity>,
    pub tags: Tags,
    pub valid_until: ValidUntil,
    pub posted_by: UserId,
    pub posted_at: DateTime<Utc>,
    /// The on-site visit it was raised on (one of the same enterprise, checked by the app).
    pub visit: Option<i64>,
}

/// Which listings to list; every condition optional but `today`.
#[derive(Debug, Clone)]
pub struct ListingFilter {
    /// The day expiry is read against.
    pub today: NaiveDate,
    pub side: Option<Side>,
    pub kind: Option<ListingKind>,
    /// The enterprise's stage now.
    pub stage: Option<StageId>,
    /// The grid the listing was posted in (its scope).
    pub grid: Option<GridId>,
    pub status: Option<ListingStatus>,
    pub enterprise: Option<EnterpriseId>,
    /// Listings holding every bigram of this text in their title or text.
    pub text: Option<SearchText>,
    /// Only listings this actor may see (as for issues: a post's grid, an enterprise's own,
    /// what they posted; dispatchers, supervisors and admins everything).
    pub visible_to: Option<Actor>,
}

/// The text a listing is searched by: its title and its text.
fn searchable(title: &Title, text: &ListingText) -> String {
    format!("{title}\n{text}")
}

fn status_sql(w: &mut Where, status: ListingStatus, today: NaiveDate, prefix: &str) -> String {
    let p = w.param(today.format("%Y-%m-%d").to_string());
    match status {
        ListingStatus::Open => {
            format!("{prefix}withdrawn_at IS NULL AND {prefix}valid_until >= {p}")
        }
        ListingStatus::Expired => {
            format!("{prefix}withdrawn_at IS NULL AND {prefix}valid_until < {p}")
        }
        ListingStatus::Withdrawn => format!("{prefix}withdrawn_at IS NOT NULL"),
    }
}

fn encode_cursor(id: ListingId) -> String {
    format!("l{:x}", id.get())
}

fn decode_cursor(cursor: &str) -> Result<ListingId, StoreError> {
    decode_key('l', cursor)
}

const LISTING_SELECT: &str = "l.id, l.side, l.kind, l.enterprise_id, e.name AS enterprise_name, \
     l.grid_id, e.stage_id, l.title, l.text, l.quantity, l.valid_until, l.posted_by, \
     l.posted_at, l.withdrawn_at, l.visit_id";

#[derive(sqlx::FromRow)]
struct ListingRow {
    id: i64,
    side: String,
    kind: String,
    enterprise_id: i64,
    enterprise_name: String,
    grid_id: i64,
    stage_id: Option<i64>,
    title: String,
    text: String,
    quantity: Option<String>,
    valid_until: String,
    posted_by: i64,
    posted_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
    visit_id: Option<i64>,
}

fn date_of(raw: &str) -> Result<NaiveDate, StoreError> {
    stored("listings", NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
}

impl ListingRow {
    fn into_domain(self, tags: Vec<Tag>, today: NaiveDate) -> Result<Listing, StoreError> {
        const T: &str = "listings";
        let valid_until = date_of(&self.valid_until)?;
        Ok(Listing {
            id: stored(T, ListingId::new(self.id))?,
            side: stored(T, self.side.parse())?,
            kind: stored(T, self.kind.parse())?,
            enterprise: stored(T, EnterpriseId::new(self.enterprise_id))?,
            enterprise_name: stored(T, Name::from_stored(&self.enterprise_name))?,
            grid: stored(T, GridId::new(self.grid_id))?,
            stage: self
                .stage_id
                .map(|s| stored(T, StageId::new(s)))
                .transpose()?,
            title: stored(T, Title::from_stored(&self.title))?,
            text: stored(T, ListingText::from_stored(&self.text))?,
            quantity: self
                .quantity
                .map(|q| stored(T, Quantity::from_stored(&q)))
                .transpose()?,
            tags: Tags::from_stored(tags),
            valid_until: ValidUntil::from_stored(valid_until),
            status: ListingStatus::on(self.withdrawn_at.is_some(), valid_until, today),
            posted_by: stored(T, UserId::new(self.posted_by))?,
            posted_at: self.posted_at,
            withdrawn_at: self.withdrawn_at,
            visit: self.visit_id,
        })
    }
}

#[derive(sqlx::FromRow)]
struct StageRow {
    id: i64,
    position: i64,
    code: String,
    name: String,
}

impl StageRow {
    fn into_domain(self) -> Result<Stage, StoreError> {
        const T: &str = "chain_stages";
        Ok(Stage {
            id: stored(T, StageId::new(self.id))?,
            position: stored(T, u32::try_from(self.position))?,
            code: stored(T, Code::parse(&self.code))?,
            name: stored(T, Name::from_stored(&self.name))?,
        })
    }
}

/// `?, ?, …` placeholders for `values`, added to `args`.
fn list_of<T: Into<Arg> + Clone>(args: &mut Vec<Arg>, values: &[T]) -> String {
    values
        .iter()
        .map(|v| {
            args.push(v.clone().into());
            format!("${}", args.len())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx {
    /// A chain's stages, upstream first.
    pub async fn stages(&mut self, chain: ChainId) -> Result<Vec<Stage>, StoreError> {
        let rows: Vec<StageRow> = self
            .fetch_all(
                "SELECT id, position, code, name FROM chain_stages WHERE chain_id = $1 \
                 ORDER BY position, id",
                args![chain.get()],
            )
            .await?;
        rows.into_iter().map(StageRow::into_domain).collect()
    }

    /// Sets a chain's stages to `plan`, in its order: a stage whose code is kept keeps its id
    /// (and the enterprises holding it), takes its new name and place; new codes are added;
    /// codes left out are removed, unless an enterprise holds one (`Invalid`, `InUse`, and
    /// nothing changed).
    pub async fn set_stages(
        &mut self,
        chain: ChainId,
        plan: &StagePlan,
    ) -> Result<Vec<Stage>, StoreError> {
        self.must_exist("chains", "chain", chain.get()).await?;
        let before = self.stages(chain).await?;
        let dropped: Vec<&Stage> = before
            .iter()
            .filter(|s| plan.stages().iter().all(|(code, _)| *code != s.code))
            .collect();
        for stage in &dropped {
            let held: Option<(i64,)> = self
                .fetch_optional(
                    "SELECT id FROM enterprises WHERE stage_id = $1 LIMIT 1",
                    args![stage.id.get()],
                )
                .await?;
            if held.is_some() {
                return Err(StoreError::invalid("stages", Rule::InUse));
            }
            self.execute(
                "DELETE FROM chain_stages WHERE id = $1",
                args![stage.id.get()],
            )
            .await?;
        }
        for (i, (code, name)) in plan.stages().iter().enumerate() {
            let position = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
            let n = self
                .execute(
                    "UPDATE chain_stages SET position = $1, name = $2 \
                     WHERE chain_id = $3 AND code = $4",
                    args![position, name.as_str(), chain.get(), code.as_str()],
                )
                .await?;
            if n == 0 {
                self.execute(
                    "INSERT INTO chain_stages (chain_id, position, code, name) \
                     VALUES ($1, $2, $3, $4)",
                    args![chain.get(), position, code.as_str(), name.as_str()],
                )
                .await?;
            }
        }
        self.stages(chain).await
    }

    /// The chain of the enterprise's grid, `None` for no such enterprise.
    pub async fn enterprise_chain(
        &mut self,
        enterprise: EnterpriseId,
    ) -> Result<Option<ChainId>, StoreError> {
        let row: Option<(i64,)> = self
            .fetch_optional(
                "SELECT g.chain_id FROM enterprises e JOIN grids g ON g.id = e.grid_id \
                 WHERE e.id = $1",
                args![enterprise.get()],
            )
            .await?;
        row.map(|(id,)| stored("grids", ChainId::new(id)))
            .transpose()
    }

    /// An enterprise's chain position (the default, no stage and no tags, until one is set).
    pub async fn position(
        &mut self,
        enterprise: EnterpriseId,
    ) -> Result<Option<ChainPosition>, StoreError> {
        let row: Option<(Option<i64>,)> = self
            .fetch_optional(
                "SELECT stage_id FROM enterprises WHERE id = $1",
                args![enterprise.get()],
            )
            .await?;
        let Some((stage,)) = row else {
            return Ok(None);
        };
        let tags: Vec<(String, String)> = self
            .fetch_all(
                "SELECT kind, tag FROM enterprise_tags WHERE enterprise_id = $1 ORDER BY kind, tag",
                args![enterprise.get()],
            )
            .await?;
        let mut kinds: [Vec<Tag>; 3] = Default::default();
        for (kind, tag) in tags {
            let kind = TagKind::from_stored(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("enterprise_tags: kind {kind}")))?;
            let at = TagKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
            kinds[at].push(stored("enterprise_tags", Tag::parse("tag", &tag))?);
        }
        let [products, materials, capabilities] = kinds.map(Tags::from_stored);
        Ok(Some(ChainPosition {
            stage: stage
                .map(|s| stored("enterprises", StageId::new(s)))
                .transpose()?,
            products,
            materials,
            capabilities,
        }))
    }

    /// Replaces an enterprise's chain position. The stage must be one of the chain of the
    /// enterprise's grid (`Invalid` `stage`, `NoSuch`, otherwise).
    pub async fn set_position(
        &mut self,
        enterprise: EnterpriseId,
        position: &ChainPosition,
    ) -> Result<(), StoreError> {
        self.must_exist("enterprises", "enterprise", enterprise.get())
            .await?;
        if let Some(stage) = position.stage {
            let ok: Option<(i64,)> = self
                .fetch_optional(
                    "SELECT s.id FROM chain_stages s \
                     JOIN grids g ON g.chain_id = s.chain_id \
                     JOIN enterprises e ON e.grid_id = g.id \
                     WHERE e.id = $1 AND s.id = $2",
                    args![enterprise.get(), stage.get()],
                )
                .await?;
            if ok.is_none() {
                return Err(StoreError::invalid("stage", Rule::NoSuch));
            }
        }
        self.execute(
            "UPDATE enterprises SET stage_id = $1 WHERE id = $2",
            args![position.stage.map(StageId::get), enterprise.get()],
        )
        .await?;
        self.execute(
            "DELETE FROM enterprise_tags WHERE enterprise_id = $1",
            args![enterprise.get()],
        )
        .await?;
        for kind in TagKind::ALL {
            for tag in position.tags(kind).as_slice() {
                self.execute(
                    "INSERT INTO enterprise_tags (enterprise_id, kind, tag) VALUES ($1, $2, $3)",
                    args![enterprise.get(), kind.as_str(), tag.as_str()],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Posts a listing with its tags and bigrams; read back as on the day it was posted.
    pub async fn post_listing(&mut self, new: NewListing) -> Result<Listing, StoreError> {
        self.must_exist("enterprises", "enterprise", new.enterprise.get())
            .await?;
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO listings (side, kind, enterprise_id, grid_id, title, text, quantity, \
                 valid_until, posted_by, posted_at, visit_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                args![
                    new.side.as_str(),
                    new.kind.as_str(),
                    new.enterprise.get(),
                    new.grid.get(),
                    new.title.as_str(),
                    new.text.as_str(),
                    new.quantity.as_ref().map(Quantity::as_str),
                    new.valid_until.to_string(),
                    new.posted_by.get(),
                    new.posted_at,
                    new.visit,
                ],
            )
            .await?;
        for tag in new.tags.as_slice() {
            self.execute(
                "INSERT INTO listing_tags (listing_id, tag) VALUES ($1, $2)",
                args![id, tag.as_str()],
            )
            .await?;
        }
        let grams: Vec<String> = grams(&searchable(&new.title, &new.text))
            .into_iter()
            .collect();
        // A few statements of many rows: a 2,000-character text has up to 2,000 bigrams.
        for chunk in grams.chunks(200) {
            let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 2);
            let values: Vec<String> = chunk
                .iter()
                .map(|g| {
                    args.push(g.clone().into());
                    args.push(id.into());
                    format!("(${}, ${})", args.len() - 1, args.len())
                })
                .collect();
            let sql = format!(
                "INSERT INTO listing_grams (gram, listing_id) VALUES {}",
                values.join(", ")
            );
            self.execute(&sql, args).await?;
        }
        let today = new.posted_at.date_naive();
        let id = stored("listings", ListingId::new(id))?;
        self.listing(id, today)
            .await?
            .ok_or_else(|| StoreError::not_found("listing", id.get()))
    }

    /// One listing, its status as on `today`.
    pub async fn listing(
        &mut self,
        id: ListingId,
        today: NaiveDate,
    ) -> Result<Option<Listing>, StoreError> {
        let sql = format!(
            "SELECT {LISTING_SELECT} FROM listings l JOIN enterprises e ON e.id = l.enterprise_id \
             WHERE l.id = $1"
        );
        let row: Option<ListingRow> = self.fetch_optional(&sql, args![id.get()]).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut tags = self.listing_tags(&[row.id]).await?;
        let tags = tags.pop().map(|(_, t)| t).unwrap_or_default();
        row.into_domain(tags, today).map(Some)
    }

    /// The tags of each listing of `ids`, as (listing id, tags) for those that have any.
    async fn listing_tags(&mut self, ids: &[i64]) -> Result<Vec<(i64, Vec<Tag>)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Vec::new();
        let list = list_of(&mut args, ids);
        let sql = format!(
            "SELECT listing_id, tag FROM listing_tags WHERE listing_id IN ({list}) \
             ORDER BY listing_id, tag"
        );
        let rows: Vec<(i64, String)> = self.fetch_all(&sql, args).await?;
        let mut out: Vec<(i64, Vec<Tag>)> = Vec::new();
        for (id, tag) in rows {
            let tag = stored("listing_tags", Tag::parse("tag", &tag))?;
            match out.last_mut() {
                Some((last, tags)) if *last == id => tags.push(tag),
                _ => out.push((id, vec![tag])),
            }
        }
        Ok(out)
    }

    /// Rows to listings, each with its tags (one query for all of them).
    async fn with_tags(
        &mut self,
        rows: Vec<ListingRow>,
        today: NaiveDate,
    ) -> Result<Vec<Listing>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags = self.listing_tags(&ids).await?;
        rows.into_iter()
            .map(|row| {
                let mine = tags
                    .iter_mut()
                    .find(|(id, _)| *id == row.id)
                    .map(|(_, t)| std::mem::take(t))
                    .unwrap_or_default();
                row.into_domain(mine, today)
            })
            .collect()
    }

    /// Listings matching `filter`, newest first, `limit` (clamped to 1..=[`MAX_LISTING_PAGE`])
    /// at a time; pass `next_cursor` back for the next page.
    pub async fn listings(
        &mut self,
        filter: &ListingFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Listing>, StoreError> {
        let limit = limit.clamp(1, MAX_LISTING_PAGE);
        let mut w = Where::default();
        if let Some(cursor) = cursor {
            let after = decode_cursor(cursor)?;
            let p = w.param(after.get());
            w.clauses.push(format!("l.id < {p}"));
        }
        if let Some(side) = filter.side {
            let p = w.param(side.as_str());
            w.clauses.push(format!("l.side = {p}"));
        }
        if let Some(kind) = filter.kind {
            let p = w.param(kind.as_str());
            w.clauses.push(format!("l.kind = {p}"));
        }
        if let Some(stage) = filter.stage {
            let p = w.param(stage.get());
            w.clauses.push(format!("e.stage_id = {p}"));
        }
        if let Some(grid) = filter.grid {
            let p = w.param(grid.get());
            w.clauses.push(format!("l.grid_id = {p}"));
        }
        if let Some(enterprise) = filter.enterprise {
            let p = w.param(enterprise.get());
            w.clauses.push(format!("l.enterprise_id = {p}"));
        }
        if let Some(status) = filter.status {
            let clause = status_sql(&mut w, status, filter.today, "l.");
            w.clauses.push(clause);
        }
        if let Some(text) = &filter.text {
            let grams = text.grams();
            let list = w.any_of("gram", grams.iter().map(|g| g.as_str().into()));
            let n = w.param(i64::try_from(grams.len()).unwrap_or(i64::MAX));
            w.clauses.push(format!(
                "l.id IN (SELECT listing_id FROM listing_grams WHERE {list} \
                 GROUP BY listing_id HAVING COUNT(*) = {n})"
            ));
        }
        if let Some(actor) = &filter.visible_to {
            let columns = ScopeColumns {
                mine: "l.posted_by",
                grid: "l.grid_id",
                unit: None,
                enterprise: "l.enterprise_id",
            };
            if let Some(clause) = scope_sql(&mut w, actor, &columns) {
                w.clauses.push(clause);
            }
        }
        let condition = w.condition();
        let p = w.param(i64::from(limit) + 1);
        let sql = format!(
            "SELECT {LISTING_SELECT} FROM listings l JOIN enterprises e ON e.id = l.enterprise_id \
             WHERE {condition} ORDER BY l.id DESC LIMIT {p}"
        );
        let rows: Vec<ListingRow> = self.fetch_all(&sql, w.args).await?;
        let mut items = self.with_tags(rows, filter.today).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|l| encode_cursor(l.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Withdraws a listing that is not withdrawn yet (an expired one may be: it stops showing
    /// as expired). `NotFound` for none; `Invalid` `status`, `Changed`, if already withdrawn.
    pub async fn withdraw_listing(
        &mut self,
        id: ListingId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Listing, StoreError> {
        let n = self
            .execute(
                "UPDATE listings SET withdrawn_at = $1, withdrawn_by = $2 \
                 WHERE id = $3 AND withdrawn_at IS NULL",
                args![at, by.get(), id.get()],
            )
            .await?;
        let today = at.date_naive();
        let listing = self
            .listing(id, today)
            .await?
            .ok_or_else(|| StoreError::not_found("listing", id.get()))?;
        if n == 0 {
            return Err(StoreError::invalid(
                "status",
                Rule::Changed { now: "withdrawn" },
            ));
        }
        Ok(listing)
    }

    /// The candidates for a need's suggestions, in two bounded reads: the open offers of other
    /// enterprises sharing the most of `grams` or any of `tags` (at most [`MAX_CANDIDATES`]),
    /// and the enterprises (other than the need's) holding one of `tags` or a tag found in
    /// `text` (at most [`MAX_CANDIDATES`]), of the kinds that can meet the need
    /// ([`ListingKind::met_by`]: a supplier by its products, …). Their stages and those tags
    /// come with them.
    pub async fn suggestion_candidates(
        &mut self,
        need: &Listing,
        grams: &[String],
        today: NaiveDate,
    ) -> Result<Vec<Candidate>, StoreError> {
        let tags: Vec<String> = need
            .tags
            .as_slice()
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect();
        let mut candidates = Vec::new();
        // Offers: the ids sharing most bigrams or a tag, then their rows.
        if !grams.is_empty() || !tags.is_empty() {
            let mut args: Vec<Arg> = Vec::new();
            let mut hits = Vec::new();
            if !grams.is_empty() {
                let list = list_of(&mut args, grams);
                hits.push(format!(
                    "SELECT listing_id, gram AS hit FROM listing_grams WHERE gram IN ({list})"
                ));
            }
            if !tags.is_empty() {
                let list = list_of(&mut args, &tags);
                hits.push(format!(
                    "SELECT listing_id, tag AS hit FROM listing_tags WHERE tag IN ({list})"
                ));
            }
            let today_p = {
                args.push(today.format("%Y-%m-%d").to_string().into());
                format!("${}", args.len())
            };
            let own = {
                args.push(need.enterprise.get().into());
                format!("${}", args.len())
            };
            let limit = {
                args.push(i64::from(MAX_CANDIDATES).into());
                format!("${}", args.len())
            };
            let sql = format!(
                "SELECT {LISTING_SELECT} FROM listings l \
                 JOIN enterprises e ON e.id = l.enterprise_id \
                 JOIN (SELECT h.listing_id, COUNT(*) AS hits FROM ({}) h \
                       GROUP BY h.listing_id) m ON m.listing_id = l.id \
                 WHERE l.side = 'offer' AND l.withdrawn_at IS NULL AND l.valid_until >= {today_p} \
                 AND l.enterprise_id <> {own} \
                 ORDER BY m.hits DESC, l.id LIMIT {limit}",
                hits.join(" UNION ALL ")
            );
            let rows: Vec<ListingRow> = self.fetch_all(&sql, args).await?;
            let offers = self.with_tags(rows, today).await?;
            candidates.extend(offers.into_iter().map(|o| Candidate {
                target: Target::Offer(o.id),
                enterprise: o.enterprise,
                stage: o.stage,
                tags: o.tags.into(),
                text: searchable(&o.title, &o.text),
                status: o.status,
                label: o.title.to_string(),
            }));
        }
        // Enterprises: a tag of the need, or one of theirs that the need's text mentions.
        let mut args: Vec<Arg> = Vec::new();
        let text = need_text(need).to_lowercase();
        args.push(text.into());
        let mut any = vec!["$1 LIKE '%' || t.tag || '%'".to_owned()];
        if !tags.is_empty() {
            let list = list_of(&mut args, &tags);
            any.push(format!("t.tag IN ({list})"));
        }
        let kinds: Vec<&str> = need.kind.met_by().iter().map(|k| k.as_str()).collect();
        let kinds = list_of(&mut args, &kinds);
        args.push(need.enterprise.get().into());
        let own = format!("${}", args.len());
        args.push(i64::from(MAX_CANDIDATES).into());
        let limit = format!("${}", args.len());
        let sql = format!(
            "SELECT e.id, e.name, e.stage_id FROM enterprises e WHERE e.id IN \
             (SELECT t.enterprise_id FROM enterprise_tags t \
              WHERE t.kind IN ({kinds}) AND ({})) AND e.id <> {own} \
             ORDER BY e.id LIMIT {limit}",
            any.join(" OR ")
        );
        let firms: Vec<(i64, String, Option<i64>)> = self.fetch_all(&sql, args).await?;
        if !firms.is_empty() {
            let mut args = Vec::new();
            let ids: Vec<i64> = firms.iter().map(|f| f.0).collect();
            let list = list_of(&mut args, &ids);
            let kinds: Vec<&str> = need.kind.met_by().iter().map(|k| k.as_str()).collect();
            let kinds = list_of(&mut args, &kinds);
            let sql = format!(
                "SELECT enterprise_id, tag FROM enterprise_tags WHERE enterprise_id IN ({list}) \
                 AND kind IN ({kinds}) ORDER BY enterprise_id, tag"
            );
            let all_tags: Vec<(i64, String)> = self.fetch_all(&sql, args).await?;
            for (id, name, stage) in firms {
                let mut tags: Vec<Tag> = all_tags
                    .iter()
                    .filter(|(e, _)| *e == id)
                    .map(|(_, t)| stored("enterprise_tags", Tag::parse("tag", t)))
                    .collect::<Result<_, _>>()?;
                tags.dedup();
                let words: Vec<&str> = tags.iter().map(Tag::as_str).collect();
                let enterprise = stored("enterprises", EnterpriseId::new(id))?;
                candidates.push(Candidate {
                    target: Target::Enterprise(enterprise),
                    enterprise,
                    stage: stage
                        .map(|s| stored("enterprises", StageId::new(s)))
                        .transpose()?,
                    text: format!("{name} {}", words.join(" ")),
                    tags,
                    status: ListingStatus::Open,
                    label: name,
                });
            }
        }
        Ok(candidates)
    }
}

/// What a need's suggestions are ranked from, read in one snapshot.
#[derive(Debug, Clone)]
pub struct NeedCandidates {
    pub need: Listing,
    /// The stages of the need's enterprise's chain, upstream first.
    pub stages: Vec<Stage>,
    pub candidates: Vec<Candidate>,
}

impl Store {
    /// A chain's stages, upstream first.
    pub async fn stages(&self, chain: ChainId) -> Result<Vec<Stage>, StoreError> {
        self.read(async move |tx| tx.stages(chain).await).await
    }

    /// An enterprise's chain position and its stage, `None` for no such enterprise.
    pub async fn position(
        &self,
        enterprise: EnterpriseId,
    ) -> Result<Option<(ChainPosition, Option<Stage>)>, StoreError> {
        self.read(async move |tx| {
            let Some(position) = tx.position(enterprise).await? else {
                return Ok(None);
            };
            let stage = match (position.stage, tx.enterprise_chain(enterprise).await?) {
                (Some(id), Some(chain)) => tx.stages(chain).await?.into_iter().find(|s| s.id == id),
                _ => None,
            };
            Ok(Some((position, stage)))
        })
        .await
    }

    /// One listing, its status as on `today`.
    pub async fn listing(
        &self,
        id: ListingId,
        today: NaiveDate,
    ) -> Result<Option<Listing>, StoreError> {
        self.read(async move |tx| tx.listing(id, today).await).await
    }

    /// [`Tx::listings`] in a snapshot of its own.
    pub async fn listings(
        &self,
        filter: &ListingFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Listing>, StoreError> {
        self.read(async move |tx| tx.listings(filter, limit, cursor).await)
            .await
    }

    /// The need `id`, its chain's stages and its candidates (see
    /// [`Tx::suggestion_candidates`]), in one snapshot; `None` for no such listing.
    pub async fn need_candidates(
        &self,
        id: ListingId,
        grams: impl Fn(&Listing) -> Vec<String> + Send,
        today: NaiveDate,
    ) -> Result<Option<NeedCandidates>, StoreError> {
        self.read(async move |tx| {
            let Some(need) = tx.listing(id, today).await? else {
                return Ok(None);
            };
            let stages = match tx.enterprise_chain(need.enterprise).await? {
                Some(chain) => tx.stages(chain).await?,
                None => Vec::new(),
            };
            let candidates = if need.side == Side::Need {
                tx.suggestion_candidates(&need, &grams(&need), today)
                    .await?
            } else {
                Vec::new()
            };
            Ok(Some(NeedCandidates {
                need,
                stages,
                candidates,
            }))
        })
        .await
    }
}

fn need_text(need: &Listing) -> String {
    searchable(&need.title, &need.text)
}
