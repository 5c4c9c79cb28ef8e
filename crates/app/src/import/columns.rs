//! What a workbook may hold, in one table: the kinds of sheet (their names in Chinese and
//! English), and for each kind its columns — the English key, the Chinese header, the other
//! headers people write, whether the column must be there, the help the template shows, and
//! the choices of an enumeration.
//!
//! Headers and sheet names are compared loosely ([`normalise`]): case, spaces, `_`, `-`,
//! brackets and a trailing `*` do not count, so `Grid Code`, `grid_code`, `网格编码` and the
//! template's own `网格编码 (grid_code)` all name the same column.

use gridloop_core::{ParseError, Priority, Role, Rule};
use serde::Serialize;

/// A kind of reference data, one sheet each. In the order they are written: a row may name
/// rows of the kinds before it (a post its grid, a user their posts, a plan its commissioner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Units,
    Grids,
    Posts,
    Enterprises,
    Categories,
    Users,
    VisitPlans,
}

/// One column of a kind's sheet.
#[derive(Debug)]
pub struct Column {
    /// The English key (the JSON API's field name where there is one).
    pub key: &'static str,
    /// The Chinese header.
    pub zh: &'static str,
    /// Other headers accepted for it.
    pub aliases: &'static [&'static str],
    /// Whether the sheet must have the column (its cells are then required on every row).
    pub required: bool,
    /// The template's help row, in Chinese then English.
    pub help: &'static str,
    /// The values of an enumeration, offered as a list in the template.
    pub choices: &'static [&'static str],
}

const fn col(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    help: &'static str,
) -> Column {
    Column {
        key,
        zh,
        aliases,
        required,
        help,
        choices: &[],
    }
}

const CODE_HELP: &str = "必填；小写字母、数字、- 和 _，1–32 个字符 / required: a-z, 0-9, - and _";
const NAME_HELP: &str = "必填；最多 100 个字符 / required: up to 100 characters";
const LIST_HELP: &str = "多个用逗号或顿号分隔 / several separated by commas";

/// The locales a user's notifications are written in (the users use case's).
pub use crate::reference::users::LOCALES;

const UNITS: &[Column] = &[
    col(
        "unit_code",
        "单位编码",
        &["code", "编码", "承办单位编码"],
        true,
        CODE_HELP,
    ),
    col(
        "name",
        "单位名称",
        &["名称", "承办单位名称", "unit_name"],
        true,
        NAME_HELP,
    ),
];

const GRIDS: &[Column] = &[
    col("grid_code", "网格编码", &["code", "编码"], true, CODE_HELP),
    col("name", "网格名称", &["名称", "grid_name"], true, NAME_HELP),
    col(
        "chain_code",
        "产业链编码",
        &["chain", "产业链"],
        false,
        "园区只有一条产业链时可不填 / may be left blank when the park has one chain",
    ),
];

const POSTS: &[Column] = &[
    col(
        "post_code",
        "岗位编码",
        &["code", "编码", "先锋岗编码"],
        true,
        CODE_HELP,
    ),
    col(
        "name",
        "岗位名称",
        &["名称", "先锋岗名称", "post_name"],
        true,
        NAME_HELP,
    ),
    col(
        "grid_code",
        "网格编码",
        &["grid", "网格", "所属网格"],
        true,
        "必填；本表或系统中已有的网格 / required: a grid of this workbook or already stored",
    ),
];

const ENTERPRISES: &[Column] = &[
    col(
        "name",
        "企业名称",
        &["名称", "enterprise", "enterprise_name"],
        true,
        "必填；无信用代码时按名称更新已有企业 / required: without a credit code, an enterprise of this name is updated",
    ),
    col(
        "credit_code",
        "统一社会信用代码",
        &["信用代码", "社会信用代码", "uscc", "unified_social_credit_code"],
        false,
        "18 位；按代码更新已有企业（可改名），不填则按名称 / 18 characters: the enterprise holding it is updated (renamed too); blank: matched by name",
    ),
    col(
        "grid_code",
        "网格编码",
        &["grid", "网格", "所属网格"],
        true,
        "必填；本表或系统中已有的网格 / required: a grid of this workbook or already stored",
    ),
    col(
        "address",
        "地址",
        &["企业地址"],
        false,
        "最多 200 个字符 / up to 200 characters",
    ),
];

