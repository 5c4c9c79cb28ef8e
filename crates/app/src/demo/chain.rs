//! The demo park's chain: the aluminium chain's six stages, a stage and a few tags for each of
//! the 120 enterprises (told from the kind of business its name ends with), and a dozen needs
//! and offers, among them the reference case's pair: a rolling mill's offcuts sold at a loss
//! for want of a recycler, and a recycler offering to melt offcuts back into alloy.
//!
//! Written in the park's seeding transaction, so it is there exactly when the park is, and a
//! second `gridloop demo` changes nothing. Logistics and service firms are not a stage of the
//! metal's way; each is put at the stage it mostly serves, so the map and the suggestions have
//! somewhere to draw it.

use std::collections::HashMap;

use chrono::{DateTime, Days, Utc};
use gridloop_core::chain::{ChainPosition, ListingKind, Side, StagePlan, Tags, ValidUntil};
use gridloop_core::{ChainId, Code, EnterpriseId, ListingText, Name, Quantity, Title, UserId};
use gridloop_store::{NewListing, Tx};

use crate::error::SetupError;

/// The stages, upstream first: (code, name).
pub const STAGES: [(&str, &str); 6] = [
    ("smelting", "电解铝"),
    ("alloying", "合金化"),
    ("processing", "铝加工"),
    ("deep", "精深加工"),
    ("recycling", "再生铝"),
    ("application", "应用"),
];

/// By the end of an enterprise's name: its stage's code and its products, materials and
/// capabilities (comma-separated).
const KINDS: [(&str, &str, &str, &str, &str); 30] = [
    ("铝业有限公司", "smelting", "铝锭,铝液", "氧化铝,电力", ""),
    (
        "铝材加工有限公司",
        "processing",
        "铝材,边角料",
        "铝锭",
        "挤压",
    ),
    (
        "铝板带箔有限公司",
        "processing",
        "铝板带,铝箔,边角料",
        "铝锭",
        "轧制",
    ),
    (
        "精密压铸有限公司",
        "deep",
        "压铸件",
        "铝合金锭,adc12",
        "压铸",
    ),
    ("铝合金锻造有限公司", "deep", "锻件", "铝合金棒", "锻造"),
    (
        "铝型材科技有限公司",
        "processing",
        "铝型材,边角料",
        "铝棒",
        "挤压",
    ),
    (
        "门窗幕墙有限公司",
        "application",
        "门窗,幕墙",
        "铝型材",
        "安装",
    ),
    ("模具有限公司", "deep", "挤压模具", "模具钢", "模具设计"),
    ("表面处理有限公司", "deep", "", "铝型材", "阳极氧化,喷涂"),
    (
        "建筑铝型材有限公司",
        "processing",
        "建筑型材,边角料",
        "铝棒",
        "挤压",
    ),
    (
        "再生资源有限公司",
        "recycling",
        "",
        "废铝,边角料",
        "废铝回收",
    ),
    (
        "再生铝业有限公司",
        "recycling",
        "再生铝锭,adc12",
        "废铝,边角料",
        "回收再生",
    ),
    ("环保科技有限公司", "recycling", "", "铝灰", "危废处置"),
    (
        "废旧金属回收有限公司",
        "recycling",
        "",
        "废铝",
        "废铝回收,拆解",
    ),
    (
        "资源综合利用有限公司",
        "recycling",
        "脱氧剂",
        "铝灰,铝渣",
        "铝灰处理",
    ),
    ("物流有限公司", "processing", "", "", "公路运输"),
    (
        "供应链管理有限公司",
        "processing",
        "",
        "",
        "供应链金融,仓储",
    ),
    ("仓储服务有限公司", "processing", "", "", "仓储"),
    (
        "汽车运输有限公司",
        "processing",
        "",
        "",
        "公路运输,危货运输",
    ),
    ("货运代理有限公司", "processing", "", "", "货运代理"),
    ("机电设备有限公司", "deep", "机电设备", "", "设备维修"),
    ("检测技术有限公司", "deep", "", "", "成分检测,力学检测"),
    ("工业气体有限公司", "alloying", "氩气,氮气", "", "供气"),
    ("包装材料有限公司", "application", "包装材料", "", "包装"),
    (
        "人力资源服务有限公司",
        "application",
        "",
        "",
        "劳务派遣,技工培训",
    ),
    (
        "新材料股份有限公司",
        "alloying",
        "高强铝合金",
        "铝锭",
        "合金研发",
    ),
    (
        "轻合金科技有限公司",
        "alloying",
        "铝合金锭,中间合金",
        "铝锭",
        "熔铸",
    ),
    (
        "铝基复合材料有限公司",
        "deep",
        "复合材料",
        "铝合金锭",
        "粉末冶金",
    ),
    (
        "汽车轻量化科技有限公司",
        "application",
        "汽车零部件",
        "压铸件,锻件",
        "轻量化设计",
    ),
    (
        "电子铝材有限公司",
        "application",
        "电子铝材,散热器",
        "铝板带",
        "精密加工",
    ),
];

