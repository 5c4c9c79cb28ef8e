//! The demo park's matches (对接): five pairs of its needs and offers introduced by a
//! dispatcher in the weeks before `now` and taken through the real lifecycle (the core decides
//! each step), so the chain map shows links and the match pages show every state on first run.
//! The offcut pair of the reference case (a rolling mill's offcuts, a recycler's furnace) is
//! agreed with its contract value.
//!
//! Written in the park's seeding transaction, like the listings, so a second `gridloop demo`
//! changes nothing. History is not news: no notices and no follow-ups are written for it.

use chrono::{DateTime, Duration, Utc};
use gridloop_core::chain::matching::{self, Introduction, MatchAction, Pair, Party};
use gridloop_core::chain::{ContractValue, ListingStatus, Side};
use gridloop_core::{Actor, EnterpriseId, ListingId, Reason, Role, ShortNote};
use gridloop_store::{ListingFilter, Tx};

use crate::error::SetupError;

/// Where a demo match stops.
#[derive(Debug, Clone, Copy)]
enum End {
    Introduced,
    Talking,
    Agreed(&'static str),
    Dropped(&'static str),
}

/// An enterprise of the park by (grid, enterprise) indexes, as `chain::LISTINGS` names them.
type At = (usize, usize);

/// The need's enterprise, the offer's, the note, and where it ends.
const MATCHES: [(At, At, &str, End); 5] = [
    (
        (0, 1),
        (2, 1),
        "边角料就近回收，熔炼再生为ADC12合金锭返供压铸企业",
        End::Agreed("3600000"),
    ),
    (
        (0, 3),
        (5, 1),
        "ADC12铝合金锭长期供货",
        End::Agreed("12000000"),
    ),
    ((0, 0), (3, 0), "园区内短驳运输", End::Talking),
    ((1, 1), (4, 4), "旺季用工互助", End::Introduced),
    (
        (1, 0),
        (1, 3),
        "挤压产能外协",
        End::Dropped("产能排期冲突，暂不合作"),
    ),
];

/// The first listing of `side` of `enterprise` (the demo posts one each).
async fn listing_of(
    tx: &mut Tx,
    enterprise: EnterpriseId,
    side: Side,
    now: DateTime<Utc>,
) -> Result<Option<ListingId>, SetupError> {
    let filter = ListingFilter {
        today: now.date_naive(),
        side: Some(side),
        kind: None,
        stage: None,
        status: Some(ListingStatus::Open),
        enterprise: Some(enterprise),
        grid: None,
        text: None,
        visible_to: None,
    };
    Ok(tx
        .listings(&filter, 1, None)
        .await?
        .items
        .first()
        .map(|l| l.id))
}

/// Introduces and moves the demo matches; returns how many. Without a dispatcher in the park
/// there is nobody to introduce them, and nothing is written.
pub async fn seed(
    tx: &mut Tx,
    enterprises: &[Vec<(EnterpriseId, String)>],
    now: DateTime<Utc>,
) -> Result<usize, SetupError> {
    let Some(dispatcher) = tx
        .users()
        .await?
        .into_iter()
        .find(|u| u.roles.contains(&Role::Dispatcher))
    else {
        return Ok(0);
    };
    let actor = Actor {
        user: dispatcher.id,
        roles: vec![Role::Dispatcher],
        grids: vec![],
        units: vec![],
        enterprises: vec![],
    };
    let mut seeded = 0;
    for (i, ((ng, ne), (og, oe), note, end)) in MATCHES.into_iter().enumerate() {
        let (Some((need_firm, _)), Some((offer_firm, _))) = (
            enterprises.get(ng).and_then(|e| e.get(ne)),
            enterprises.get(og).and_then(|e| e.get(oe)),
        ) else {
            return Err(SetupError::failed("a demo match", "no such enterprise"));
        };
        let party = async |tx: &mut Tx, id: EnterpriseId| -> Result<Party, SetupError> {
            let e = tx
                .enterprise(id)
                .await?
                .ok_or_else(|| SetupError::failed("a demo match", "no such enterprise"))?;
            Ok(Party {
                enterprise: id,
                grid: e.grid,
            })
        };
        let pair = Pair::new(party(tx, *need_firm).await?, party(tx, *offer_firm).await?)?;
        let need = listing_of(tx, *need_firm, Side::Need, now).await?;
        let offer = listing_of(tx, *offer_firm, Side::Offer, now).await?;
        // Each a few days apart, the oldest three weeks ago.
        let offset = i64::try_from(i).unwrap_or(0);
        let introduced_at = now - Duration::days(21 - 2 * offset);
        let step = matching::introduce(
            Introduction {
                pair,
                need,
                offer,
                // The demo's meetings are played later, through their use cases.
                meeting: None,
                note: Some(ShortNote::parse(note)?),
            },
            &actor,
            introduced_at,
        )
        .map_err(|e| SetupError::failed("a demo match", e))?;
        let mut record = tx.introduce_match(&step).await?;
        let mut at = introduced_at;
        let actions = match end {
            End::Introduced => vec![],
            End::Talking => vec![MatchAction::Talk],
            End::Agreed(value) => vec![
                MatchAction::Talk,
                MatchAction::Agree {
                    value: ContractValue::parse(value)?,
                    note: None,
                },
            ],
            End::Dropped(reason) => vec![MatchAction::Drop {
                reason: Reason::parse(reason)?,
            }],
        };
        for action in actions {
            at += Duration::days(4);
            let (next, step) = matching::decide(&record.state, action, &actor, at)
                .map_err(|e| SetupError::failed("a demo match", e))?;
            record = tx
                .record_match_step(record.id, &record.state, &next, &step)
                .await?;
        }
        seeded += 1;
    }
    Ok(seeded)
}
