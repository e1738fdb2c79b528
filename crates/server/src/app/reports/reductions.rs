//! Fee reductions (核减) for systems not served on some days of the period, per contract.
//!
//! Seed 004 九-3 (004_78531836804d5cc0.txt L28733–28735): "对于因项目升级、关停或运维主体调整导致
//! 不再产生运维需求的项目，乙方对应服务费用应按实际情况予以核减". The reading here — pro rata by the
//! days of the period outside the system's service dates, `fee_fen × days / days of the year`
//! with `fee_fen` the system's yearly fee — is ours, not the text's: a person should confirm it.
//! See [`crate::app::catalog::service`] for the dates and the example.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::catalog::service::ServiceDates;
use crate::db::entities::systems;

/// The label every reduction carries, saying it is a reading.
pub const READING: &str = "按运维服务起止日期外的天数折算（九-3“按实际情况予以核减”的解读，待人工确认）";

/// One system's reduction over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceReduction {
    /// System code.
    pub system: String,
    /// The first day served, if the catalogue gives one.
    pub service_start: Option<String>,
    /// The last day served, if the catalogue gives one.
    pub service_end: Option<String>,
    /// Days of the period the system was not served.
    pub days_outside: i64,
    /// The system's yearly fee, fen, if the catalogue gives one.
    pub fee_fen: Option<i64>,
    /// `fee_fen × days_outside / days of the year`, fen; none without a fee.
    pub reduction_fen: Option<i64>,
    /// How it was computed, and that it is a reading to confirm.
    pub note: String,
}

/// The reductions of `system_ids` over `[from, to)`: one per system not served on some day of
/// it, by code.
pub async fn of(
    db: &impl ConnectionTrait,
    system_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ServiceReduction>, DbErr> {
    let mut out = Vec::new();
    for s in systems::Entity::find()
        .filter(systems::Column::Id.is_in(system_ids.to_vec()))
        .all(db)
        .await?
    {
        let dates = ServiceDates::of(s.profile.as_ref());
        let days_outside = dates.days_outside(from, to);
        if days_outside == 0 {
            continue;
        }
        let reduction = dates.reduction(from, to);
        let text = |k: &str| {
            s.profile
                .as_ref()
                .and_then(|p| p.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let note = match (dates.fee_fen, reduction) {
            (Some(fee), Some((_, fen))) => format!(
                "{READING}：年服务费 {} × {days_outside} 天 / 全年天数 = {}",
                contract_terms::format_yuan(fee),
                contract_terms::format_yuan(fen)
            ),
            _ => format!("{READING}：目录未给出该系统的服务费（fee_fen），无法计算核减金额"),
        };
        out.push(ServiceReduction {
            system: s.code,
            service_start: text("service_start"),
            service_end: text("service_end"),
            days_outside,
            fee_fen: dates.fee_fen,
            reduction_fen: reduction.map(|(_, fen)| fen),
            note,
        });
    }
    out.sort_by(|a, b| a.system.cmp(&b.system));
    Ok(out)
}
