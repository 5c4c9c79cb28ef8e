//! The reference park that `gridloop demo` seeds, as plain data.
//!
//! This is the aluminium industry chain of the design's reference case: one industrial park in a
//! district of Chongqing, cut into 6 grids, walked by 78 vanguard posts (党员先锋岗), holding
//! 120 enterprises, served by 7 handling units, with 10 problem categories and their deadlines.
//! It is deliberately free of I/O and database types so that the seeding code, tests and docs
//! can all share one deterministic description (no randomness: every run seeds the same park).
//! The place, company and person names are fictional; phones and e-mail domains are reserved-
//! looking so that demo notifications can never reach a real person.

/// The whole reference park: what `gridloop demo` writes into an empty database.
#[derive(Debug, Clone)]
pub struct Park {
    /// The industry chain at the top of the organisation.
    pub chain: Named,
    /// The grids, each with its posts and enterprises.
    pub grids: Vec<GridSpec>,
    /// The handling units (承办单位).
    pub units: Vec<UnitSpec>,
    /// The problem categories with their default unit and SLA.
    pub categories: Vec<CategorySpec>,
    /// The demo accounts, one per role and per post/unit.
    pub users: Vec<UserSpec>,
}

/// A thing identified by a stable code (used by references and logins) and shown by its name.
#[derive(Debug, Clone)]
pub struct Named {
    /// Stable, ASCII identifier; other specs refer to it.
    pub code: String,
    /// Display name in Chinese, as users see it.
    pub name: String,
}

/// One grid (网格): an area of the park, with the posts responsible for it and its enterprises.
#[derive(Debug, Clone)]
pub struct GridSpec {
    /// Stable code, `g1`…`g6`.
    pub code: String,
    /// Display name, e.g. `第一网格（铝材加工区）`.
    pub name: String,
    /// The vanguard posts that walk this grid (codes `p01`…`p78` across the park).
    pub posts: Vec<Named>,
    /// The enterprises located in this grid.
    pub enterprises: Vec<EnterpriseSpec>,
}

/// One enterprise (链上企业): the subject of issues and weekly visits.
#[derive(Debug, Clone)]
pub struct EnterpriseSpec {
    /// Registered company name; unique across the park, so it can serve as a natural key.
    pub name: String,
    /// Street address inside the park.
    pub address: String,
    /// Its unified social credit code (统一社会信用代码): see [`credit_code`].
    pub credit_code: String,
}

/// One handling unit (承办单位): a department, the town, the platform company or a utility.
#[derive(Debug, Clone)]
pub struct UnitSpec {
    /// Stable code, e.g. `power`; also the login of the unit's demo member.
    pub code: String,
    /// Official-looking Chinese name.
    pub name: String,
}

/// One problem category (问题类别) with the unit it goes to by default and its SLA (办理时限).
#[derive(Debug, Clone)]
pub struct CategorySpec {
    /// Stable code, e.g. `roads`.
    pub code: String,
    /// Chinese display name, e.g. `道路交通`.
    pub name: String,
    /// Code of the unit the dispatcher assigns to unless told otherwise.
    pub default_unit: String,
    /// Per priority, in the order `low`, `normal`, `high`, `urgent`:
    /// `(priority, response working minutes, resolve working minutes)`.
    /// Working minutes count on the working calendar (a default day is 450 minutes:
    /// 09:00–12:00 and 13:30–18:00), so deadlines skip nights, weekends and holidays.
    pub slas: [(&'static str, u32, u32); 4],
}

/// One demo account.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Login name, ASCII.
    pub login: String,
    /// Display name (a Chinese personal name, or a role title for the office accounts).
    pub name: String,
    /// Mobile number in E.164, unique, for the SMS channel.
    pub phone: String,
    /// E-mail address under a reserved example domain, for the e-mail channel.
    pub email: String,
    /// Roles: `post_member`, `commissioner`, `dispatcher`, `unit_member`, `unit_head`,
    /// `supervisor`, `admin`.
    pub roles: Vec<&'static str>,
    /// Code of the post the user belongs to (post members).
    pub post: Option<String>,
    /// Code of the unit the user belongs to (unit members and heads).
    pub unit: Option<String>,
    /// Codes of the grids whose enterprises the user visits (commissioners).
    pub grids: Vec<String>,
}

/// Chinese numerals 1–13, for grid and post-team names.
const CN_NUM: [&str; 13] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三",
];

