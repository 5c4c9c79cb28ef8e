//! Enterprises keyed by their unified social credit code (统一社会信用代码), on both backends:
//! an import matches a row by the code first, so a renamed enterprise is updated in place and
//! the visit plans and users of the same workbook name it by its new name; a bad or repeated
//! code is a bad cell and nothing is written; and the admin's use cases refuse a code another
//! enterprise holds.

mod common;

use chrono::{TimeZone, Utc};
use gridloop_app::import::{self, Counts, FileFormat, Imported, Kind, Mode, Reason, Source};
use gridloop_app::reference::enterprises::{self, EnterprisePatchInput, NewEnterpriseInput};
use gridloop_app::{AppError, AppState, Thing};
use gridloop_core::{CreditCode, Role, Rule};
use gridloop_store::{Enterprise, Store};

use common::{app_at, new_user, ChainPark};

/// Tencent's code, as published; has letters, so a spreadsheet keeps it as text.
const TENCENT: &str = "9144030071526726XG";
/// Huawei's code, as published.
const HUAWEI: &str = "914403001922038216";

/// A sheet: its name, header row and rows.
type SheetSpec<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

/// A workbook of `sheets`, every cell written as text.
fn book(sheets: &[SheetSpec<'_>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, headers, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("sheet name");
        let all = std::iter::once(*headers).chain(rows.iter().copied());
        for (r, row) in all.enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    let (r, c) = (
                        u32::try_from(r).expect("row"),
                        u16::try_from(c).expect("col"),
                    );
                    sheet.write_string(r, c, *cell).expect("cell");
                }
            }
        }
    }
    book.save_to_buffer().expect("workbook")
}

async fn run(state: &AppState, bytes: &[u8]) -> Result<Imported, AppError> {
    let source = Source {
        name: "park.xlsx",
        bytes,
        format: FileFormat::Xlsx,
        sheet: None,
        kind: None,
    };
    import::import_as_operator(state, source, Mode::Write).await
}

fn counts(imported: &Imported, kind: Kind) -> Counts {
    imported
        .kinds
        .iter()
        .find(|k| k.kind == kind)
        .map(|k| k.counts)
        .unwrap_or_else(|| panic!("no {kind:?} in {imported:?}"))
}

const fn n(created: usize, updated: usize, unchanged: usize) -> Counts {
    Counts {
        created,
        updated,
        unchanged,
    }
}

/// Every bad cell of a refusal as (`sheet!A2`, reason).
fn refused(result: Result<Imported, AppError>) -> Vec<(String, Reason)> {
    match result {
        Err(AppError::Import(refused)) => refused
            .cells
            .into_iter()
            .map(|c| (c.place(), c.reason))
            .collect(),
        other => panic!("not refused: {other:?}"),
    }
}

async fn by_code(store: &Store, code: &str) -> Option<Enterprise> {
    let code = CreditCode::parse(code).expect("code");
    store.enterprise_by_credit_code(&code).await.expect("read")
}

/// A park of one grid `g1` with the enterprise 老铝业 (no code yet), an admin and the
/// commissioner `comm`; the app on it.
async fn park(store: &Store) -> AppState {
    let park = ChainPark {
        grids: &["g1"],
        enterprises: &[("老铝业", 0)],
    };
    park.create(store, |grids, _| {
        vec![
            // A park keeps an active admin: the store refuses any user's change without one.
            new_user("admin", vec![Role::Admin]),
            gridloop_store::NewUser {
                grids: vec![grids[0]],
                ..new_user("comm", vec![Role::Commissioner])
            },
        ]
    })
    .await;
    let now = Utc
        .with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .expect("instant");
    app_at(store, now).await.0
}

const ENTERPRISES: &[&str] = &["企业名称", "统一社会信用代码", "网格编码"];
const PLANS: &[&str] = &["enterprise", "commissioner"];
const USERS: &[&str] = &["login", "name", "roles", "enterprises"];

