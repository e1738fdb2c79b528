//! Spare parts (备品备件, issue 30 part B) on the pages: `/spares` (a contract's lines with their
//! stock, the warehouse's movements and, for the vendor keeping it, the form that records one)
//! and `/spares/settlement` (the settlement by actual use of a period, the inventory and the
//! supervisor's confirmation). Every page calls [`crate::app::spares`] only.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use serde_json::json;

use super::i18n::Lang;
use super::{Fields, PageRoute, Viewer, WebResult, at_get, at_post, field, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::permissions::{self, Action};
use crate::app::spares::ledger::{self, LedgerQuery};
use crate::app::spares::movements::{self, MovementQuery, NewMovement};
use crate::app::spares::replacements::{self, DecideBody, NewReplacement, RecordBody};
use crate::app::spares::settlement::{self, ConfirmBody, SettlementQuery};
use crate::app::spares::warranty::{self, NewWarrantyRepair, StepBody};
use crate::app::spares::{self, catalogue, on_ticket};
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("spares", "备品备件", "Spare parts"),
    (
        "hint",
        "备品备件按合同清单管理：清单载明的数量为合同结算上限，按实际发生数量据实结算；库房由服务商管理，入库、领用出库（须注明工单）和退回入库均留痕。单价以中标人投标报价为准，录入前为空。",
        "Spares follow the contract's list: each line's quantity caps what the contract pays for, and the vendor is paid for what it actually used. The vendor keeps the warehouse and records every receipt, issue to a ticket and return. Unit prices come from the vendor's bid and stay blank until entered.",
    ),
    ("contract", "合同", "Contract"),
    ("show", "查看", "Show"),
    ("none", "暂无备品备件清单", "No spares list"),
    ("code", "编号", "Code"),
    ("seq", "序号", "No."),
    ("name", "名称", "Name"),
    ("spec", "参数（首项）", "Specification (first item)"),
    ("unit", "单位", "Unit"),
    ("cap", "数量上限", "Cap"),
    ("year", "使用年份", "Year"),
    ("price", "单价（元）", "Unit price (yuan)"),
    ("no_price", "未录入", "not entered"),
    ("received", "累计入库", "Received"),
    ("used", "实际使用", "Used"),
    ("stock", "库存", "In stock"),
    ("remaining", "剩余额度", "Cap remaining"),
    ("movements", "出入库记录", "Movements"),
    ("no_movements", "暂无出入库记录", "No movements"),
    ("kind", "类型", "Kind"),
    ("quantity", "数量", "Quantity"),
    ("ticket", "工单", "Ticket"),
    ("note", "说明", "Note"),
    ("by", "经办人", "By"),
    ("at", "时间", "When"),
    ("record", "登记出入库", "Record a movement"),
    ("kind_in", "入库", "Received"),
    ("kind_out", "领用出库", "Out to a ticket"),
    ("kind_returned", "退回入库", "Returned"),
    ("settlement", "据实结算", "Settlement by actual use"),
    (
        "period",
        "期间（如 2026-11、2026-Q4、2026）",
        "Period (2026-11, 2026-Q4, 2026)",
    ),
    ("amount", "金额（元）", "Amount (yuan)"),
    ("used_to_date", "累计使用", "Used to date"),
    ("total", "合计（元）", "Total (yuan)"),
    (
        "unpriced",
        "以下条目有使用但未录入单价，合计未含：",
        "Used but not priced, left out of the total:",
    ),
    ("inventory", "备品备件库存清单", "Spares inventory"),
    ("confirm", "监理确认库存清单", "Confirm the inventory (supervisor)"),
    ("confirmations", "确认记录", "Confirmations"),
    (
        "no_confirmations",
        "监理尚未确认",
        "Not confirmed by the supervisor yet",
    ),
    ("confirmed_by", "确认人", "Confirmed by"),
    ("ledger", "拆除设备台账", "Removed-device ledger"),
    (
        "ledger_hint",
        "拆除更换后的设备由服务商妥善保管并形成台账（设备名称、拆除原因、位置、使用年限），与备品备件维修记录同时作为结算依据。",
        "Devices removed are kept by the vendor and entered in the ledger (name, reason, location, age), the settlement's basis with the spares records.",
    ),
    ("no_ledger", "暂无拆除设备", "No device removed"),
    ("device", "设备编号", "Device"),
    ("device_name", "设备名称", "Device name"),
    ("reason", "拆除原因", "Reason for removal"),
    ("location", "位置", "Location"),
    ("system", "系统", "System"),
    ("installed_on", "安装日期", "Installed on"),
    ("removed_on", "拆除日期", "Removed on"),
    ("age", "使用年限", "Age"),
    ("replacements", "设备更换", "Device replacements"),
    (
        "replace_hint",
        "设备无法维修需拆除更换的，须经采购人和监理单位共同确认同意后方可更换；任一方不同意即关闭申请。等待审批期间修复计时不暂停。",
        "A device that cannot be repaired is replaced only once the buyer and the supervisor both approved; a refusal by either closes the request. The repair clock does not pause while approval is awaited.",
    ),
    ("request", "申请更换", "Ask for a replacement"),
    ("state", "状态", "State"),
    ("buyer", "采购人", "Buyer"),
    ("supervisor", "监理", "Supervisor"),
    ("awaiting", "待审批", "Awaiting"),
    ("approve", "同意更换", "Approve"),
    ("refuse", "不同意更换", "Refuse"),
    ("refuse_reason", "不同意的原因（必填）", "Why (required)"),
    ("record_replace", "登记已更换", "Record the replacement"),
    ("new_device", "新设备编号（可选）", "New device code (optional)"),
    ("spare_used", "所用备件", "Spare used"),
    ("ticket_spares", "本工单备件使用", "Spares used on this ticket"),
    ("warranty", "原厂保修维修", "OEM warranty repairs"),
    (
        "warranty_hint",
        "在原厂质保期内的设备，由中标人协调并监督原厂维修与备件更换；送修、返回、验收逐步登记。登记不改变任何时限。",
        "A device under the manufacturer's warranty is repaired by the OEM, which the vendor coordinates and supervises; sent, returned and accepted are recorded step by step. Recording changes no clock.",
    ),
    ("oem", "原厂", "OEM"),
    (
        "oem_hint",
        "留空则取设备的保修方",
        "Empty: the device's warranty provider",
    ),
    ("reference", "原厂工单号", "OEM case number"),
    ("sent", "送修", "Sent"),
    ("returned", "返回", "Returned"),
    ("accepted", "验收", "Accepted"),
    ("send", "登记送修", "Record as sent"),
    ("mark_returned", "登记返回", "Record as returned"),
    ("mark_accepted", "登记验收", "Record as accepted"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// The page routes.
pub(super) fn routes() -> Vec<PageRoute> {
    vec![
        at_get("/spares", page),
        at_post("/spares/movements", record),
        at_get("/spares/settlement", settlement_page),
        at_post("/spares/inventory/confirm", confirm),
        at_get("/spares/ledger", ledger_page),
        at_post(
            "/tickets/{number}/replacements",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(n): Path<String>, f: Fields| {
                request(s, v, from, n, f.0)
            },
        ),
        at_post(
            "/tickets/{number}/warranty-repairs",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(n): Path<String>, f: Fields| {
                warranty_send(s, v, from, n, f.0)
            },
        ),
        at_post(
            "/warranty-repairs/{id}/returned",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                warranty_step(s, v, from, id, "returned", f.0)
            },
        ),
        at_post(
            "/warranty-repairs/{id}/accepted",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                warranty_step(s, v, from, id, "accepted", f.0)
            },
        ),
        at_post(
            "/replacements/{id}/approve",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                act(s, v, from, id, "approve", f.0)
            },
        ),
        at_post(
            "/replacements/{id}/refuse",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                act(s, v, from, id, "refuse", f.0)
            },
        ),
        at_post(
            "/replacements/{id}/record",
            |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                act(s, v, from, id, "record", f.0)
            },
        ),
    ]
}

