//! gridloop's persistence: SQLite (embedded, the default) and PostgreSQL behind one [`Store`].
//!
//! The backend is chosen by the URL scheme. Every statement is written once, with `$n`
//! placeholders both drivers accept, and runs through a handful of query primitives whose
//! bodies a macro expands for each backend; the remaining dialect differences (the write lock
//! on SQLite, `ILIKE`, the column types in the migrations) sit in the `backend` module and the
//! two migration folders. One conformance suite (`tests/conformance.rs`) runs against both.
//!
//! Issues are event-sourced: each action appends an immutable event and rewrites the issue row
//! to the core's fold of the events, in one transaction, under compare-and-set on the version.
//!
//! # Layout
//!
//! - `backend`: connection pools, transactions ([`Tx`]) and the only code aware of two backends.
//! - `batch`: group commit of every write on SQLite (each write in its own savepoint).
//! - `bulk`: seeding for benchmarks: scratch databases, issues written with their whole
//!   histories many at a time ([`History`]) through the same row encoders, then settled.
//! - `intake`: reports that arrive together written as one batch on either backend, the
//!   enterprises' grids remembered and checked by the batch.
//! - `pg_intake`: a batch of reports on PostgreSQL, one statement (a data-modifying CTE over
//!   arrays); a report alone in one statement too.
//! - `single_write`: PostgreSQL writes that are one statement (an action on an issue) sent in
//!   autocommit, without `BEGIN` and `COMMIT`; anything else turns them into a transaction.
//! - `sqlite_intake`: a batch of reports on SQLite, five multi-row statements in one member of
//!   the group commit.
//! - `coalesce`: concurrent one-row writes gathered into one batch (reports; on PostgreSQL
//!   messages marked sent), with no task and no timer of its own.
//! - `readers`: SQLite's hot reads (the list's page, a token's holder) on read-only connections
//!   of their own, rows decoded straight from SQLite.
//! - `store`: [`Store`], the cheap-to-clone handle; each method is one transaction. The
//!   methods of the other modules' `impl Store` blocks each run the [`Tx`] method of the same
//!   name in a transaction of their own.
//! - `calendars`: working calendars per region and year, seeded, replaced and audited.
//! - `copy`: whole databases copied (backup, restore, SQLite ⇄ PostgreSQL), verified by row
//!   counts and a checksum of the event log.
//! - `chain`: the chain's matchmaking: stages, enterprises' chain positions, needs and offers
//!   ([`Listing`]) with their tags and bigrams, their search, and a need's candidates.
//! - `chain_facts`: what the weekly report's chain section counts, one fact per thing done.
//! - `meetings`: matchmaking events (对接会, meetings in code): planned, invitations told and
//!   attended, held or cancelled; their invitees' candidates; the weekly count of those held.
//! - `matches`: matches (对接) of two enterprises, event-sourced like issues (their steps),
//!   listed in scope, and the chain map's nodes and links.
//! - `reference`: chains, grids, posts, enterprises, units, categories with SLAs, users.
//! - `issues`: reporting (idempotent on a client key), acting, reading issues and events.
//! - `list`: issue filters as SQL, keyset pagination.
//! - `ledger`: what the issue ledger's export reads besides the list: a bounded count, and
//!   when each issue of a page was first accepted.
//! - `admin`: admins' partial updates of reference data (no deletes: history refers to it).
//! - `tokens`: API tokens, stored by the hash of their secret, each with its scope.
//! - `secrets`: secrets generated once per deployment (the delivery-report secret).
//! - `sessions`: web sign-in: users' password hashes and browser sessions, by hash.
//! - `sign_in_attempts`: the sign-in throttle's counts per address and per login at an address,
//!   decided and recorded in one statement.
//! - `open311`: Open311 requests: the issue plus its location and the requester's contact.
//! - `attachments`: files attached to issues, recorded by the hash of their bytes.
//! - `uploads`: files uploaded for an import, kept between its dry run and its confirmation.
//! - `effects`: a transition's effects as outbox rows and jobs, in its transaction.
//! - `jobs`: the durable job queue: claims under a lease, retries, dead jobs.
//! - `notice_facts`: what a notice says of its recipient and its issue, one statement each.
//! - `notifications`: the outbox's delivery side: claims, outcomes (on PostgreSQL the messages
//!   marked sent together in one statement), delivery reports.
//! - `schedules`: cron schedules, fired once per occurrence by compare-and-set.
//! - `visits`: visit plans and their materialised occurrences.
//! - `prefs`: users' channel choices per kind of notification.
//! - `reports`: the event log fed, a page of histories at a time, to the weekly indicators.
//! - `report_copies`: frozen copies of the weekly reports as sent, and the notices that carry
//!   them.
//! - `rows`: raw rows and their parsing into domain types (a bad row is `Corrupt`).
//! - [`model`]: the records the store reads and writes besides the core's `Issue` and `Event`.
//! - [`error`]: [`StoreError`] and its coarse [`ErrorKind`].
//!
//! Migrations live in `migrations/sqlite` and `migrations/postgres` at the workspace root and
//! are embedded at build time.