async fn a_renamed_enterprise_with_its_code_is_updated_in_place(store: Store) {
    let state = park(&store).await;

    // Codes given: 老铝业 is matched by its name and gets its code; 新物流 is new.
    let first = book(&[
        (
            "enterprises",
            ENTERPRISES,
            &[
                &["老铝业", TENCENT, "g1"],
                &["新物流", &HUAWEI.to_lowercase(), "g1"],
            ],
        ),
        ("visit_plans", PLANS, &[&["老铝业", "comm"]]),
        (
            "users",
            USERS,
            &[&["contact", "联系人", "enterprise", "新物流"]],
        ),
    ]);
    let imported = run(&state, &first).await.expect("first import");
    assert_eq!(counts(&imported, Kind::Enterprises), n(1, 1, 0));
    assert_eq!(counts(&imported, Kind::VisitPlans), n(1, 0, 0));
    let old = by_code(&store, TENCENT).await.expect("given its code");
    assert_eq!(old.name.as_str(), "老铝业");
    let logistics = by_code(&store, HUAWEI)
        .await
        .expect("created with its code");
    assert_eq!(store.enterprises(None).await.expect("list").len(), 2);

    // Renamed in the same workbook that names it, by its new name, in a plan and a user: the
    // same enterprise, the same plan; the user now speaks for it.
    let renamed = book(&[
        (
            "enterprises",
            ENTERPRISES,
            &[&["渝铝科技（更名）", TENCENT, "g1"]],
        ),
        ("visit_plans", PLANS, &[&["渝铝科技（更名）", "comm"]]),
        (
            "users",
            USERS,
            &[&["contact", "联系人", "enterprise", "渝铝科技（更名）"]],
        ),
    ]);
    let imported = run(&state, &renamed).await.expect("renamed");
    assert_eq!(counts(&imported, Kind::Enterprises), n(0, 1, 0));
    assert_eq!(counts(&imported, Kind::VisitPlans), n(0, 0, 1));
    assert_eq!(counts(&imported, Kind::Users), n(0, 1, 0));
    let after = store.enterprises(None).await.expect("list");
    assert_eq!(after.len(), 2, "no enterprise added");
    let now = by_code(&store, TENCENT).await.expect("still there");
    assert_eq!(now.id, old.id);
    assert_eq!(now.name.as_str(), "渝铝科技（更名）");
    let contact = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.login.as_str() == "contact")
        .expect("contact");
    assert_eq!(contact.enterprises, vec![old.id]);
    // Once more: nothing changes.
    let imported = run(&state, &renamed).await.expect("again");
    assert_eq!(counts(&imported, Kind::Enterprises), n(0, 0, 1));

    // The old name is gone once a row renames it: a plan naming it is refused, and nothing of
    // the workbook is written.
    let stale = book(&[
        ("enterprises", ENTERPRISES, &[&["渝铝科技", TENCENT, "g1"]]),
        ("visit_plans", PLANS, &[&["渝铝科技（更名）", "comm"]]),
    ]);
    assert_eq!(
        refused(run(&state, &stale).await),
        vec![(
            "visit_plans!A2".to_owned(),
            Reason::NoSuch(Thing::Enterprise)
        )]
    );
    assert_eq!(store.enterprises(None).await.expect("list"), after);

    // A code nobody holds, on a row matched by its name that holds another code, is not taken
    // as a re-key.
    let rekey = book(&[(
        "enterprises",
        ENTERPRISES,
        &[&["新物流", "91350200776049653A", "g1"]],
    )]);
    assert_eq!(
        refused(run(&state, &rekey).await),
        vec![("enterprises!B2".to_owned(), Reason::OtherCreditCode)]
    );
    assert_eq!(by_code(&store, HUAWEI).await, Some(logistics));
}

async fn a_bad_or_repeated_code_is_a_bad_cell_and_nothing_is_written(store: Store) {
    let state = park(&store).await;
    let before = store.enterprises(None).await.expect("list");
    let bad = book(&[(
        "enterprises",
        ENTERPRISES,
        &[
            // The check character is wrong.
            &["老铝业", "9144030071526726XH", "g1"],
            &["甲", TENCENT, "g1"],
            &["乙", TENCENT, "g1"],
            // An O where a 0 belongs.
            &["丙", "91440300I922O38216", "g1"],
        ],
    )]);
    assert_eq!(
        refused(run(&state, &bad).await),
        vec![
            (
                "enterprises!B2".to_owned(),
                Reason::Rule(Rule::CheckCharacter)
            ),
            (
                "enterprises!B4".to_owned(),
                Reason::Repeated { first_row: 3 }
            ),
            (
                "enterprises!B5".to_owned(),
                Reason::Rule(Rule::Format(gridloop_core::Format::CreditCode))
            ),
        ]
    );
    assert_eq!(store.enterprises(None).await.expect("list"), before);
}

