//! The core schema: organisations, SLA policies, systems, people and their credentials, tickets
//! with their event log and SLA clocks, and the audit log.
//!
//! Deletion policy of the foreign keys: rows that only exist for their parent (a system's vendor
//! links, a user's tokens and sessions, a ticket's events and clocks) are removed with it
//! (`ON DELETE CASCADE`); everything else is `NO ACTION`, so organisations, policies, systems and
//! users that history refers to cannot be deleted (users are disabled instead). `NO ACTION` rather
//! than `RESTRICT` because SQLite reports a `RESTRICT` violation with the extended code
//! `SQLITE_CONSTRAINT_TRIGGER`, which sea-orm's `DbErr::sql_err` does not classify as a
//! foreign-key violation; with `NO ACTION` both backends report an ordinary one.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates every table of the first release; `down` drops them all.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so that no foreign key is ever left dangling.
        let tables: [DynIden; 13] = [
            AuditLog::Table.into_iden(),
            Clocks::Table.into_iden(),
            TicketEvents::Table.into_iden(),
            Tickets::Table.into_iden(),
            TicketCounters::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Users::Table.into_iden(),
            SystemVendors::Table.into_iden(),
            Systems::Table.into_iden(),
            Policies::Table.into_iden(),
            Vendors::Table.into_iden(),
            Units::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Code,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Vendors {
    Table,
    Id,
    Code,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Policies {
    Table,
    Id,
    Code,
    Name,
    Targets,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Systems {
    Table,
    Id,
    Code,
    Name,
    UnitId,
    PolicyId,
    Calendar,
    ServiceMode,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum SystemVendors {
    Table,
    SystemId,
    VendorId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    PasswordHash,
    Role,
    UnitId,
    VendorId,
    Disabled,
    MustChangePassword,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum TicketCounters {
    Table,
    Key,
    LastValue,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    Kind,
    Status,
    Severity,
    SystemId,
    Title,
    Description,
    ReporterId,
    AssigneeId,
    Version,
    OccurredAt,
    ReceivedAt,
    AcknowledgedAt,
    OnSiteAt,
    ResolvedAt,
    ClosedAt,
    Breached,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    Seq,
    At,
    ActorId,
    Kind,
    Data,
}

#[derive(DeriveIden)]
enum Clocks {
    Table,
    Id,
    TicketId,
    Name,
    Calendar,
    Events,
    State,
    Deadline,
    Breached,
    NextDueAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Action,
    Target,
    Detail,
    RemoteAddr,
}

/// The 64-bit auto-increment primary key every table but the link and counter tables has.
fn id<T: IntoIden>(name: T) -> ColumnDef {
    big_pk_auto(name)
}

/// A non-null reference to another table's id.
fn id_ref<T: IntoIden>(name: T) -> ColumnDef {
    big_integer(name)
}

/// A nullable reference to another table's id.
fn id_ref_null<T: IntoIden>(name: T) -> ColumnDef {
    big_integer_null(name)
}

/// An instant (`timestamp with time zone`; text on SQLite), mapped to `chrono::DateTime<Utc>`.
fn instant<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone(name)
}

/// A nullable instant.
fn instant_null<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

/// A JSON document (`jsonb` on PostgreSQL, text on SQLite), mapped to `serde_json::Value`.
fn document<T: IntoIden>(name: T) -> ColumnDef {
    json_binary(name)
}

/// A non-null boolean that defaults to false.
fn flag<T: IntoIden>(name: T) -> ColumnDef {
    boolean(name).default(false).take()
}

/// An optimistic-concurrency version counter starting at 1.
fn version<T: IntoIden>(name: T) -> ColumnDef {
    big_integer(name).default(1).take()
}

/// A named foreign key `fk_<table>_<column>` from `table.column` to `parent.id`.
fn fk(
    table: impl IntoIden,
    column: impl IntoIden,
    parent: impl IntoIden,
    parent_id: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, parent_id)
        .on_delete(on_delete)
        .to_owned()
}

fn tables() -> Vec<TableCreateStatement> {
    use ForeignKeyAction::{Cascade, NoAction};
    vec![
        Table::create()
            .table(Units::Table)
            .col(id(Units::Id))
            .col(text_uniq(Units::Code))
            .col(text(Units::Name))
            .col(instant(Units::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Vendors::Table)
            .col(id(Vendors::Id))
            .col(text_uniq(Vendors::Code))
            .col(text(Vendors::Name))
            .col(instant(Vendors::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Policies::Table)
            .col(id(Policies::Id))
            .col(text_uniq(Policies::Code))
            .col(text(Policies::Name))
            .col(document(Policies::Targets))
            .col(instant(Policies::CreatedAt))
            .col(instant(Policies::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(Systems::Table)
            .col(id(Systems::Id))
            .col(text_uniq(Systems::Code))
            .col(text(Systems::Name))
            .col(id_ref(Systems::UnitId))
            .col(id_ref(Systems::PolicyId))
            .col(text(Systems::Calendar))
            .col(text(Systems::ServiceMode))
            .col(instant(Systems::CreatedAt))
            .col(instant(Systems::UpdatedAt))
            .col(version(Systems::Version))
            .foreign_key(&mut fk(
                Systems::Table,
                Systems::UnitId,
                Units::Table,
                Units::Id,
                NoAction,
            ))
            .foreign_key(&mut fk(
                Systems::Table,
                Systems::PolicyId,
                Policies::Table,
                Policies::Id,
                NoAction,
            ))
            .to_owned(),
        Table::create()
            .table(SystemVendors::Table)
            .col(id_ref(SystemVendors::SystemId))
            .col(id_ref(SystemVendors::VendorId))
            .primary_key(
                Index::create()
                    .col(SystemVendors::SystemId)
                    .col(SystemVendors::VendorId),
            )
            .foreign_key(&mut fk(
                SystemVendors::Table,
                SystemVendors::SystemId,
                Systems::Table,
                Systems::Id,
                Cascade,
            ))
            .foreign_key(&mut fk(
                SystemVendors::Table,
                SystemVendors::VendorId,
                Vendors::Table,
                Vendors::Id,
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Users::Table)
            .col(id(Users::Id))
            .col(text_uniq(Users::Username))
            .col(text(Users::DisplayName))
            .col(text_null(Users::Email))
            .col(text_null(Users::PasswordHash))
            .col(text(Users::Role))
            .col(id_ref_null(Users::UnitId))
            .col(id_ref_null(Users::VendorId))
            .col(flag(Users::Disabled))
            .col(flag(Users::MustChangePassword))
            .col(instant(Users::CreatedAt))
            .foreign_key(&mut fk(Users::Table, Users::UnitId, Units::Table, Units::Id, NoAction))
            .foreign_key(&mut fk(
                Users::Table,
                Users::VendorId,
                Vendors::Table,
                Vendors::Id,
                NoAction,
            ))
            .to_owned(),
        Table::create()
            .table(ApiTokens::Table)
            .col(id(ApiTokens::Id))
            .col(id_ref(ApiTokens::UserId))
            .col(text(ApiTokens::Name))
            .col(text_uniq(ApiTokens::TokenHash))
            .col(instant(ApiTokens::CreatedAt))
            .col(instant_null(ApiTokens::LastUsedAt))
            .foreign_key(&mut fk(
                ApiTokens::Table,
                ApiTokens::UserId,
                Users::Table,
                Users::Id,
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Sessions::Table)
            .col(id(Sessions::Id))
            .col(id_ref(Sessions::UserId))
            .col(text_uniq(Sessions::TokenHash))
            .col(instant(Sessions::CreatedAt))
            .col(instant(Sessions::ExpiresAt))
            .foreign_key(&mut fk(
                Sessions::Table,
                Sessions::UserId,
                Users::Table,
                Users::Id,
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(TicketCounters::Table)
            .col(text(TicketCounters::Key).primary_key())
            .col(big_integer(TicketCounters::LastValue))
            .to_owned(),
        Table::create()
            .table(Tickets::Table)
            .col(id(Tickets::Id))
            .col(text_uniq(Tickets::Number))
            .col(text(Tickets::Kind))
            .col(text(Tickets::Status))
            .col(text(Tickets::Severity))
            .col(id_ref(Tickets::SystemId))
            .col(text(Tickets::Title))
            .col(text(Tickets::Description))
            .col(id_ref_null(Tickets::ReporterId))
            .col(id_ref_null(Tickets::AssigneeId))
            .col(version(Tickets::Version))
            .col(instant(Tickets::OccurredAt))
            .col(instant(Tickets::ReceivedAt))
            .col(instant_null(Tickets::AcknowledgedAt))
            .col(instant_null(Tickets::OnSiteAt))
            .col(instant_null(Tickets::ResolvedAt))
            .col(instant_null(Tickets::ClosedAt))
            .col(flag(Tickets::Breached))
            .col(instant(Tickets::CreatedAt))
            .col(instant(Tickets::UpdatedAt))
            .foreign_key(&mut fk(
                Tickets::Table,
                Tickets::SystemId,
                Systems::Table,
                Systems::Id,
                NoAction,
            ))
            .foreign_key(&mut fk(
                Tickets::Table,
                Tickets::ReporterId,
                Users::Table,
                Users::Id,
                NoAction,
            ))
            .foreign_key(&mut fk(
                Tickets::Table,
                Tickets::AssigneeId,
                Users::Table,
                Users::Id,
                NoAction,
            ))
            .to_owned(),
        Table::create()
            .table(TicketEvents::Table)
            .col(id(TicketEvents::Id))
            .col(id_ref(TicketEvents::TicketId))
            .col(integer(TicketEvents::Seq))
            .col(instant(TicketEvents::At))
            .col(id_ref_null(TicketEvents::ActorId))
            .col(text(TicketEvents::Kind))
            .col(document(TicketEvents::Data))
            .foreign_key(&mut fk(
                TicketEvents::Table,
                TicketEvents::TicketId,
                Tickets::Table,
                Tickets::Id,
                Cascade,
            ))
            .foreign_key(&mut fk(
                TicketEvents::Table,
                TicketEvents::ActorId,
                Users::Table,
                Users::Id,
                NoAction,
            ))
            .to_owned(),
        Table::create()
            .table(Clocks::Table)
            .col(id(Clocks::Id))
            .col(id_ref(Clocks::TicketId))
            .col(text(Clocks::Name))
            .col(text(Clocks::Calendar))
            .col(document(Clocks::Events))
            .col(text(Clocks::State))
            .col(instant_null(Clocks::Deadline))
            .col(flag(Clocks::Breached))
            .col(instant_null(Clocks::NextDueAt))
            .col(instant(Clocks::UpdatedAt))
            .foreign_key(&mut fk(
                Clocks::Table,
                Clocks::TicketId,
                Tickets::Table,
                Tickets::Id,
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(AuditLog::Table)
            .col(id(AuditLog::Id))
            .col(instant(AuditLog::At))
            .col(id_ref_null(AuditLog::UserId))
            .col(text(AuditLog::Action))
            .col(text(AuditLog::Target))
            .col(document(AuditLog::Detail))
            .col(text_null(AuditLog::RemoteAddr))
            .foreign_key(&mut fk(
                AuditLog::Table,
                AuditLog::UserId,
                Users::Table,
                Users::Id,
                NoAction,
            ))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("idx_system_vendors_vendor_id")
            .table(SystemVendors::Table)
            .col(SystemVendors::VendorId)
            .to_owned(),
        Index::create()
            .name("idx_tickets_status")
            .table(Tickets::Table)
            .col(Tickets::Status)
            .to_owned(),
        Index::create()
            .name("idx_tickets_system_id")
            .table(Tickets::Table)
            .col(Tickets::SystemId)
            .to_owned(),
        Index::create()
            .name("idx_tickets_assignee_id")
            .table(Tickets::Table)
            .col(Tickets::AssigneeId)
            .to_owned(),
        Index::create()
            .name("idx_tickets_created_at_id")
            .table(Tickets::Table)
            .col(Tickets::CreatedAt)
            .col(Tickets::Id)
            .to_owned(),
        Index::create()
            .name("uq_ticket_events_ticket_id_seq")
            .table(TicketEvents::Table)
            .col(TicketEvents::TicketId)
            .col(TicketEvents::Seq)
            .unique()
            .to_owned(),
        Index::create()
            .name("uq_clocks_ticket_id_name")
            .table(Clocks::Table)
            .col(Clocks::TicketId)
            .col(Clocks::Name)
            .unique()
            .to_owned(),
        Index::create()
            .name("idx_clocks_next_due_at")
            .table(Clocks::Table)
            .col(Clocks::NextDueAt)
            .to_owned(),
        Index::create()
            .name("idx_audit_log_at")
            .table(AuditLog::Table)
            .col(AuditLog::At)
            .to_owned(),
    ]
}