const CATEGORIES: &[Column] = &[
    col(
        "category_code",
        "类别编码",
        &["code", "编码", "问题类别编码"],
        true,
        "必填；同一类别可占多行，每行一个紧急程度 / required: one row per priority is allowed",
    ),
    col(
        "name",
        "类别名称",
        &["名称", "问题类别", "category_name"],
        false,
        "新类别必填 / required for a new category",
    ),
    col(
        "default_unit",
        "默认承办单位",
        &["unit", "承办单位"],
        false,
        "单位编码，可不填 / a unit's code, may be blank",
    ),
    Column {
        key: "priority",
        zh: "紧急程度",
        aliases: &["优先级"],
        required: false,
        help: "不填即全部紧急程度 / blank: every priority",
        choices: Priority::NAMES,
    },
    col(
        "response_minutes",
        "响应时限（分钟）",
        &["响应时限", "响应分钟"],
        false,
        "工作分钟 / working minutes",
    ),
    col(
        "resolve_minutes",
        "办结时限（分钟）",
        &["办结时限", "办结分钟"],
        false,
        "工作分钟，不少于响应时限 / working minutes, not less than the response",
    ),
];

const USERS: &[Column] = &[
    col(
        "login",
        "登录名",
        &["账号", "用户名"],
        true,
        "必填；小写字母开头，字母、数字、-、_、. / required: starts with a-z",
    ),
    col("name", "姓名", &["名称", "user_name"], true, NAME_HELP),
    col(
        "phone",
        "手机",
        &["电话", "手机号", "联系电话"],
        false,
        "如 13812345678 或 +8613812345678 / e.g. 13812345678",
    ),
    col("email", "邮箱", &["电子邮箱", "邮件"], false, "可不填 / may be blank"),
    Column {
        key: "locale",
        zh: "通知语言",
        aliases: &["语言", "language"],
        required: false,
        help: "zh-CN（默认）或 en / zh-CN (the default) or en",
        choices: LOCALES,
    },
    Column {
        key: "roles",
        zh: "角色",
        aliases: &["role"],
        required: false,
        help: LIST_HELP,
        choices: Role::NAMES,
    },
    col("posts", "先锋岗编码", &["岗位", "岗位编码", "post_codes", "先锋岗"], false, LIST_HELP),
    col("units", "承办单位编码", &["单位", "单位编码", "unit_codes", "承办单位"], false, LIST_HELP),
    col("grids", "网格编码", &["网格", "grid_codes"], false, LIST_HELP),
    col(
        "enterprises",
        "企业名称",
        &["企业", "enterprise_names"],
        false,
        "企业联系人所代表的企业；多个用逗号分隔 / for enterprise contacts; several separated by commas",
    ),
];

const VISIT_PLANS: &[Column] = &[
    col(
        "enterprise",
        "企业名称",
        &["企业", "enterprise_name"],
        true,
        "必填；本表或系统中已有的企业 / required: an enterprise of this workbook or stored",
    ),
    col(
        "commissioner",
        "服务专员登录名",
        &["服务专员", "走访人", "commissioner_login"],
        true,
        "必填；具有服务专员角色的用户 / required: a user with the commissioner role",
    ),
    col(
        "cron",
        "走访周期",
        &["周期", "cron表达式"],
        false,
        "crontab 格式，默认 0 9 * * MON（每周一 9 点）/ default 0 9 * * MON",
    ),
    col(
        "time_zone",
        "时区",
        &["timezone"],
        false,
        "默认园区时区，如 Asia/Shanghai / default: the park's",
    ),
    col(
        "window_minutes",
        "走访时长（分钟）",
        &["时长", "走访时长"],
        false,
        "默认 240 / default 240",
    ),
    col(
        "reminder_lead_minutes",
        "提前提醒（分钟）",
        &["提前提醒"],
        false,
        "默认 1440（提前一天）/ default 1440 (a day)",
    ),
];

impl Kind {
    /// In the order they are written.
    pub const ALL: [Kind; 7] = [
        Self::Units,
        Self::Grids,
        Self::Posts,
        Self::Enterprises,
        Self::Categories,
        Self::Users,
        Self::VisitPlans,
    ];