async fn an_admin_cannot_give_an_enterprise_a_code_another_holds(store: Store) {
    let state = park(&store).await;
    let admin = gridloop_core::Actor {
        user: gridloop_core::UserId::new(1).expect("id"),
        roles: vec![Role::Admin],
        grids: vec![],
        units: vec![],
        enterprises: vec![],
    };
    let created = enterprises::create(
        &state,
        &admin,
        &NewEnterpriseInput {
            name: "渝铝科技".into(),
            grid: "g1".into(),
            address: None,
            credit_code: Some(format!(" {} ", TENCENT.to_lowercase())),
        },
    )
    .await
    .expect("created");
    assert_eq!(
        created.credit_code.as_ref().map(CreditCode::as_str),
        Some(TENCENT)
    );
    let before = store.enterprises(None).await.expect("list");
    let old = before
        .iter()
        .find(|e| e.name.as_str() == "老铝业")
        .expect("老铝业");

    let taken = enterprises::update(
        &state,
        &admin,
        old.id,
        &EnterprisePatchInput {
            name: Some("老铝业（改）".into()),
            credit_code: Some(Some(TENCENT.into())),
            ..EnterprisePatchInput::default()
        },
    )
    .await
    .expect_err("taken");
    assert!(
        matches!(&taken, AppError::AlreadyExists { thing: Thing::Enterprise, key } if key == TENCENT),
        "{taken:?}"
    );
    let again = enterprises::create(
        &state,
        &admin,
        &NewEnterpriseInput {
            name: "另一家".into(),
            grid: "g1".into(),
            address: None,
            credit_code: Some(TENCENT.into()),
        },
    )
    .await
    .expect_err("taken");
    assert!(matches!(again, AppError::AlreadyExists { .. }), "{again:?}");
    let typo = enterprises::create(
        &state,
        &admin,
        &NewEnterpriseInput {
            name: "".into(),
            grid: "g1".into(),
            address: None,
            credit_code: Some("914403001922038217".into()),
        },
    )
    .await
    .expect_err("invalid");
    match typo {
        AppError::Invalid(errors) => assert_eq!(
            errors
                .iter()
                .map(|e| (e.field(), e.rule()))
                .collect::<Vec<_>>(),
            vec![("name", Rule::Blank), ("credit_code", Rule::CheckCharacter)]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.enterprises(None).await.expect("list"), before);

    // A blank code clears it; the code is then free.
    let cleared = enterprises::update(
        &state,
        &admin,
        created.id,
        &EnterprisePatchInput {
            credit_code: Some(Some("  ".into())),
            ..EnterprisePatchInput::default()
        },
    )
    .await
    .expect("cleared");
    assert_eq!(cleared.credit_code, None);
    let listed = enterprises::list(&store, Some("g1"), Some(TENCENT))
        .await
        .expect("list");
    assert!(listed.is_empty());
    let moved = enterprises::update(
        &state,
        &admin,
        old.id,
        &EnterprisePatchInput {
            credit_code: Some(Some(TENCENT.into())),
            ..EnterprisePatchInput::default()
        },
    )
    .await
    .expect("free now");
    let listed = enterprises::list(&store, None, Some(TENCENT))
        .await
        .expect("list");
    assert_eq!(listed, vec![moved]);
}

/// Each test on a fresh SQLite file and a fresh PostgreSQL database.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let scratch = crate::common::Scratch::new("ent").await;
                    super::$name(scratch.store.clone()).await;
                    scratch.remove().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(scratch) = crate::common::PgScratch::new("ent").await else {
                        return;
                    };
                    super::$name(scratch.store.clone()).await;
                    scratch.remove().await;
                }
            )*
        }
    };
}

both!(
    a_renamed_enterprise_with_its_code_is_updated_in_place,
    a_bad_or_repeated_code_is_a_bad_cell_and_nothing_is_written,
    an_admin_cannot_give_an_enterprise_a_code_another_holds,
);