/// One listing: side, kind, (grid index, enterprise index in the grid), title, text,
/// quantity, tags.
type ListingRow = (
    Side,
    ListingKind,
    (usize, usize),
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The dozen needs and offers. The first two are the reference case's pair.
pub const LISTINGS: [ListingRow; 12] = [
    (
        Side::Need,
        ListingKind::ByproductBuyer,
        (0, 1),
        "寻找铝边角料回收企业",
        "每月产生型材与板材边角料约30吨，目前只能低价外卖，每吨亏损约800元，希望找到就近的再生铝企业回收再生。",
        "每月约30吨",
        "边角料,废铝",
    ),
    (
        Side::Offer,
        ListingKind::Technology,
        (2, 1),
        "边角料回收再生为合金锭",
        "拥有铝边角料回收再生技术，可上门回收，熔炼再生为ADC12等铸造合金锭，返供压铸企业。",
        "每月可处理500吨",
        "边角料,回收再生,adc12",
    ),
    (
        Side::Need,
        ListingKind::Supplier,
        (0, 3),
        "采购ADC12铝合金锭",
        "压铸生产线扩产，需稳定供应ADC12铝合金锭，要求成分检测报告。",
        "每月约200吨",
        "adc12,铝合金锭",
    ),
    (
        Side::Offer,
        ListingKind::Supplier,
        (5, 1),
        "供应铝合金锭与中间合金",
        "自有熔铸线，供应多牌号铝合金锭及中间合金，可按需调整成分。",
        "每月300吨",
        "铝合金锭,中间合金",
    ),
    (
        Side::Need,
        ListingKind::Logistics,
        (0, 0),
        "铝锭运输至成都",
        "每周两批铝锭发往成都，需有资质的公路运输企业。",
        "每周约60吨",
        "铝锭,公路运输",
    ),
    (
        Side::Offer,
        ListingKind::Logistics,
        (3, 0),
        "铝锭、型材公路运输",
        "自有重型货车40辆，承接园区铝锭、型材至川渝各地运输。",
        "",
        "公路运输,铝锭",
    ),
    (
        Side::Need,
        ListingKind::Labour,
        (1, 1),
        "招聘门窗幕墙安装工",
        "承接新项目，需熟练安装工，可提供住宿。",
        "20人",
        "安装,技工",
    ),
    (
        Side::Offer,
        ListingKind::Labour,
        (4, 4),
        "技术工人派遣与培训",
        "提供挤压、压铸、安装等岗位技工派遣，可定向培训。",
        "",
        "劳务派遣,技工培训",
    ),
    (
        Side::Need,
        ListingKind::Capacity,
        (1, 0),
        "外协阳极氧化产能",
        "订单高峰期阳极氧化产能不足，寻求园区内外协。",
        "每月约100吨型材",
        "阳极氧化",
    ),
    (
        Side::Offer,
        ListingKind::Capacity,
        (1, 3),
        "富余阳极氧化与喷涂产能",
        "两条阳极氧化线、一条粉末喷涂线有富余产能，可承接外协。",
        "",
        "阳极氧化,喷涂",
    ),
    (
        Side::Need,
        ListingKind::Technology,
        (2, 2),
        "铝灰无害化处理技术合作",
        "寻求铝灰无害化与资源化处理技术合作方。",
        "",
        "铝灰,危废处置",
    ),
    (
        Side::Offer,
        ListingKind::ByproductBuyer,
        (2, 4),
        "收购铝灰、铝渣",
        "长期收购铝灰、铝渣，用于生产脱氧剂，上门提货。",
        "",
        "铝灰,铝渣",
    ),
];

/// What seeding the chain wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainSeeded {
    pub stages: usize,
    pub positions: usize,
    pub listings: usize,
}