/// The ticket page's spares section for `v` (`None`: the reader reads no spares), with its words.
pub(super) async fn ticket_section(
    state: &AppState,
    v: &Viewer,
    number: &str,
) -> Result<Option<serde_json::Value>, AppError> {
    let Some(s) = on_ticket::section(state, &v.p, number).await? else {
        return Ok(None);
    };
    let zh = v.lang == Lang::Zh;
    let replacements: Vec<serde_json::Value> = s
        .replacements
        .iter()
        .map(|x| json!({"r": x.r, "acts": x.acts, "state": if zh { x.r.state_label.clone() } else { x.r.state.clone() }}))
        .collect();
    // The OEM warranty repairs, with the next step for whoever works the ticket.
    let worker = replacements::worker_ticket(&state.db, &v.p, number).await.is_ok();
    let warranty: Vec<serde_json::Value> = warranty::of_ticket(state, &v.p, number)
        .await?
        .into_iter()
        .map(|w| {
            let next = match (worker, w.state.as_str()) {
                (true, "sent") => Some("returned"),
                (true, "returned") => Some("accepted"),
                _ => None,
            };
            json!({"w": w, "next": next, "state": if zh { w.state_label.clone() } else { w.state.clone() }})
        })
        .collect();
    Ok(Some(json!({
        "warranty": warranty,
        "may_send_warranty": worker,
        "replacements": replacements,
        "moves": s.movements.iter().map(|m| json!({"m": m, "kind": if zh { m.kind_label.clone() } else { m.kind.clone() }})).collect::<Vec<_>>(),
        "items": s.items,
        "sw": words(v.lang),
    })))
}