/// Fictional park name used in addresses and in the town/platform names.
const PARK: &str = "金桥工业园区";

/// Number of posts per grid (6 × 13 = 78, the reference case's count).
const POSTS_PER_GRID: usize = 13;
/// Number of enterprises per grid (6 × 20 = 120, "about 100" in the reference case).
const ENTERPRISES_PER_GRID: usize = 20;
/// Commissioners per grid.
const COMMISSIONERS_PER_GRID: usize = 2;

/// The zones of the park, one per grid: zone name, the two roads it sits on, and the kinds of
/// business found there (company-name suffixes).
const ZONES: [(&str, [&str; 2], [&str; 5]); 6] = [
    (
        "铝材加工区",
        ["铝城大道", "冶金路"],
        [
            "铝业有限公司",
            "铝材加工有限公司",
            "铝板带箔有限公司",
            "精密压铸有限公司",
            "铝合金锻造有限公司",
        ],
    ),
    (
        "铝型材产业园",
        ["型材路", "幕墙路"],
        [
            "铝型材科技有限公司",
            "门窗幕墙有限公司",
            "模具有限公司",
            "表面处理有限公司",
            "建筑铝型材有限公司",
        ],
    ),
    (
        "再生铝循环区",
        ["循环路", "绿源路"],
        [
            "再生资源有限公司",
            "再生铝业有限公司",
            "环保科技有限公司",
            "废旧金属回收有限公司",
            "资源综合利用有限公司",
        ],
    ),
    (
        "物流仓储区",
        ["物流大道", "港湾路"],
        [
            "物流有限公司",
            "供应链管理有限公司",
            "仓储服务有限公司",
            "汽车运输有限公司",
            "货运代理有限公司",
        ],
    ),
    (
        "配套服务区",
        ["创业路", "配套路"],
        [
            "机电设备有限公司",
            "检测技术有限公司",
            "工业气体有限公司",
            "包装材料有限公司",
            "人力资源服务有限公司",
        ],
    ),
    (
        "新材料研发区",
        ["科创大道", "新材路"],
        [
            "新材料股份有限公司",
            "轻合金科技有限公司",
            "铝基复合材料有限公司",
            "汽车轻量化科技有限公司",
            "电子铝材有限公司",
        ],
    ),
];

/// First and second characters of company trade names (字号). 12 × 10 = 120 distinct pairs,
/// one per enterprise, which is what makes every company name unique.
const BRAND_FIRST: [&str; 12] = [
    "鑫", "恒", "华", "宏", "永", "金", "瑞", "泰", "隆", "德", "兴", "嘉",
];
const BRAND_SECOND: [&str; 10] = ["达", "盛", "源", "诚", "丰", "信", "通", "利", "昌", "晟"];

/// Surnames (common ones, with 冉 and 谭 for a Chongqing flavour). 23 entries.
const SURNAMES: [&str; 23] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "高", "谢", "唐", "冉", "谭",
];
/// Given names. 29 entries: coprime with the 23 surnames, so the first 23 × 29 = 667 people
/// all get distinct full names (Chinese remainder theorem).
const GIVEN_NAMES: [&str; 29] = [
    "建华", "晓红", "志强", "丽娟", "国平", "海燕", "德明", "秀英", "永红", "俊杰", "静", "伟",
    "敏", "磊", "芳", "婷", "洪", "勇", "军", "霞", "春梅", "家豪", "思远", "雨欣", "文斌", "小龙",
    "明亮", "红梅", "玉兰",
];