    /// The English key, the template's English sheet name and `--kind`'s value.
    pub fn key(self) -> &'static str {
        match self {
            Self::Units => "units",
            Self::Grids => "grids",
            Self::Posts => "posts",
            Self::Enterprises => "enterprises",
            Self::Categories => "categories",
            Self::Users => "users",
            Self::VisitPlans => "visit_plans",
        }
    }

    /// The Chinese sheet name, the template's.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Units => "承办单位",
            Self::Grids => "网格",
            Self::Posts => "先锋岗",
            Self::Enterprises => "企业",
            Self::Categories => "问题类别",
            Self::Users => "用户",
            Self::VisitPlans => "走访计划",
        }
    }

    /// Other sheet names accepted.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Units => &["单位", "unit"],
            Self::Grids => &["grid"],
            Self::Posts => &["岗位", "post"],
            Self::Enterprises => &["链上企业", "enterprise"],
            Self::Categories => &["类别", "category"],
            Self::Users => &["人员", "user"],
            Self::VisitPlans => &["走访", "plans", "visit_plan"],
        }
    }

    /// The template's sheet name: Chinese with the English key.
    pub fn sheet_name(self) -> String {
        format!("{} ({})", self.zh(), self.key())
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Self::Units => UNITS,
            Self::Grids => GRIDS,
            Self::Posts => POSTS,
            Self::Enterprises => ENTERPRISES,
            Self::Categories => CATEGORIES,
            Self::Users => USERS,
            Self::VisitPlans => VISIT_PLANS,
        }
    }

    /// The kind a sheet's name stands for, if any.
    pub fn of_sheet(name: &str) -> Option<Self> {
        let name = normalise(name);
        Self::ALL.into_iter().find(|k| {
            let both = format!("{}{}", normalise(k.zh()), normalise(k.key()));
            name == normalise(k.key())
                || name == normalise(k.zh())
                || name == both
                || k.aliases().iter().any(|a| name == normalise(a))
        })
    }

    /// `--kind`'s value (`grids`, `网格`, …); anything else is refused naming `field`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ParseError> {
        Self::of_sheet(raw).ok_or(ParseError::new(field, Rule::OneOf { allowed: KEYS }))
    }

    /// The index of the column a header names, if any.
    pub fn column_of(self, header: &str) -> Option<usize> {
        let header = normalise(header);
        if header.is_empty() {
            return None;
        }
        self.columns().iter().position(|c| {
            let both = format!("{}{}", normalise(c.zh), normalise(c.key));
            header == normalise(c.key)
                || header == normalise(c.zh)
                || header == both
                || c.aliases.iter().any(|a| header == normalise(a))
        })
    }

    /// The template's header of column `i`: Chinese with the English key.
    pub fn header(self, i: usize) -> String {
        self.columns()
            .get(i)
            .map(|c| format!("{} ({})", c.zh, c.key))
            .unwrap_or_default()
    }

    /// The kind a header row names (for a .csv without `--kind`): of the kinds whose required
    /// columns are all there, the one with the most columns named; a tie or none gives none.
    pub fn infer(headers: &[String]) -> Option<Self> {
        let mut scored: Vec<(usize, Kind)> = Self::ALL
            .into_iter()
            .filter(|k| {
                k.columns()
                    .iter()
                    .enumerate()
                    .all(|(i, c)| !c.required || headers.iter().any(|h| k.column_of(h) == Some(i)))
            })
            .map(|k| {
                let named = headers.iter().filter(|h| k.column_of(h).is_some()).count();
                (named, k)
            })
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        match scored.as_slice() {
            [(best, kind)] if *best > 0 => Some(*kind),
            [(best, kind), (next, _), ..] if *best > 0 && best > next => Some(*kind),
            _ => None,
        }
    }
}

/// The kinds' keys, for `--kind`'s error.
pub const KEYS: &[&str] = &[
    "units",
    "grids",
    "posts",
    "enterprises",
    "categories",
    "users",
    "visit_plans",
];

/// A role as a cell may name it: its key (`post_member`) or its Chinese name (`先锋岗成员`).
pub fn role(raw: &str) -> Result<Role, ParseError> {
    const ZH: &[(&str, Role)] = &[
        ("先锋岗成员", Role::PostMember),
        ("服务专员", Role::Commissioner),
        ("受理员", Role::Dispatcher),
        ("交办人", Role::Dispatcher),
        ("承办单位人员", Role::UnitMember),
        ("承办单位成员", Role::UnitMember),
        ("承办单位负责人", Role::UnitHead),
        ("督办人员", Role::Supervisor),
        ("督办", Role::Supervisor),
        ("管理员", Role::Admin),
        ("企业联系人", Role::Enterprise),
    ];
    let s = raw.trim();
    match ZH.iter().find(|(zh, _)| *zh == s) {
        Some((_, role)) => Ok(*role),
        None => s.to_ascii_lowercase().parse(),
    }
}

