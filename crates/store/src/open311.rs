//! Open311 service requests: the issue a GeoReport client reported, plus what the client sent
//! besides the problem itself (the location, a media URL, the requester's contact).
//!
//! The details live in a side table, `open311_requests`, written in the same transaction as the
//! issue, so a request is stored with its location and contact or not at all.

use std::fmt;

use chrono::{DateTime, Utc};
use gridloop_core::{Actor, ContactPhone, Email, IssueId, Rule, Workflow};

use crate::backend::{args, Arg, Tx};
use crate::error::StoreError;
use crate::model::{NewIssue, Reported};
use crate::rows::stored;
use crate::store::Store;

/// What an Open311 client sent with a request besides the problem: where it is and who to
/// reach. At least one of the coordinates, `address_string` or `address_id` is present.
///
/// The contact is personal data: `Debug` masks the phone and email and hides the names.
#[derive(Clone, Default, PartialEq)]
pub struct Open311Details {
    /// WGS84 latitude and longitude, both or neither.
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<Email>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Free text as the client sent it (the column holds exactly that), with its E.164 form
    /// where it parses.
    pub phone: Option<ContactPhone>,
    pub media_url: Option<String>,
}

impl fmt::Debug for Open311Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<hidden>");
        f.debug_struct("Open311Details")
            .field("lat", &self.lat)
            .field("long", &self.long)
            .field("address_string", &self.address_string)
            .field("address_id", &self.address_id)
            .field("email", &self.email)
            .field("first_name", &hidden(&self.first_name))
            .field("last_name", &hidden(&self.last_name))
            .field("phone", &self.phone)
            .field("media_url", &self.media_url)
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct DetailsRow {
    issue_id: i64,
    lat: Option<f64>,
    long: Option<f64>,
    address_string: Option<String>,
    address_id: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    media_url: Option<String>,
}

impl DetailsRow {
    fn into_domain(self) -> Result<(IssueId, Open311Details), StoreError> {
        const TABLE: &str = "open311_requests";
        let id = stored(TABLE, IssueId::new(self.issue_id))?;
        let details = Open311Details {
            lat: self.lat,
            long: self.long,
            address_string: self.address_string,
            address_id: self.address_id,
            email: self
                .email
                .map(|e| stored(TABLE, Email::parse(&e)))
                .transpose()?,
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone.as_deref().and_then(ContactPhone::new),
            media_url: self.media_url,
        };
        Ok((id, details))
    }
}

const DETAILS_COLUMNS: &str = "issue_id, lat, long, address_string, address_id, email, \
     first_name, last_name, phone, media_url";

/// The longest id list [`Tx::open311_details`] takes at once.
const MAX_IDS: usize = 1000;

impl Tx {
    /// Reports a problem that came through Open311 and records the request's details with it,
    /// in this transaction. A replayed report (same client key) writes nothing new.
    pub async fn intake_open311(
        &mut self,
        workflow: &Workflow,
        actor: &Actor,
        new: NewIssue,
        details: Open311Details,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        let has_location = details.lat.is_some() && details.long.is_some()
            || details.address_string.is_some()
            || details.address_id.is_some();
        if !has_location {
            return Err(StoreError::invalid(
                "location",
                Rule::AnyOf {
                    fields: &["lat and long", "address_string", "address_id"],
                },
            ));
        }
        if details.lat.is_some() != details.long.is_some() {
            return Err(StoreError::invalid("lat", Rule::Together { other: "long" }));
        }
        let reported = self.intake(workflow, actor, new, now).await?;
        if reported.replayed {
            return Ok(reported);
        }
        // Coordinates travel as text and are cast by the database (an f64's `Display` is its
        // shortest exact decimal), so the store needs no float binding of its own.
        let coordinate = |v: Option<f64>| v.map(|v| v.to_string());
        self.execute(
            &format!(
                "INSERT INTO open311_requests ({DETAILS_COLUMNS}) VALUES \
                 ($1, CAST($2 AS DOUBLE PRECISION), CAST($3 AS DOUBLE PRECISION), \
                  $4, $5, $6, $7, $8, $9, $10)"
            ),
            args![
                reported.issue.id.get(),
                coordinate(details.lat).as_deref(),
                coordinate(details.long).as_deref(),
                details.address_string.as_deref(),
                details.address_id.as_deref(),
                details.email.as_ref().map(Email::as_str),
                details.first_name.as_deref(),
                details.last_name.as_deref(),
                details.phone.as_ref().map(ContactPhone::given),
                details.media_url.as_deref(),
            ],
        )
        .await?;
        Ok(reported)
    }

    /// The Open311 details of those of `ids` that came through Open311, in id order. At most
    /// 1,000 ids at once (`Invalid` beyond).
    pub async fn open311_details(
        &mut self,
        ids: &[IssueId],
    ) -> Result<Vec<(IssueId, Open311Details)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        if ids.len() > MAX_IDS {
            return Err(StoreError::invalid("ids", Rule::TooMany { max: MAX_IDS }));
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let rows: Vec<DetailsRow> = self
            .fetch_all(
                &format!(
                    "SELECT {DETAILS_COLUMNS} FROM open311_requests \
                     WHERE issue_id IN ({}) ORDER BY issue_id",
                    placeholders.join(", ")
                ),
                ids.iter().map(|id| Arg::from(id.get())).collect(),
            )
            .await?;
        rows.into_iter().map(DetailsRow::into_domain).collect()
    }
}

impl Store {
    /// Reports a problem from Open311 with its details, in one transaction. See
    /// [`Store::intake`] for the reporting rules; `Invalid` without a location.
    pub async fn intake_open311(
        &self,
        workflow: &Workflow,
        actor: &Actor,
        new: NewIssue,
        details: Open311Details,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        self.write(async move |tx| tx.intake_open311(workflow, actor, new, details, now).await)
            .await
    }

    /// The Open311 details of those of `ids` that came through Open311, in id order.
    pub async fn open311_details(
        &self,
        ids: &[IssueId],
    ) -> Result<Vec<(IssueId, Open311Details)>, StoreError> {
        self.read(async move |tx| tx.open311_details(ids).await)
            .await
    }
}