/// The handling units: code and name.
const UNITS: [(&str, &str); 7] = [
    ("econ", "区经济和信息化委员会"),
    ("market", "区市场监督管理局"),
    ("town", "金桥镇人民政府"),
    ("platform", "金桥工业园区开发建设有限公司"),
    ("power", "国网重庆市电力公司金桥供电分公司"),
    ("tax", "区税务局"),
    ("transport", "区交通运输委员会"),
];

/// One row of [`CATEGORIES`]: code, name, default unit code, (response, resolve) per priority.
type CategoryRow = (&'static str, &'static str, &'static str, [(u32, u32); 4]);

/// The problem categories: code, name, default unit, SLAs (low, normal, high, urgent) as
/// (response, resolve) working minutes. One working day is 450 minutes.
/// Power and roads are the fastest (production stops, lorries cannot pass); land and permits
/// the slowest (they go through approval procedures).
const CATEGORIES: [CategoryRow; 10] = [
    (
        "roads",
        "道路交通",
        "transport",
        [(450, 4500), (240, 2250), (60, 900), (30, 450)],
    ),
    (
        "power",
        "电力供应",
        "power",
        [(240, 2250), (120, 1350), (60, 450), (15, 240)],
    ),
    (
        "commute",
        "员工通勤",
        "transport",
        [(450, 4500), (240, 2250), (120, 1350), (30, 450)],
    ),
    (
        "logistics",
        "物流运输",
        "transport",
        [(450, 4500), (240, 2250), (120, 900), (30, 450)],
    ),
    (
        "land",
        "用地与审批",
        "platform",
        [(900, 13500), (450, 9000), (240, 4500), (60, 2250)],
    ),
    (
        "finance",
        "融资服务",
        "econ",
        [(900, 9000), (450, 4500), (240, 2250), (60, 900)],
    ),
    (
        "policy",
        "政策咨询",
        "econ",
        [(900, 4500), (450, 2250), (240, 1350), (60, 450)],
    ),
    (
        "matching",
        "供需对接",
        "econ",
        [(900, 6750), (450, 4500), (240, 2250), (60, 900)],
    ),
    (
        "labour",
        "用工招聘",
        "town",
        [(900, 6750), (450, 4500), (240, 2250), (60, 900)],
    ),
    (
        "environment",
        "环境保护",
        "town",
        [(450, 4500), (240, 2250), (60, 900), (30, 450)],
    ),
];

/// Priority names, in the order the SLA arrays use.
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The `n`-th (0-based) demo person's full name; distinct for every `n < 667`.
fn person_name(n: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        GIVEN_NAMES[(7 * n) % GIVEN_NAMES.len()]
    )
}

/// The `k`-th (0-based) enterprise's trade name; distinct for every `k < 120`.
/// `k = 12q + a` maps to `(a, (3q + a) mod 10)`, a bijection because 3 is invertible mod 10;
/// this mixes the characters more than a plain row-by-row walk would.
fn brand(k: usize) -> String {
    let a = k % BRAND_FIRST.len();
    let q = k / BRAND_FIRST.len();
    let b = (3 * q + a) % BRAND_SECOND.len();
    format!("{}{}", BRAND_FIRST[a], BRAND_SECOND[b])
}

/// The `k`-th enterprise's unified social credit code: a company (`91`) registered in
/// Chongqing's Yongchuan district (`500118`), an organisation code of the shape the registers
/// hand out since 2015 (`MA5U…`) made unique by `k`, and the check character GB 32100-2015
/// computes. Plausible, valid, and none a real company's (as far as a demo can tell).
fn credit_code(k: usize) -> String {
    let body = format!("91500118MA5U{:04}{}", 3000 + 37 * k, k % 10);
    gridloop_core::CreditCode::with_check_character(&body)
        .map(String::from)
        .unwrap_or(body)
}