/// The kind an enterprise's name ends with; the longest ending wins (再生铝业有限公司 is not a
/// 铝业有限公司).
fn kind_of(
    name: &str,
) -> Option<&'static (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
)> {
    KINDS
        .iter()
        .filter(|(suffix, ..)| name.ends_with(suffix))
        .max_by_key(|(suffix, ..)| suffix.len())
}

fn tags(field: &'static str, raw: &str) -> Result<Tags, SetupError> {
    Ok(Tags::parse(field, [raw])?)
}

/// How long before the seeding the oldest demo listing was posted; the rest follow three days
/// apart, the newest 24 days before (older than every demo match).
const LISTED_DAYS_AGO: i64 = 42;

/// Writes the stages, the positions of `enterprises` (per grid, in the park's order, with
/// their names) and the listings, posted by `posters` (one commissioner per grid) in the six
/// weeks before `now`.
pub async fn seed(
    tx: &mut Tx,
    chain: ChainId,
    enterprises: &[Vec<(EnterpriseId, String)>],
    posters: &HashMap<usize, UserId>,
    grids: &[gridloop_core::GridId],
    now: DateTime<Utc>,
) -> Result<ChainSeeded, SetupError> {
    let plan = StagePlan::parse(
        STAGES
            .iter()
            .map(|(code, name)| Ok((Code::parse(code)?, Name::parse(name)?)))
            .collect::<Result<Vec<_>, SetupError>>()?,
    )?;
    let stages = tx.set_stages(chain, &plan).await?;
    let mut positions = 0;
    for (id, name) in enterprises.iter().flatten() {
        let Some((_, stage, products, materials, capabilities)) = kind_of(name) else {
            continue;
        };
        let position = ChainPosition {
            stage: stages
                .iter()
                .find(|s| s.code.as_str() == *stage)
                .map(|s| s.id),
            products: tags("products", products)?,
            materials: tags("materials", materials)?,
            capabilities: tags("capabilities", capabilities)?,
        };
        tx.set_position(*id, &position).await?;
        positions += 1;
    }
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let until = today
        .checked_add_days(Days::new(90))
        .ok_or_else(|| SetupError::failed("the demo listings' date", "out of range"))?;
    for (n, (side, kind, (g, i), title, text, quantity, tag_list)) in
        LISTINGS.into_iter().enumerate()
    {
        let (Some((enterprise, _)), Some(grid), Some(poster)) = (
            enterprises.get(g).and_then(|e| e.get(i)),
            grids.get(g),
            posters.get(&g),
        ) else {
            return Err(SetupError::failed("a demo listing", "no such enterprise"));
        };
        tx.post_listing(NewListing {
            side,
            kind,
            enterprise: *enterprise,
            grid: *grid,
            title: Title::parse(title)?,
            text: ListingText::parse(text)?,
            quantity: (!quantity.is_empty())
                .then(|| Quantity::parse(quantity))
                .transpose()?,
            tags: tags("tags", tag_list)?,
            valid_until: ValidUntil::parse(until, today)?,
            posted_by: *poster,
            // Spread over the weeks before the demo's matches (the oldest is 21 days old), so
            // the weekly report's chain section has needs and offers in its trend.
            posted_at: now - chrono::Duration::days(LISTED_DAYS_AGO - 3 * (n as i64 % 7)),
            visit: None,
        })
        .await?;
    }
    Ok(ChainSeeded {
        stages: stages.len(),
        positions,
        listings: LISTINGS.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::park::reference_park;

    #[test]
    fn a_recycler_is_not_taken_for_a_smelter() {
        assert_eq!(
            kind_of("重庆某某再生铝业有限公司").map(|k| k.1),
            Some("recycling")
        );
        assert_eq!(
            kind_of("重庆某某铝业有限公司").map(|k| k.1),
            Some("smelting")
        );
    }

    #[test]
    fn every_demo_enterprise_has_a_kind_with_a_stage() {
        let park = reference_park();
        for grid in &park.grids {
            for e in &grid.enterprises {
                let (_, stage, ..) =
                    kind_of(&e.name).unwrap_or_else(|| panic!("no kind for {}", e.name));
                assert!(STAGES.iter().any(|(code, _)| code == stage), "{stage}");
            }
        }
    }
}