/// `GET /spares/ledger`: the removed devices of the reader's systems.
pub async fn ledger_page(State(state): State<AppState>, v: Viewer) -> WebResult {
    let rows = ledger::list(&state, &v.p, LedgerQuery::default()).await?;
    super::page(&v, "spares_ledger.html", ctx! { rows => rows, sw => words(v.lang) })
}

/// `POST /tickets/{number}/replacements`: asks for one, then back to the ticket.
async fn request(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    number: String,
    f: HashMap<String, String>,
) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["request"];
    let back = format!("/tickets/{number}#replacements");
    let body = NewReplacement {
        device: field(&f, "device").unwrap_or_default().to_owned(),
        item: field(&f, "item").unwrap_or_default().to_owned(),
        reason: field(&f, "reason").unwrap_or_default().to_owned(),
        version: None,
    };
    match replacements::request(&state, &v.p, &from, &number, body).await {
        Ok(r) => Ok(redirect_with(&back, &format!("{label} {} ✓", r.number))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} ✗ {}", e.detail()))),
    }
}

/// `POST /tickets/{number}/warranty-repairs`: records a device the ticket names sent to its
/// manufacturer, then back to the ticket.
async fn warranty_send(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    number: String,
    f: HashMap<String, String>,
) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["send"];
    let back = format!("/tickets/{number}#warranty");
    let body = NewWarrantyRepair {
        device: field(&f, "device").unwrap_or_default().to_owned(),
        oem: field(&f, "oem").map(str::to_owned),
        reference: field(&f, "reference").map(str::to_owned),
        note: field(&f, "note").map(str::to_owned),
        version: None,
    };
    match warranty::send(&state, &v.p, &from, &number, body).await {
        Ok(w) => Ok(redirect_with(&back, &format!("{label} {} ✓", w.number))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} ✗ {}", e.detail()))),
    }
}