/// A priority as a cell may name it: its key (`urgent`) or its Chinese name (`紧急`).
pub fn priority(raw: &str) -> Result<Priority, ParseError> {
    const ZH: &[(&str, Priority)] = &[
        ("低", Priority::Low),
        ("一般", Priority::Normal),
        ("普通", Priority::Normal),
        ("高", Priority::High),
        ("紧急", Priority::Urgent),
    ];
    let s = raw.trim();
    match ZH.iter().find(|(zh, _)| *zh == s) {
        Some((_, p)) => Ok(*p),
        None => s.to_ascii_lowercase().parse(),
    }
}

/// The entries of a list cell: separated by commas (`,` `，`), enumeration commas (`、`),
/// semicolons or line breaks; blank entries dropped.
pub fn list(raw: &str) -> Vec<&str> {
    raw.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A header or sheet name as compared: lowercase, without spaces, `_`, `-`, brackets (ASCII
/// and full-width), `*` and `:`.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '_' | '-' | '(' | ')' | '（' | '）' | '*' | ':' | '：' | '[' | ']'
                )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_found_in_chinese_in_english_and_as_the_template_writes_it() {
        for header in [
            "网格编码",
            "grid_code",
            "Grid Code",
            "网格编码 (grid_code)",
            "code",
            "GRID-CODE*",
        ] {
            assert_eq!(Kind::Grids.column_of(header), Some(0), "{header}");
        }
        assert_eq!(Kind::Posts.column_of("网格编码"), Some(2));
        assert_eq!(Kind::Users.column_of("手机号"), Some(2));
        assert_eq!(Kind::Categories.column_of("响应时限（分钟）"), Some(4));
        assert_eq!(Kind::Grids.column_of("colour"), None);
        assert_eq!(Kind::Grids.column_of("  "), None);
        for kind in Kind::ALL {
            for i in 0..kind.columns().len() {
                assert_eq!(kind.column_of(&kind.header(i)), Some(i), "{kind:?} {i}");
            }
        }
    }

    #[test]
    fn no_two_columns_of_a_kind_answer_to_the_same_header() {
        for kind in Kind::ALL {
            let mut seen = std::collections::HashMap::new();
            for (i, c) in kind.columns().iter().enumerate() {
                for name in c.aliases.iter().chain([&c.key, &c.zh]) {
                    if let Some(first) = seen.insert(normalise(name), i) {
                        assert_eq!(first, i, "{kind:?}: '{name}' names two columns");
                    }
                }
            }
        }
    }

    #[test]
    fn sheet_names_in_either_language_name_their_kind() {
        assert_eq!(Kind::of_sheet("网格"), Some(Kind::Grids));
        assert_eq!(Kind::of_sheet("Grids"), Some(Kind::Grids));
        assert_eq!(
            Kind::of_sheet("走访计划 (visit_plans)"),
            Some(Kind::VisitPlans)
        );
        assert_eq!(Kind::of_sheet("Visit Plans"), Some(Kind::VisitPlans));
        assert_eq!(Kind::of_sheet("Sheet1"), None);
        for kind in Kind::ALL {
            assert_eq!(Kind::of_sheet(&kind.sheet_name()), Some(kind));
            assert_eq!(Kind::parse("kind", kind.key()), Ok(kind));
        }
        assert!(Kind::parse("kind", "things").is_err());
    }

    #[test]
    fn a_csv_header_names_its_kind_when_it_is_clear() {
        let h = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            Kind::infer(&h(&["岗位编码", "名称", "网格编码"])),
            Some(Kind::Posts)
        );
        assert_eq!(
            Kind::infer(&h(&["login", "name", "roles"])),
            Some(Kind::Users)
        );
        assert_eq!(Kind::infer(&h(&["unit_code", "name"])), Some(Kind::Units));
        // `code, name` fits units and grids alike: say which with --kind.
        assert_eq!(Kind::infer(&h(&["code", "name"])), None);
        assert_eq!(Kind::infer(&h(&["colour"])), None);
    }

    #[test]
    fn roles_priorities_and_lists_read_in_either_language() {
        assert_eq!(role("先锋岗成员"), Ok(Role::PostMember));
        assert_eq!(role(" Admin "), Ok(Role::Admin));
        assert!(role("boss").is_err());
        assert_eq!(priority("紧急"), Ok(Priority::Urgent));
        assert_eq!(priority("low"), Ok(Priority::Low));
        assert_eq!(
            list("p01, p02，p03、 ;p04\n"),
            vec!["p01", "p02", "p03", "p04"]
        );
        assert!(list("  ").is_empty());
    }
}