mod admin;
mod attachments;
mod backend;
mod batch;
mod bulk;
mod calendars;
mod chain;
mod chain_facts;
mod coalesce;
mod copy;
mod effects;
pub mod error;
mod intake;
mod issues;
mod jobs;
mod ledger;
mod list;
mod matches;
mod meetings;
pub mod model;
mod notice_facts;
mod notifications;
mod open311;
mod pg_intake;
mod prefs;
mod readers;
mod reference;
mod report_copies;
mod reports;
mod rows;
mod schedules;
mod secrets;
mod sessions;
mod sign_in_attempts;
mod single_write;
mod sqlite_intake;
mod store;
mod tokens;
mod uploads;
mod visits;

pub use admin::{CategoryPatch, EnterprisePatch, GridPatch, PostPatch, UnitPatch, UserPatch};
pub use attachments::{
    Attachment, AttachmentKind, NewAttachment, MAX_FILENAME_CHARS, MAX_NOTE_CHARS,
};
pub use backend::Tx;
pub use bulk::History;
pub use calendars::{
    year_json, CalendarChange, CalendarChangeBy, NewCalendarYear, StoredCalendarYear,
};
pub use chain::{
    Listing, ListingFilter, NeedCandidates, NewListing, MAX_CANDIDATES, MAX_LISTING_PAGE,
};
pub use chain_facts::MAX_CHAIN_FACTS;
pub use copy::{Copied, CopyRefused, TABLES};
pub use effects::{NewNotification, Recipients, SLA_PLAN_JOB, SMS_BY_DEFAULT};
pub use error::{ErrorKind, StoreError};
pub use intake::IntakeStats;
pub use jobs::{Job, JobState, NewJob};
pub use list::MAX_PAGE;
pub use matches::{MapLink, MapNode, MatchFilter, MatchRecord, MAX_MAP_LINKS, MAX_MATCH_PAGE};
pub use meetings::{
    Invitation, Meeting, MeetingFilter, MeetingTally, MeetingsHeld, NewMeeting,
    MAX_INVITEE_CANDIDATES, MAX_MEETING_PAGE,
};
pub use model::{
    ActionRequest, Category, Chain, Enterprise, Grid, IssueFilter, NewCategory, NewEnterprise,
    NewGrid, NewIssue, NewPost, NewUnit, NewUser, Page, Post, Reported, Unit, User,
};
pub use notice_facts::{Addressee, NoticeIssue};
pub use notifications::{DlrEffect, DlrRecorded, Notification, NotificationState, RecentSends};
pub use open311::Open311Details;
pub use prefs::CHANNELS;
pub use report_copies::{ReportFilter, ReportSummary, StoredReport};
pub use schedules::{NewSchedule, ScheduleRecord};
pub use sessions::WebSession;
pub use sign_in_attempts::{SignInAttempt, SignInFailures, SignInKey, SignInLimit, SignInLimits};
pub use store::Store;
pub use tokens::{ApiToken, TokenHolder, TokenScope};
pub use uploads::KeptUpload;
pub use visits::{RaisedIssue, Visit, VisitFilter, VisitPlanRecord, MAX_VISIT_NOTES_CHARS};