/// `POST /warranty-repairs/{id}/returned|accepted`: the next step, then back to the ticket (the
/// form names it).
async fn warranty_step(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    id: String,
    to: &'static str,
    f: HashMap<String, String>,
) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)[if to == "returned" {
        "mark_returned"
    } else {
        "mark_accepted"
    }];
    // Only a ticket number's characters make the way back on a refusal; anything else errs.
    let ticket = field(&f, "ticket")
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or_default()
        .to_owned();
    let body = StepBody {
        note: field(&f, "note").map(str::to_owned),
    };
    match warranty::step(&state, &v.p, &from, &id, to, body).await {
        Ok(w) => Ok(redirect_with(
            &format!("/tickets/{}#warranty", w.ticket),
            &format!("{label} {} ✓", w.number),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) if !ticket.is_empty() => Ok(redirect_with(
            &format!("/tickets/{ticket}#warranty"),
            &format!("{label} ✗ {}", e.detail()),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /replacements/{id}/{act}`: approve, refuse or record, then back to the ticket.
async fn act(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    id: String,
    name: &'static str,
    f: HashMap<String, String>,
) -> WebResult {
    v.check_form(&f)?;
    let id = replacements::id_of(&id)?;
    let r = replacements::get(&state, &v.p, id).await?;
    let back = format!("/tickets/{}#replacements", r.ticket);
    let version = field(&f, "version").and_then(|x| x.parse().ok());
    let done = match name {
        "record" => {
            let body = RecordBody {
                new_device: field(&f, "new_device").map(str::to_owned),
                version,
            };
            replacements::record(&state, &v.p, &from, id, body).await
        }
        _ => {
            let body = DecideBody {
                reason: field(&f, "reason").map(str::to_owned),
                version,
            };
            replacements::decide(&state, &v.p, &from, id, name == "approve", body).await
        }
    };
    let label = words(v.lang)[if name == "record" { "record_replace" } else { name }];
    match done {
        Ok(r) => Ok(redirect_with(
            &back,
            &format!("{label} · {} ✓ {}", r.number, r.state_label),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} · HR-{id} ✗ {}", e.detail()))),
    }
}

/// The contract asked for, else the first the reader may read.
async fn chosen(
    state: &AppState,
    v: &Viewer,
    q: &HashMap<String, String>,
) -> Result<(Vec<(String, String)>, Option<String>), AppError> {
    let list = spares::contracts(state, &v.p).await?;
    let asked = q.get("contract").map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let code = asked.or_else(|| list.first().map(|c| c.0.clone()));
    Ok((list, code))
}

fn contract_options(list: &[(String, String)]) -> Vec<serde_json::Value> {
    list.iter().map(|(c, n)| json!({"code": c, "name": n})).collect()
}

/// `GET /spares`: a contract's lines, stock and movements.
pub async fn page(State(state): State<AppState>, v: Viewer, Query(q): Query<HashMap<String, String>>) -> WebResult {
    let (list, code) = chosen(&state, &v, &q).await?;
    let (items, moves) = match &code {
        Some(c) => (
            catalogue::list(&state, &v.p, c).await?,
            movements::list(
                &state,
                &v.p,
                MovementQuery {
                    contract: c.clone(),
                    item: None,
                },
            )
            .await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let kinds: Vec<serde_json::Value> = movements::KINDS
        .iter()
        .map(|(k, zh)| json!({"key": k, "label": if v.lang == Lang::Zh { *zh } else { *k }}))
        .collect();
    super::page(
        &v,
        "spares.html",
        ctx! {
            contracts => contract_options(&list),
            contract => code,
            items => items,
            moves => moves.iter().take(200).map(|m| json!({"m": m, "kind": if v.lang == Lang::Zh { m.kind_label.clone() } else { m.kind.clone() }})).collect::<Vec<_>>(),
            kinds => kinds,
            keeper => permissions::may_at_all(&v.p, Action::SpareMove),
            sw => words(v.lang),
        },
    )
}

/// `POST /spares/movements`: records one, then back to the contract's page with a message.
pub async fn record(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["record"];
    let back = format!("/spares?contract={}", field(&f, "contract").unwrap_or_default());
    let body = NewMovement {
        item: field(&f, "item").unwrap_or_default().to_owned(),
        kind: field(&f, "kind").unwrap_or_default().to_owned(),
        quantity: field(&f, "quantity").and_then(|q| q.trim().parse().ok()).unwrap_or(0),
        ticket: field(&f, "ticket").map(str::to_owned),
        note: field(&f, "note").map(str::to_owned),
    };
    match movements::record(&state, &v.p, &from, body).await {
        Ok(m) => Ok(redirect_with(&back, &format!("{label} {} {} ✓", m.item, m.quantity))),
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} ✗ {}", e.detail()))),
    }
}

/// `GET /spares/settlement`: the settlement of a period, the inventory and its confirmations.
pub async fn settlement_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> WebResult {
    let (list, code) = chosen(&state, &v, &q).await?;
    let period = q
        .get("period")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| v.now.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y").to_string());
    let (settled, inventory) = match &code {
        Some(c) => (
            Some(
                settlement::settlement(
                    &state,
                    &v.p,
                    SettlementQuery {
                        contract: c.clone(),
                        period: period.clone(),
                    },
                )
                .await?,
            ),
            Some(settlement::inventory(&state, &v.p, c).await?),
        ),
        None => (None, None),
    };
    super::page(
        &v,
        "spares_settlement.html",
        ctx! {
            contracts => contract_options(&list),
            contract => code,
            period => period,
            s => settled,
            inv => inventory,
            confirmer => permissions::may_at_all(&v.p, Action::SpareConfirm),
            sw => words(v.lang),
        },
    )
}

/// `POST /spares/inventory/confirm`: the supervisor confirms the inventory as it is now.
pub async fn confirm(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["confirm"];
    let contract = field(&f, "contract").unwrap_or_default().to_owned();
    let back = format!("/spares/settlement?contract={contract}");
    let body = ConfirmBody {
        contract,
        note: field(&f, "note").map(str::to_owned),
    };
    match settlement::confirm(&state, &v.p, &from, body).await {
        Ok(_) => Ok(redirect_with(&back, &format!("{label} ✓"))),
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} ✗ {}", e.detail()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `sw.key` the spares templates use exists, in both languages, once.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["spares"], "sw");
        super::super::templates::check_words(WORDS, &used);
    }
}