/// Builds a demo user; the phone is derived from a running sequence number so it is unique.
fn user(
    seq: &mut u64,
    login: &str,
    name: String,
    roles: Vec<&'static str>,
    post: Option<String>,
    unit: Option<String>,
    grids: Vec<String>,
) -> UserSpec {
    *seq += 1;
    UserSpec {
        login: login.to_string(),
        name,
        phone: format!("+86{}", 13_800_000_000u64 + *seq),
        email: format!("{login}@demo.gridloop.example"),
        roles,
        post,
        unit,
        grids,
    }
}

/// The reference park, always the same.
pub fn reference_park() -> Park {
    let grids: Vec<GridSpec> = ZONES
        .iter()
        .enumerate()
        .map(|(g, (zone, roads, kinds))| GridSpec {
            code: format!("g{}", g + 1),
            name: format!("第{}网格（{}）", CN_NUM[g], zone),
            posts: (0..POSTS_PER_GRID)
                .map(|i| Named {
                    code: format!("p{:02}", g * POSTS_PER_GRID + i + 1),
                    name: format!("{}党员先锋岗·{}组", zone, CN_NUM[i]),
                })
                .collect(),
            enterprises: (0..ENTERPRISES_PER_GRID)
                .map(|i| {
                    let k = g * ENTERPRISES_PER_GRID + i;
                    let prefix = if i % 3 == 0 { "重庆" } else { "" };
                    EnterpriseSpec {
                        name: format!("{prefix}{}{}", brand(k), kinds[i % kinds.len()]),
                        address: format!("{PARK}{}{}号", roads[i % 2], 8 + (i / 2) * 6),
                        credit_code: credit_code(k),
                    }
                })
                .collect(),
        })
        .collect();

    let units: Vec<UnitSpec> = UNITS
        .iter()
        .map(|(code, name)| UnitSpec {
            code: code.to_string(),
            name: name.to_string(),
        })
        .collect();

    let categories: Vec<CategorySpec> = CATEGORIES
        .iter()
        .map(|(code, name, unit, slas)| CategorySpec {
            code: code.to_string(),
            name: name.to_string(),
            default_unit: unit.to_string(),
            slas: std::array::from_fn(|i| (PRIORITIES[i], slas[i].0, slas[i].1)),
        })
        .collect();

    let mut seq = 0u64;
    let mut person = 0usize;
    let mut next_person = || {
        let n = person_name(person);
        person += 1;
        n
    };
    let mut users = vec![
        user(
            &mut seq,
            "dispatch",
            "链办交办员".to_string(),
            vec!["dispatcher"],
            None,
            None,
            vec![],
        ),
        user(
            &mut seq,
            "lead",
            "链长办负责人".to_string(),
            vec!["supervisor"],
            None,
            None,
            vec![],
        ),
        user(
            &mut seq,
            "admin",
            "系统管理员".to_string(),
            vec!["admin"],
            None,
            None,
            vec![],
        ),
    ];
    for grid in &grids {
        for post in &grid.posts {
            let login = format!("post{}", &post.code[1..]);
            users.push(user(
                &mut seq,
                &login,
                next_person(),
                vec!["post_member"],
                Some(post.code.clone()),
                None,
                vec![],
            ));
        }
    }
    for (g, grid) in grids.iter().enumerate() {
        for c in 0..COMMISSIONERS_PER_GRID {
            let login = format!("comm{:02}", g * COMMISSIONERS_PER_GRID + c + 1);
            users.push(user(
                &mut seq,
                &login,
                next_person(),
                vec!["commissioner"],
                None,
                None,
                vec![grid.code.clone()],
            ));
        }
    }
    for unit in &units {
        users.push(user(
            &mut seq,
            &unit.code,
            next_person(),
            vec!["unit_member"],
            None,
            Some(unit.code.clone()),
            vec![],
        ));
        users.push(user(
            &mut seq,
            &format!("{}-head", unit.code),
            next_person(),
            vec!["unit_head"],
            None,
            Some(unit.code.clone()),
            vec![],
        ));
    }

    Park {
        chain: Named {
            code: "aluminium".to_string(),
            name: "铝产业链".to_string(),
        },
        grids,
        units,
        categories,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Asserts that every item is distinct, naming the first duplicate.
    fn assert_unique<'a>(what: &str, items: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for item in items {
            assert!(seen.insert(item), "duplicate {what}: {item}");
        }
    }

    #[test]
    fn counts_match_the_reference_case() {
        let park = reference_park();
        assert_eq!(park.chain.code, "aluminium");
        assert_eq!(park.grids.len(), 6);
        assert_eq!(park.grids.iter().map(|g| g.posts.len()).sum::<usize>(), 78);
        assert!(park.grids.iter().all(|g| g.posts.len() == 13));
        assert_eq!(
            park.grids
                .iter()
                .map(|g| g.enterprises.len())
                .sum::<usize>(),
            120
        );
        assert!(park.grids.iter().all(|g| g.enterprises.len() == 20));
        assert_eq!(park.units.len(), 7);
        assert_eq!(park.categories.len(), 10);
        assert_eq!(park.users.len(), 3 + 78 + 12 + 14);
    }

    #[test]
    fn codes_follow_the_documented_scheme() {
        let park = reference_park();
        for (g, grid) in park.grids.iter().enumerate() {
            assert_eq!(grid.code, format!("g{}", g + 1));
            for (i, post) in grid.posts.iter().enumerate() {
                assert_eq!(post.code, format!("p{:02}", g * 13 + i + 1));
            }
        }
        let logins: Vec<&str> = park.users.iter().map(|u| u.login.as_str()).collect();
        for login in [
            "dispatch", "lead", "admin", "post01", "post78", "comm01", "comm12",
        ] {
            assert!(logins.contains(&login), "missing login {login}");
        }
        for unit in &park.units {
            assert!(logins.contains(&unit.code.as_str()));
            assert!(logins.contains(&format!("{}-head", unit.code).as_str()));
        }
    }

    #[test]
    fn everything_is_unique() {
        let park = reference_park();
        assert_unique("grid code", park.grids.iter().map(|g| g.code.as_str()));
        assert_unique("grid name", park.grids.iter().map(|g| g.name.as_str()));
        let posts = || park.grids.iter().flat_map(|g| &g.posts);
        assert_unique("post code", posts().map(|p| p.code.as_str()));
        assert_unique("post name", posts().map(|p| p.name.as_str()));
        let enterprises = || park.grids.iter().flat_map(|g| &g.enterprises);
        assert_unique("enterprise name", enterprises().map(|e| e.name.as_str()));
        assert_unique(
            "enterprise address",
            enterprises().map(|e| e.address.as_str()),
        );
        assert_unique(
            "enterprise credit code",
            enterprises().map(|e| e.credit_code.as_str()),
        );
        for e in enterprises() {
            let code = gridloop_core::CreditCode::parse(&e.credit_code);
            assert_eq!(
                code.map(String::from).as_deref(),
                Ok(e.credit_code.as_str())
            );
        }
        assert_unique("unit code", park.units.iter().map(|u| u.code.as_str()));
        assert_unique("unit name", park.units.iter().map(|u| u.name.as_str()));
        assert_unique(
            "category code",
            park.categories.iter().map(|c| c.code.as_str()),
        );
        assert_unique(
            "category name",
            park.categories.iter().map(|c| c.name.as_str()),
        );
        assert_unique("login", park.users.iter().map(|u| u.login.as_str()));
        assert_unique("user name", park.users.iter().map(|u| u.name.as_str()));
        assert_unique("phone", park.users.iter().map(|u| u.phone.as_str()));
        assert_unique("email", park.users.iter().map(|u| u.email.as_str()));
    }

    #[test]
    fn contact_details_are_well_formed() {
        for u in reference_park().users {
            assert!(u.phone.starts_with("+86138000"), "{}", u.phone);
            assert_eq!(u.phone.len(), 14, "{}", u.phone);
            assert!(u.phone[1..].bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(u.email, format!("{}@demo.gridloop.example", u.login));
            assert!(!u.roles.is_empty());
        }
    }

    #[test]
    fn references_resolve() {
        let park = reference_park();
        let grids: HashSet<&str> = park.grids.iter().map(|g| g.code.as_str()).collect();
        let posts: HashSet<&str> = park
            .grids
            .iter()
            .flat_map(|g| &g.posts)
            .map(|p| p.code.as_str())
            .collect();
        let units: HashSet<&str> = park.units.iter().map(|u| u.code.as_str()).collect();
        for c in &park.categories {
            assert!(units.contains(c.default_unit.as_str()), "{}", c.code);
        }
        let known_roles = [
            "post_member",
            "commissioner",
            "dispatcher",
            "unit_member",
            "unit_head",
            "supervisor",
            "admin",
        ];
        for u in &park.users {
            for role in &u.roles {
                assert!(known_roles.contains(role), "{}: {role}", u.login);
            }
            if let Some(p) = &u.post {
                assert!(posts.contains(p.as_str()), "{}", u.login);
            }
            if let Some(un) = &u.unit {
                assert!(units.contains(un.as_str()), "{}", u.login);
            }
            for g in &u.grids {
                assert!(grids.contains(g.as_str()), "{}", u.login);
            }
            let has = |r: &str| u.roles.contains(&r);
            assert_eq!(has("post_member"), u.post.is_some(), "{}", u.login);
            assert_eq!(
                has("unit_member") || has("unit_head"),
                u.unit.is_some(),
                "{}",
                u.login
            );
            assert_eq!(has("commissioner"), !u.grids.is_empty(), "{}", u.login);
        }
        // every post has a member, every grid two commissioners, every unit a member and a head
        for p in &posts {
            assert!(park.users.iter().any(|u| u.post.as_deref() == Some(*p)));
        }
        for g in &grids {
            let n = park
                .users
                .iter()
                .filter(|u| u.grids.iter().any(|x| x == g))
                .count();
            assert_eq!(n, 2, "{g}");
        }
        for un in &units {
            for role in ["unit_member", "unit_head"] {
                assert!(park
                    .users
                    .iter()
                    .any(|u| u.unit.as_deref() == Some(*un) && u.roles.contains(&role)));
            }
        }
    }

    #[test]
    fn slas_are_consistent() {
        for c in reference_park().categories {
            let mut prev: Option<(u32, u32)> = None;
            for (i, (priority, respond, resolve)) in c.slas.iter().enumerate() {
                assert_eq!(*priority, PRIORITIES[i], "{}", c.code);
                assert!(*respond > 0 && respond <= resolve, "{} {priority}", c.code);
                if let Some((pr, ps)) = prev {
                    assert!(*respond <= pr && *resolve <= ps, "{} {priority}", c.code);
                }
                prev = Some((*respond, *resolve));
            }
        }
    }

    #[test]
    fn name_generators_stay_unique() {
        // The uniqueness arguments rely on these sizes.
        assert_eq!(BRAND_FIRST.len() * BRAND_SECOND.len(), 120);
        assert_unique(
            "brand char",
            BRAND_FIRST.iter().chain(&BRAND_SECOND).copied(),
        );
        assert_unique("surname", SURNAMES.iter().copied());
        assert_unique("given name", GIVEN_NAMES.iter().copied());
        let names: Vec<String> = (0..SURNAMES.len() * GIVEN_NAMES.len())
            .map(person_name)
            .collect();
        assert_unique("person", names.iter().map(String::as_str));
    }
}
