//! Spare parts (备品备件, `/spares`): a contract's capped list, the warehouse's movements, the
//! settlement by actual use and the inventory the supervisor confirms (see
//! [`crate::app::spares`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::spares::ContractQuery;
use crate::app::spares::catalogue::{self, LoadBody, PriceBody, SpareItemView};
use crate::app::spares::ledger::{self, LedgerQuery, LedgerRow};
use crate::app::spares::movements::{self, MovementQuery, MovementView, NewMovement};
use crate::app::spares::replacements::{self, DecideBody, NewReplacement, RecordBody, ReplacementView};
use crate::app::spares::settlement::{self, ConfirmBody, Inventory, Settlement, SettlementQuery};
use crate::app::spares::warranty::{self, NewWarrantyRepair, StepBody, WarrantyView};
use crate::http::AppState;

/// A contract's spares lines with their stock, use and what remains of each cap.
#[utoipa::path(get, path = "/spares/items", tag = "spares", params(ContractQuery),
    responses((status = 200, body = Vec<SpareItemView>), (status = 404, body = Problem)))]
pub async fn list_items(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ContractQuery>,
) -> ApiResult<Json<Vec<SpareItemView>>> {
    Ok(Json(catalogue::list(&state, &p, &q.contract).await?))
}

/// Loads a contract's spares list (CSV; the shipped list when `csv` is absent): new codes are
/// added, known ones replaced, prices and movements kept.
#[utoipa::path(post, path = "/spares/catalogue", tag = "spares", request_body = LoadBody,
    responses((status = 200, body = Vec<SpareItemView>), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn load_catalogue(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<LoadBody>,
) -> ApiResult<Json<Vec<SpareItemView>>> {
    Ok(Json(catalogue::load(&state, &p, &from, body).await?))
}

/// Enters or clears a line's unit price (fen), from the vendor's bid.
#[utoipa::path(put, path = "/spares/items/{code}/price", tag = "spares",
    params(("code" = String, Path, description = "SY26-PA-1")), request_body = PriceBody,
    responses((status = 200, body = SpareItemView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_price(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PriceBody>,
) -> ApiResult<Json<SpareItemView>> {
    Ok(Json(catalogue::set_price(&state, &p, &from, &code, body).await?))
}

/// A contract's warehouse movements, newest first.
#[utoipa::path(get, path = "/spares/movements", tag = "spares", params(MovementQuery),
    responses((status = 200, body = Vec<MovementView>), (status = 404, body = Problem)))]
pub async fn list_movements(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<MovementQuery>,
) -> ApiResult<Json<Vec<MovementView>>> {
    Ok(Json(movements::list(&state, &p, q).await?))
}

/// Records a movement: `in` (received), `out` to a ticket (refused beyond the stock or the
/// contract's cap), `returned` from a ticket.
#[utoipa::path(post, path = "/spares/movements", tag = "spares", request_body = NewMovement,
    responses((status = 201, body = MovementView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_movement(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewMovement>,
) -> ApiResult<(StatusCode, Json<MovementView>)> {
    Ok((
        StatusCode::CREATED,
        Json(movements::record(&state, &p, &from, body).await?),
    ))
}

/// The spares that went out to a ticket and came back.
#[utoipa::path(get, path = "/tickets/{number}/spares", tag = "spares",
    params(("number" = String, Path, description = "INC-20261202-0001")),
    responses((status = 200, body = Vec<MovementView>), (status = 404, body = Problem)))]
pub async fn ticket_spares(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Vec<MovementView>>> {
    Ok(Json(movements::of_ticket(&state, &p, &number).await?))
}

/// The settlement by actual use of a period: per line used, unit price, amount, cap, remaining.
#[utoipa::path(get, path = "/spares/settlement", tag = "spares", params(SettlementQuery),
    responses((status = 200, body = Settlement), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_settlement(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SettlementQuery>,
) -> ApiResult<Json<Settlement>> {
    Ok(Json(settlement::settlement(&state, &p, q).await?))
}

/// A contract's inventory now and the supervisor's confirmations of it.
#[utoipa::path(get, path = "/spares/inventory", tag = "spares", params(ContractQuery),
    responses((status = 200, body = Inventory), (status = 404, body = Problem)))]
pub async fn get_inventory(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ContractQuery>,
) -> ApiResult<Json<Inventory>> {
    Ok(Json(settlement::inventory(&state, &p, &q.contract).await?))
}

/// Confirms a contract's inventory as it is now (the supervisor): who and when are kept with
/// the lines as they were.
#[utoipa::path(post, path = "/spares/inventory/confirm", tag = "spares", request_body = ConfirmBody,
    responses((status = 200, body = Inventory), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn confirm_inventory(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> ApiResult<Json<Inventory>> {
    Ok(Json(settlement::confirm(&state, &p, &from, body).await?))
}

/// The replacement requests of a ticket, oldest first.
#[utoipa::path(get, path = "/tickets/{number}/replacements", tag = "spares",
    params(("number" = String, Path, description = "INC-20261202-0001")),
    responses((status = 200, body = Vec<ReplacementView>), (status = 404, body = Problem)))]
pub async fn ticket_replacements(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Vec<ReplacementView>>> {
    Ok(Json(replacements::of_ticket(&state, &p, &number).await?))
}

/// Asks for the replacement of a device the ticket names, with the spares line to put in and
/// the reason; it needs the buyer's and the supervisor's approvals before it can be recorded.
#[utoipa::path(post, path = "/tickets/{number}/replacements", tag = "spares",
    params(("number" = String, Path, description = "INC-20261202-0001")), request_body = NewReplacement,
    responses((status = 201, body = ReplacementView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_replacement(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<NewReplacement>,
) -> ApiResult<(StatusCode, Json<ReplacementView>)> {
    Ok((
        StatusCode::CREATED,
        Json(replacements::request(&state, &p, &from, &number, body).await?),
    ))
}

/// A replacement request.
#[utoipa::path(get, path = "/replacements/{id}", tag = "spares",
    params(("id" = String, Path, description = "HR-3 or 3")),
    responses((status = 200, body = ReplacementView), (status = 404, body = Problem)))]
pub async fn get_replacement(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ReplacementView>> {
    Ok(Json(replacements::get(&state, &p, replacements::id_of(&id)?).await?))
}

/// Approves the replacement for the caller's side (the buyer's managers; the supervisor).
#[utoipa::path(post, path = "/replacements/{id}/approve", tag = "spares",
    params(("id" = String, Path, description = "HR-3 or 3")), request_body = DecideBody,
    responses((status = 200, body = ReplacementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve_replacement(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecideBody>,
) -> ApiResult<Json<ReplacementView>> {
    Ok(Json(
        replacements::decide(&state, &p, &from, replacements::id_of(&id)?, true, body).await?,
    ))
}

/// Refuses the replacement for the caller's side, with the reason: the request is closed.
#[utoipa::path(post, path = "/replacements/{id}/refuse", tag = "spares",
    params(("id" = String, Path, description = "HR-3 or 3")), request_body = DecideBody,
    responses((status = 200, body = ReplacementView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn refuse_replacement(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecideBody>,
) -> ApiResult<Json<ReplacementView>> {
    Ok(Json(
        replacements::decide(&state, &p, &from, replacements::id_of(&id)?, false, body).await?,
    ))
}

/// Records the replacement done (the vendor working the ticket), only once both approved: one
/// of the spares line goes out to the ticket, the device is removed, the ledger row written.
#[utoipa::path(post, path = "/replacements/{id}/record", tag = "spares",
    params(("id" = String, Path, description = "HR-3 or 3")), request_body = RecordBody,
    responses((status = 200, body = ReplacementView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_replacement(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RecordBody>,
) -> ApiResult<Json<ReplacementView>> {
    Ok(Json(
        replacements::record(&state, &p, &from, replacements::id_of(&id)?, body).await?,
    ))
}

/// The ledger of removed devices (拆除设备台账) of the systems in the caller's scope.
#[utoipa::path(get, path = "/spares/ledger", tag = "spares", params(LedgerQuery),
    responses((status = 200, body = Vec<LedgerRow>), (status = 404, body = Problem)))]
pub async fn get_ledger(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<LedgerRow>>> {
    Ok(Json(ledger::list(&state, &p, q).await?))
}

/// The OEM warranty repairs of a ticket's devices, oldest first.
#[utoipa::path(get, path = "/tickets/{number}/warranty-repairs", tag = "spares",
    params(("number" = String, Path, description = "INC-20261202-0001")),
    responses((status = 200, body = Vec<WarrantyView>), (status = 404, body = Problem)))]
pub async fn ticket_warranty_repairs(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Vec<WarrantyView>>> {
    Ok(Json(warranty::of_ticket(&state, &p, &number).await?))
}

/// Records a device the ticket names sent to its manufacturer under warranty (the vendor).
#[utoipa::path(post, path = "/tickets/{number}/warranty-repairs", tag = "spares",
    params(("number" = String, Path, description = "INC-20261202-0001")), request_body = NewWarrantyRepair,
    responses((status = 201, body = WarrantyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn send_warranty_repair(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<NewWarrantyRepair>,
) -> ApiResult<(StatusCode, Json<WarrantyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(warranty::send(&state, &p, &from, &number, body).await?),
    ))
}

/// Records the device back from its manufacturer (`returned`), then the repair accepted
/// (`accepted`), in that order.
#[utoipa::path(post, path = "/warranty-repairs/{id}/{step}", tag = "spares",
    params(("id" = String, Path, description = "WR-2 or 2"), ("step" = String, Path, description = "returned or accepted")),
    request_body = StepBody,
    responses((status = 200, body = WarrantyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn warranty_step(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath((id, step)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult<Json<WarrantyView>> {
    if !["returned", "accepted"].contains(&step.as_str()) {
        return Err(crate::app::AppError::NotFound(format!("no step {step:?}; steps: returned, accepted")).into());
    }
    Ok(Json(warranty::step(&state, &p, &from, &id, &step, body).await?))
}
